import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  defaultMaxUploadBytes,
  imagesPrefix,
  pendingUploadDays,
  uploadStateTag,
} from '../../functions/shared/media.ts';
import { stackUuid } from './common.ts';

/** Props of {@link Media}. */
export interface MediaProps {
  /**
   * What happens to the bucket when it leaves the stack. Uploads are user data, so it is kept.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days before objects move to S3 Standard-IA (30 is the least S3 allows).
   * @default 30
   */
  readonly infrequentAccessAfterDays?: number;
  /**
   * Largest image upload in bytes, enforced by each presigned POST's policy.
   * @default 10485760 (10 MiB)
   */
  readonly maxUploadBytes?: number;
}

/**
 * The private bucket of uploaded images: browsers upload with presigned requests, CloudFront serves
 * `/images/*` through origin access control, and nothing is public.
 *
 * The bucket and the distribution refer to each other: CloudFront needs the bucket's domain, and the
 * bucket's CORS rule needs the distribution's origin. CloudFormation cannot create such a cycle, so the
 * bucket's name is derived from the stack's own id (`hiroba-media-<stack uuid>`), known before either
 * resource exists: the distribution uses {@link Media.bucketRegionalDomainName} (no reference to the
 * bucket), and {@link Media.serveThrough} then adds the CORS rule and the origin access policy. No custom
 * resource, and the uuid keeps names unique across stacks and re-creations.
 */
export class Media extends Construct {
  /** The bucket. */
  public readonly bucket: Bucket;
  /** The bucket's name, resolvable without referencing the bucket resource. */
  public readonly bucketName: string;
  /** The bucket's regional domain name, resolvable without referencing the bucket resource. */
  public readonly bucketRegionalDomainName: string;
  /** Largest image upload in bytes. */
  public readonly maxUploadBytes: number;

  constructor(scope: Construct, id: string, props: MediaProps = {}) {
    super(scope, id);
    this.bucketName = `hiroba-media-${stackUuid()}`;
    this.bucketRegionalDomainName = `${this.bucketName}.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    this.maxUploadBytes = props.maxUploadBytes ?? defaultMaxUploadBytes;

    this.bucket = new Bucket(this, 'MediaBucket', {
      bucketName: this.bucketName,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Versioning turns an accidental overwrite or delete into a recoverable one for 30 days.
      versioned: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'InfrequentAccess',
          transitions: [
            {
              storageClass: StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(props.infrequentAccessAfterDays ?? 30),
            },
          ],
        },
        { id: 'ExpireOldVersions', noncurrentVersionExpiration: Duration.days(30) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Uploads no message took: their presigned POST tagged them pending, and attaching retags them.
        {
          id: 'ExpirePendingUploads',
          prefix: imagesPrefix,
          tagFilters: { [uploadStateTag.key]: uploadStateTag.pending },
          expiration: Duration.days(pendingUploadDays),
        },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'No server access logs: they record the full request URI, and presigned upload URLs carry their ' +
        'signature in the query string, which must not land in logs. Enable CloudTrail S3 data events when ' +
        'uploads need an audit trail.',
    });
  }

  /**
   * Lets `distribution` read `images/*` (origin access control) and browsers on `origins` upload with
   * presigned PUT or POST requests (CORS).
   */
  public serveThrough(distribution: IDistribution, origins: readonly string[]): void {
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudFrontReadImages',
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${imagesPrefix}*`)],
        conditions: { StringEquals: { 'AWS:SourceArn': distribution.distributionArn } },
      }),
    );
    this.bucket.addCorsRule({
      allowedOrigins: [...origins],
      allowedMethods: [HttpMethods.PUT, HttpMethods.POST],
      // The presigned signature, not CORS, authorizes an upload; the headers a browser sends vary with
      // the SDK's checksum mode, so any header may be sent.
      allowedHeaders: ['*'],
      exposedHeaders: ['ETag'],
      maxAge: 3000,
    });
  }
}
