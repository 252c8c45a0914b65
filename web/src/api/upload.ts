/**
 * Sending an image straight to the media bucket: `POST /api/uploads` for a presigned POST, then the
 * form (every field in order, then `file`) by XMLHttpRequest, which reports progress and can abort.
 */
import type { Api } from './http.ts';
import { ApiError } from './http.ts';

export const imageTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

export interface UploadHandle {
  /** Resolves the upload id once the bucket has the file. */
  readonly done: Promise<string>;
  abort(): void;
}

export function uploadImage(api: Api, file: File, onProgress: (fraction: number) => void): UploadHandle {
  let xhr: XMLHttpRequest | undefined;
  let aborted = false;
  const done = (async () => {
    const ticket = await api.createUpload({ contentType: file.type, size: file.size });
    if (aborted) throw new ApiError(0, 'aborted', 'aborted');
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.upload.fields)) form.append(name, value);
    form.append('file', file);
    await new Promise<void>((resolve, reject) => {
      const request = new XMLHttpRequest();
      xhr = request;
      request.open('POST', ticket.upload.url);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      request.onload = () => {
        if (request.status >= 200 && request.status < 300) resolve();
        else
          reject(new ApiError(request.status, request.status === 400 ? 'too_large' : 'internal', 'upload'));
      };
      request.onerror = () => reject(new ApiError(0, 'network', 'upload'));
      request.onabort = () => reject(new ApiError(0, 'aborted', 'aborted'));
      request.send(form);
    });
    onProgress(1);
    return ticket.uploadId;
  })();
  return {
    done,
    abort() {
      aborted = true;
      xhr?.abort();
    },
  };
}

/** An image's natural size, read before sending so the preview and the message keep their shape. */
export function imageSize(url: string): Promise<{ width: number; height: number }> {
  return new Promise((resolve) => {
    const image = new Image();
    image.onload = () => resolve({ width: image.naturalWidth, height: image.naturalHeight });
    image.onerror = () => resolve({ width: 0, height: 0 });
    image.src = url;
  });
}
