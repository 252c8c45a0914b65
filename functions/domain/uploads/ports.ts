import type { ImageType } from './image-types.ts';

/** The record of one presigned upload. */
export interface Upload {
  id: string;
  ownerId: string;
  contentType: ImageType;
  /** The size the uploader declared, which the presigned POST allows at most. */
  declaredSize: number;
  createdAt: Date;
  /** When the presigned POST stops being accepted. */
  expiresAt: Date;
  /** The message that took the upload; null while none has. */
  messageId: string | null;
}

/** Where upload records live. */
export interface UploadStore {
  create(upload: Omit<Upload, 'messageId'>): Promise<void>;
  /** The records of these ids that exist, in any order. */
  find(ids: readonly string[]): Promise<Upload[]>;
}

/** A presigned POST: the browser sends every field, then the `file` field, to `url`. */
export interface PresignedUpload {
  url: string;
  fields: Record<string, string>;
}

/** What a presigned POST's policy requires of the upload. */
export interface UploadPolicy {
  key: string;
  contentType: ImageType;
  /** The most bytes the file may have. */
  maxBytes: number;
  cacheControl: string;
  /** Object tags the upload is stored with. */
  tags: Record<string, string>;
  expiresInSeconds: number;
}

/** The bucket that holds uploaded images. */
export interface ImageBucket {
  presignUpload(policy: UploadPolicy): Promise<PresignedUpload>;
  /** An object's size and its first `bytes` bytes (fewer if it is smaller); undefined when it does not exist. */
  readHead(key: string, bytes: number): Promise<{ size: number; head: Uint8Array } | undefined>;
  /** Replaces an object's tags. */
  tag(key: string, tags: Record<string, string>): Promise<void>;
}
