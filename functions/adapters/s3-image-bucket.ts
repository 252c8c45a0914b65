import { GetObjectCommand, PutObjectTaggingCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { ImageBucket } from '#domain/uploads/ports';
import { once } from '#shared/once';

/** One S3 client per container; its endpoint comes from the environment (`AWS_ENDPOINT_URL_S3` locally). */
const defaultClient = once(() => new S3Client({}));

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The `<Tagging>` document S3's POST `tagging` field takes. */
export function taggingXml(tags: Record<string, string>): string {
  const tagSet = Object.entries(tags)
    .map(([key, value]) => `<Tag><Key>${escapeXml(key)}</Key><Value>${escapeXml(value)}</Value></Tag>`)
    .join('');
  return `<Tagging><TagSet>${tagSet}</TagSet></Tagging>`;
}

/** Whether S3 answered that the object is not there. */
function isMissing(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  // Without s3:ListBucket (which the functions are not given) S3 answers a missing key with 403, not 404.
  return (
    error.name === 'NoSuchKey' || error.name === 'AccessDenied' || error.$metadata.httpStatusCode === 404
  );
}

/**
 * The media bucket's images through S3. Presigned POSTs go to the URL the SDK resolves for the bucket,
 * with no local-mode branch: in AWS the bucket's regional virtual-hosted endpoint
 * (`https://<bucket>.s3.<region>.amazonaws.com/`, which the distribution's CSP allows in `connect-src`);
 * locally `AWS_ENDPOINT_URL_S3` is local S3's `http://127.0.0.1:<port>`, and for an IP-address endpoint
 * the SDK addresses the bucket path-style (`http://127.0.0.1:<port>/<bucket>`), which is how local S3
 * serves buckets, reachable from the browser and allowing the edge's origin by CORS.
 */
export function s3ImageBucket({ bucket, client }: { bucket: string; client?: S3Client }): ImageBucket {
  const s3 = () => client ?? defaultClient();
  return {
    async presignUpload(policy) {
      const { url, fields } = await createPresignedPost(s3(), {
        Bucket: bucket,
        Key: policy.key,
        // Every field below also becomes an exact-match condition of the policy.
        Fields: {
          'Content-Type': policy.contentType,
          'Cache-Control': policy.cacheControl,
          tagging: taggingXml(policy.tags),
        },
        Conditions: [['content-length-range', 1, policy.maxBytes]],
        Expires: policy.expiresInSeconds,
      });
      return { url, fields };
    },

    async readHead(key, bytes) {
      try {
        const object = await s3().send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` }),
        );
        const head = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
        // `bytes 0-99/100`: the object's whole size follows the slash.
        const total = /\/(\d+)$/.exec(object.ContentRange ?? '')?.[1];
        return { size: total === undefined ? head.length : Number(total), head };
      } catch (error) {
        if (isMissing(error)) return undefined;
        // An empty object has no byte 0 to read.
        if (error instanceof S3ServiceException && error.name === 'InvalidRange') {
          return { size: 0, head: new Uint8Array() };
        }
        throw error;
      }
    },

    async tag(key, tags) {
      await s3().send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: key,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
    },
  };
}
