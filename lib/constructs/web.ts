import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  Aws,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  type ILocalBundling,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  OriginSslPolicy,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { apiBodyLimitCode } from '../../functions/shared/api-body-limit.ts';
import { webSocketHandshakeHeaders } from '../api-routes.ts';
import { contentSecurityPolicy as policyOf } from '../content-security-policy.ts';
import {
  hashedAssetsDirectory,
  immutableCacheControl,
  revalidateCacheControl,
  type WebConfig,
  webConfigFile,
} from '../web-config.ts';
import { expiringLogGroup, stackUuid } from './common.ts';
import { projectRoot } from './function.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/**
 * Viewer-request function of the web app's behaviour only: a path whose last segment has no dot is a
 * client-side route, so it gets `index.html`. `/local/*` exists only in local mode, so it is a 404 here
 * rather than the app. (Distribution-wide error responses would also rewrite the APIs' 403s and 404s.)
 */
const spaFallbackCode = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('/local/') === 0) {
    return { statusCode: 404, statusDescription: 'Not Found' };
  }
  var lastSegment = uri.substring(uri.lastIndexOf('/') + 1);
  if (lastSegment.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}`;

/** Props of {@link Web}. */
export interface WebProps {
  /** Id of the HTTP API served under `/api/*`. */
  readonly httpApiId: string;
  /** Id of the WebSocket API served at `/ws` (its stage is named `ws`). */
  readonly webSocketApiId: string;
  /** The media bucket served under `/images/*`, by name so the distribution does not reference it. */
  readonly media: { readonly bucketName: string; readonly bucketRegionalDomainName: string };
  /**
   * The web app's runtime configuration, written next to it as `config.json` at deploy time (values known
   * only then, such as the app client id, are filled in by the deployment), so the build needs none.
   */
  readonly appConfig: WebConfig;
  /**
   * Origin of the sign-in domain (`https://<prefix>.auth.<region>.amazoncognito.com`): the app exchanges
   * its authorization code there with `fetch`, so the content security policy must allow connecting to it.
   */
  readonly authOrigin: string;
  /**
   * Custom domain of the distribution; needs `certificateArn`.
   * @default - the CloudFront domain only
   */
  readonly domainName?: string;
  /**
   * ACM certificate (us-east-1) for `domainName`.
   * @default - none
   */
  readonly certificateArn?: string;
  /**
   * Retention of the web app deployment handler's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Directory of the Vite web app, built during synthesis.
   * @default `<project root>/web`
   */
  readonly webAppDirectory?: string;
}

/**
 * The single origin users see: a CloudFront distribution with the web app (a private bucket), uploaded
 * images, the HTTP API under `/api/*` and the WebSocket API at `/ws`, security headers on every response.
 */
export class Web extends Construct {
  /** The private bucket holding the built web app. */
  public readonly bucket: Bucket;
  /** The distribution. */
  public readonly distribution: Distribution;
  /** The SPA fallback on the default behaviour. */
  public readonly spaFallback: CloudFrontFunction;
  /** Refuses `/api/*` requests whose `Content-Length` is over the API's body limit, with `413 too_large`. */
  public readonly apiBodyLimit: CloudFrontFunction;
  /** Forwards the token query string and the handshake headers to the WebSocket API. */
  public readonly webSocketOriginRequestPolicy: OriginRequestPolicy;
  /** HSTS, CSP, nosniff, frame and referrer policies on every behaviour. */
  public readonly securityHeaders: ResponseHeadersPolicy;
  /** The web app's behaviour caches each file as long as its `Cache-Control` says, and no longer. */
  public readonly webCachePolicy: CachePolicy;
  /** Uploads the hashed assets (`assets/*`), cached a year, keeping those of earlier builds. */
  public readonly assetsDeployment: BucketDeployment;
  /** Uploads everything else (`index.html`, `config.json`), revalidated on every use, after the assets. */
  public readonly appDeployment: BucketDeployment;
  /** `https://` origin users open: the custom domain if any, else the CloudFront domain. */
  public readonly origin: string;
  /** Every `https://` origin that serves the app (for CORS on direct uploads). */
  public readonly origins: readonly string[];

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    const webAppDirectory = props.webAppDirectory ?? path.join(projectRoot, 'web');

    this.bucket = new Bucket(this, 'WebBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // The content is a build of the repository: the deployment below empties the bucket on deletion.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'No server access logs: the bucket holds the public build of the web app, read only by this ' +
        'distribution through origin access control; there is nothing to audit.',
    });

    this.spaFallback = new CloudFrontFunction(this, 'SpaFallback', {
      code: FunctionCode.fromInline(spaFallbackCode),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serves index.html for client-side routes of the web app',
    });

    // The same code runs in local AWS's edge (functions/shared/api-body-limit.ts): an oversize body never reaches
    // API Gateway, where a Lambda event over 6 MB would be a bare 500.
    this.apiBodyLimit = new CloudFrontFunction(this, 'ApiBodyLimit', {
      code: FunctionCode.fromInline(apiBodyLimitCode),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Refuses API request bodies over the limit with 413 too_large',
    });

    // CloudFront names are unique per account, across regions: CDK's generated ones leave the region out,
    // so a second hiroba in another region would collide. The stack id's UUID is unique everywhere.
    const accountWideName = (kind: string) => `hiroba-${kind}-${stackUuid()}`;

    this.webSocketOriginRequestPolicy = new OriginRequestPolicy(this, 'WebSocketOriginRequestPolicy', {
      originRequestPolicyName: accountWideName('ws'),
      comment: 'hiroba /ws: the token query string and the WebSocket handshake headers',
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      headerBehavior: OriginRequestHeaderBehavior.allowList(...webSocketHandshakeHeaders),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });

    this.securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: accountWideName('security-headers'),
      comment: 'hiroba security headers',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(props.media, props.authOrigin),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
    });

    // CACHING_OPTIMIZED's minimum TTL of 1 s would keep a `no-cache` index.html a second after a deploy:
    // with a minimum of 0, CloudFront follows each file's Cache-Control (CloudFront honours no-cache,
    // no-store and private only then). A file without one is not cached; the deployments give each one.
    this.webCachePolicy = new CachePolicy(this, 'WebCachePolicy', {
      cachePolicyName: accountWideName('web'),
      comment: "hiroba web app: each file's own Cache-Control (a year for hashed assets, no-cache else)",
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      queryStringBehavior: CacheQueryStringBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const apiOrigin = (apiId: string) =>
      new HttpOrigin(`${apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      });
    // Imported by name: a reference to the media bucket resource would close a cycle (see Media).
    const mediaBucket = Bucket.fromBucketAttributes(this, 'MediaOriginBucket', {
      bucketName: props.media.bucketName,
      bucketRegionalDomainName: props.media.bucketRegionalDomainName,
    });
    const certificate =
      props.certificateArn === undefined
        ? undefined
        : Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn);

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'hiroba',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      ...(certificate && {
        certificate,
        domainNames: [props.domainName ?? ''],
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessControl: new S3OriginAccessControl(this, 'WebOriginAccessControl', {
            originAccessControlName: accountWideName('web'),
          }),
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: this.webCachePolicy,
        responseHeadersPolicy: this.securityHeaders,
        functionAssociations: [{ function: this.spaFallback, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        // The APIs refuse plain HTTP instead of redirecting: a redirected POST would be replayed as GET,
        // and a token sent over HTTP has already leaked.
        '/api/*': {
          origin: apiOrigin(props.httpApiId),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.securityHeaders,
          functionAssociations: [
            { function: this.apiBodyLimit, eventType: FunctionEventType.VIEWER_REQUEST },
          ],
        },
        '/ws': {
          origin: apiOrigin(props.webSocketApiId),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: this.webSocketOriginRequestPolicy,
          responseHeadersPolicy: this.securityHeaders,
        },
        '/images/*': {
          origin: S3BucketOrigin.withOriginAccessControl(mediaBucket, {
            originAccessControl: new S3OriginAccessControl(this, 'MediaOriginAccessControl', {
              originAccessControlName: accountWideName('media'),
            }),
          }),
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: this.securityHeaders,
        },
      },
    });
    acknowledgeImportedMediaPolicy(this.distribution);
    this.acknowledgeDistributionFindings(certificate !== undefined);

    const distributionOrigin = `https://${this.distribution.distributionDomainName}`;
    this.origin = props.domainName === undefined ? distributionOrigin : `https://${props.domainName}`;
    this.origins = props.domainName === undefined ? [distributionOrigin] : [this.origin, distributionOrigin];

    // One build, two uploads with their own Cache-Control (S3 metadata, which CloudFront passes on).
    // The assets go first and are never pruned: a tab still running the previous index.html may yet load
    // its lazy chunks, and hashed names never collide. Everything else follows, so that no index.html
    // names an asset not uploaded yet; its pruning skips `assets/*`, which it excludes.
    const build = Source.asset(webAppDirectory, {
      exclude: ['dist', 'node_modules'],
      bundling: { image: DockerImage.fromRegistry('none'), local: viteBuild(webAppDirectory) },
    });
    const hashedAssets = `${hashedAssetsDirectory}/*`;
    // Both deployments run on CDK's one singleton handler, so they share its log group.
    const logGroup = expiringLogGroup(this, 'DeployWebAppLogs', props.logRetention);
    this.assetsDeployment = new BucketDeployment(this, 'DeployWebAssets', {
      sources: [build],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: [hashedAssets],
      cacheControl: [CacheControl.fromString(immutableCacheControl)],
      prune: false,
      retainOnDelete: false,
      logGroup,
    });
    this.appDeployment = new BucketDeployment(this, 'DeployWebApp', {
      sources: [build, Source.jsonData(webConfigFile, props.appConfig)],
      destinationBucket: this.bucket,
      exclude: [hashedAssets],
      cacheControl: [CacheControl.fromString(revalidateCacheControl)],
      // A backstop: edge caches may still hold files stored under an earlier cache policy.
      distribution: this.distribution,
      distributionPaths: ['/*'],
      retainOnDelete: false,
      logGroup,
    });
    this.appDeployment.node.addDependency(this.assetsDeployment);
    acknowledgeBucketDeploymentHandler(this.appDeployment, this.bucket);
  }

  private acknowledgeDistributionFindings(hasCertificate: boolean): void {
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-CFR1',
      'hiroba is open to users anywhere; a geo restriction would be a product decision, not a default.',
    );
    acknowledge(
      'AwsSolutions-CFR2',
      'No WAF web ACL by default (about $6/month before requests): API Gateway stage throttling and the ' +
        "application's own rate limits bound abuse. Attach a web ACL (webAclId) for production traffic.",
    );
    acknowledge(
      'AwsSolutions-CFR3',
      'Standard logs record the query string, and /ws carries the access token there: logging would write ' +
        "credentials to S3. API Gateway's access logs (which omit the query string) cover the APIs.",
    );
    if (!hasCertificate) {
      acknowledge(
        'AwsSolutions-CFR4',
        'Without the domainName/certificateArn context the distribution uses the default *.cloudfront.net ' +
          'certificate, whose TLS policy CloudFront fixes; with a custom certificate it requires TLS 1.2 (2021).',
      );
    }
  }
}

/** The CSP of every response ({@link policyOf}), with the media bucket's two S3 endpoints for uploads. */
function contentSecurityPolicy(media: WebProps['media'], authOrigin: string): string {
  return policyOf({
    uploadOrigins: [
      `https://${media.bucketRegionalDomainName}`,
      `https://${media.bucketName}.s3.${Aws.URL_SUFFIX}`,
    ],
    authOrigin,
  });
}

/** Builds the web app with the installed Vite into the asset directory: no Docker, no pre-build step. */
function viteBuild(webAppDirectory: string): ILocalBundling {
  return {
    tryBundle(outputDir: string): boolean {
      const viteCli = path.join(projectRoot, 'node_modules', 'vite', 'bin', 'vite.js');
      const config = path.join(webAppDirectory, 'vite.config.ts');
      const result = spawnSync(
        process.execPath,
        [viteCli, 'build', '--config', config, '--outDir', outputDir, '--emptyOutDir', '--logLevel', 'warn'],
        { cwd: webAppDirectory, encoding: 'utf8' },
      );
      if (result.status !== 0) {
        throw new Error(`vite build of ${webAppDirectory} failed:\n${result.stderr}${result.stdout}`);
      }
      return true;
    },
  };
}

/** The media origin is imported by name, so CloudFront's helper cannot add its policy: Media does. */
function acknowledgeImportedMediaPolicy(distribution: Distribution): void {
  Validations.of(distribution).acknowledge({
    id: '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
    reason: 'Media.serveThrough adds the origin access control statement to the media bucket policy itself.',
  });
}

/**
 * CDK's BucketDeployment runs its own singleton Lambda (Python, CDK-managed role) at the stack level. It
 * runs only during deployments, and aws-cdk-lib owns its code, runtime and permissions.
 */
function acknowledgeBucketDeploymentHandler(deployment: BucketDeployment, webBucket: Bucket): void {
  const stack = Stack.of(deployment);
  const handlers: IConstruct[] = stack.node.children.filter((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  for (const handler of handlers) {
    for (const [id, reason] of Object.entries(bucketDeploymentFunctionReasons)) {
      Validations.of(handler).acknowledge({ id, reason });
    }
  }

  const role = deployment.handlerRole;
  const qualifier =
    (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ??
    DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  // CDK's own `${Qualifier}` placeholder, substituted the way CDK does.
  const assetsBucket = DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
    /\$\{Qualifier\}/,
    qualifier,
  );
  const actions: Record<string, string> = {
    's3:GetBucket*': 'reads the staged web app from the CDK assets bucket (grantRead)',
    's3:GetObject*': 'reads the staged web app from the CDK assets bucket (grantRead)',
    's3:List*': 'lists the CDK assets bucket and the web bucket to sync them (grantRead)',
    's3:Abort*': 'writes the web bucket (grantReadWrite): aborts its own failed multipart uploads',
    's3:DeleteObject*': 'prunes files of the previous build from the web bucket (grantReadWrite)',
  };
  for (const [action, why] of Object.entries(actions)) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `CDK's BucketDeployment handler ${why}; the statement names its buckets.`,
    });
  }
  acknowledgeWildcardResource(
    role,
    `arn:${Aws.PARTITION}:s3:::${assetsBucket}/*`,
    "CDK's BucketDeployment handler reads the staged web app: an object of the CDK assets bucket.",
  );
  acknowledgeWildcardResource(
    role,
    `${webBucket.bucketArn}/*`,
    "CDK's BucketDeployment handler writes the web app's files: objects of the web bucket only.",
  );
  acknowledgeWildcardResource(
    role,
    '*',
    "CDK's BucketDeployment handler creates and reads CloudFront invalidations after each deployment; " +
      'CDK grants cloudfront:CreateInvalidation and GetInvalidation on "*", nothing else.',
  );
}

const bucketDeploymentFunctionReasons: Record<string, string> = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
    "CDK's BucketDeployment handler role, created by aws-cdk-lib; the handler runs only during deployments.",
  'AwsSolutions-L1':
    "CDK's BucketDeployment handler runtime (Python) is chosen and kept current by aws-cdk-lib.",
  'Serverless-LambdaDLQ':
    'Invoked synchronously by CloudFormation during deployments only: nothing to dead-letter.',
  'Serverless-LambdaLatestVersion': "CDK's BucketDeployment handler runtime is chosen by aws-cdk-lib.",
  'Serverless-LambdaTracing':
    "CDK's BucketDeployment handler runs only during deployments; tracing adds nothing.",
};
