import type { Caller } from '#domain/identity/caller';
import { DomainError } from '#shared/errors';
import { uploadStateTag } from '#shared/media';
import { uploadKey } from './create-upload.ts';
import { imageDimensions, imageHeadBytes } from './image-types.ts';
import type { ImageBucket, UploadStore } from './ports.ts';

/** An image as a stored message carries it. */
export interface Attachment {
  uploadId: string;
  /** Its path on the app's origin, `/images/<uploadId>.<ext>`. */
  url: string;
  contentType: string;
  /** Bytes, as stored. */
  size: number;
  width: number;
  height: number;
  /** Text describing the image, for those who cannot see it. */
  alt?: string;
}

/** An attachment as a client sends it; its shape is already validated. */
export interface AttachmentRequest {
  uploadId: string;
  alt?: string;
}

/** The ports and settings of {@link makeAttachImages}. */
export interface AttachImagesDeps {
  uploads: UploadStore;
  bucket: ImageBucket;
  /** The largest upload the stack allows, in bytes. */
  maxUploadBytes: number;
}

/**
 * Turns a message's requested attachments into stored ones, or refuses them all. Each must be an upload
 * of the caller's that no message has taken yet, whose object exists within the size limit and whose
 * first bytes are really an image of the declared type (its width and height are read from them). Only
 * when all pass are the objects tagged `attached`, before the message is stored: a crash in between can
 * at worst leave an attached image no message shows, never expire one a stored message shows.
 */
export function makeAttachImages({ uploads, bucket, maxUploadBytes }: AttachImagesDeps) {
  return async (caller: Caller, requested: readonly AttachmentRequest[]): Promise<Attachment[]> => {
    if (requested.length === 0) return [];
    const ids = requested.map((attachment) => attachment.uploadId.toLowerCase());
    const records = new Map((await uploads.find(ids)).map((upload) => [upload.id, upload]));
    const details: Record<string, string> = {};
    const refuse = (index: number, problem: string) => {
      details[`attachments.${index}.uploadId`] = problem;
    };

    const checked = await Promise.all(
      requested.map(async (attachment, index) => {
        const id = ids[index] as string;
        const upload = records.get(id);
        if (ids.indexOf(id) !== index) return refuse(index, 'is attached twice');
        // Someone else's upload and no upload at all are told apart from nobody.
        if (!upload || upload.ownerId !== caller.userId) return refuse(index, 'is not an upload of yours');
        if (upload.messageId !== null) return refuse(index, 'is already attached to a message');
        const { key, path } = uploadKey(upload.id, upload.contentType);
        const object = await bucket.readHead(key, imageHeadBytes);
        if (!object) return refuse(index, 'has not been uploaded (or has expired)');
        if (object.size > maxUploadBytes) return refuse(index, `is over ${maxUploadBytes} bytes`);
        const dimensions = imageDimensions(upload.contentType, object.head);
        if (!dimensions) return refuse(index, `is not an image of type ${upload.contentType}`);
        const stored: Attachment = {
          uploadId: upload.id,
          url: path,
          contentType: upload.contentType,
          size: object.size,
          ...dimensions,
          ...(attachment.alt !== undefined && { alt: attachment.alt }),
        };
        return { key, stored };
      }),
    );
    if (Object.keys(details).length > 0) {
      throw new DomainError('invalid', 'The request is invalid.', { details });
    }
    const accepted = checked.filter((item) => item !== undefined);
    await Promise.all(
      accepted.map(({ key }) => bucket.tag(key, { [uploadStateTag.key]: uploadStateTag.attached })),
    );
    return accepted.map(({ stored }) => stored);
  };
}
