import { imageSize } from 'image-size';

/** The image types hiroba accepts, with the extension of their object key. SVG never: it can carry script. */
export const imageTypes = {
  'image/jpeg': { extension: 'jpg', sizeType: 'jpg' },
  'image/png': { extension: 'png', sizeType: 'png' },
  'image/gif': { extension: 'gif', sizeType: 'gif' },
  'image/webp': { extension: 'webp', sizeType: 'webp' },
} as const;

/** One of {@link imageTypes}' content types. */
export type ImageType = keyof typeof imageTypes;

/** The content types, for schemas and messages. */
export const imageTypeNames = Object.keys(imageTypes) as ImageType[];

/** How many leading bytes of an object are read to check its signature and find its dimensions. */
export const imageHeadBytes = 256 * 1024;

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** Whether `bytes` begin with the file signature ("magic bytes") of `type`. */
export function hasSignature(type: ImageType, bytes: Uint8Array): boolean {
  switch (type) {
    case 'image/png':
      return startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    case 'image/jpeg':
      return startsWith(bytes, [0xff, 0xd8, 0xff]);
    case 'image/gif':
      return startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'));
    case 'image/webp':
      return startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8);
  }
}

/**
 * The width and height in the header of an image of `type` whose first bytes are `head`, or undefined
 * when they are not such an image (wrong signature, or a header `image-size` cannot read).
 */
export function imageDimensions(
  type: ImageType,
  head: Uint8Array,
): { width: number; height: number } | undefined {
  if (!hasSignature(type, head)) return undefined;
  try {
    const size = imageSize(head);
    if (size.type !== imageTypes[type].sizeType) return undefined;
    if (!(size.width > 0 && size.height > 0)) return undefined;
    return { width: size.width, height: size.height };
  } catch {
    return undefined;
  }
}
