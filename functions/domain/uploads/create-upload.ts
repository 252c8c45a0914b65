import type { Caller } from '#domain/identity/caller';
import { type Quota, quotas } from '#domain/quotas/quotas';
import { DomainError } from '#shared/errors';
import { imagesPrefix, uploadStateTag } from '#shared/media';
import { type ImageType, imageTypes } from './image-types.ts';
import type { ImageBucket, PresignedUpload, UploadStore } from './ports.ts';

/** How long a presigned upload is accepted. */
export const uploadExpirySeconds = 300;

/**
 * Objects never change once uploaded (each upload has a fresh key), so browsers and CloudFront may keep
 * them for a year without asking again.
 */
export const imageCacheControl = 'public, max-age=31536000, immutable';

/** The object key and public path of an upload. */
export function uploadKey(id: string, contentType: ImageType): { key: string; path: string } {
  const name = `${id}.${imageTypes[contentType].extension}`;
  return { key: `${imagesPrefix}${name}`, path: `/${imagesPrefix}${name}` };
}

/** The ports and settings of {@link makeCreateUpload}. */
export interface CreateUploadDeps {
  uploads: UploadStore;
  bucket: ImageBucket;
  /** Charges one unit of a quota to an id, or throws `rate-limited`. */
  chargeQuota: (quota: Quota, id: string) => Promise<void>;
  /** The largest upload the stack allows, in bytes. */
  maxUploadBytes: number;
  newId: () => string;
  now?: () => Date;
}

/** What a client asks to upload; its shape is already validated. */
export interface UploadRequest {
  contentType: ImageType;
  size: number;
}

/** A presigned upload, and where the image will be served once uploaded. */
export interface CreatedUpload {
  uploadId: string;
  /** The image's path on the app's origin: `/images/<uploadId>.<ext>`. */
  url: string;
  upload: PresignedUpload;
  expiresAt: Date;
}

/**
 * Starts an image upload: checks the declared size against the stack's limit, charges the caller's
 * upload quota, presigns a POST whose policy allows exactly the declared type and at most the declared
 * size (tagging the object `pending`), and records who uploads what.
 */
export function makeCreateUpload({
  uploads,
  bucket,
  chargeQuota,
  maxUploadBytes,
  newId,
  now = () => new Date(),
}: CreateUploadDeps) {
  return async (caller: Caller, request: UploadRequest): Promise<CreatedUpload> => {
    if (request.size > maxUploadBytes) {
      throw new DomainError('invalid', 'The request is invalid.', {
        details: { size: `must be at most ${maxUploadBytes} bytes` },
      });
    }
    await chargeQuota(quotas.uploads, caller.userId);
    const id = newId();
    const { key, path } = uploadKey(id, request.contentType);
    const createdAt = now();
    const expiresAt = new Date(createdAt.getTime() + uploadExpirySeconds * 1000);
    const upload = await bucket.presignUpload({
      key,
      contentType: request.contentType,
      maxBytes: request.size,
      cacheControl: imageCacheControl,
      tags: { [uploadStateTag.key]: uploadStateTag.pending },
      expiresInSeconds: uploadExpirySeconds,
    });
    await uploads.create({
      id,
      ownerId: caller.userId,
      contentType: request.contentType,
      declaredSize: request.size,
      createdAt,
      expiresAt,
    });
    return { uploadId: id, url: path, upload, expiresAt };
  };
}
