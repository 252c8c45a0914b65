import { describe, expect, it } from 'vitest';
import { makeCreateUpload } from '#domain/uploads/create-upload';
import { DomainError } from '#shared/errors';
import { bot, countingQuota, memoryImageBucket, memoryUploads, person } from '../support/fakes.ts';

function setup(options: { refuseQuota?: boolean } = {}) {
  const uploads = memoryUploads();
  const media = memoryImageBucket();
  const quota = countingQuota();
  const now = new Date('2026-03-01T12:00:00.000Z');
  const createUpload = makeCreateUpload({
    uploads: uploads.store,
    bucket: media.bucket,
    chargeQuota: options.refuseQuota
      ? async () => {
          throw new DomainError('rate-limited', 'Too many uploads', { retryAfterSeconds: 60 });
        }
      : quota.charge,
    maxUploadBytes: 10 * 1024 * 1024,
    newId: () => '7d0b7a4e-5a8f-4f43-9a3e-0c1f2b3c4d5e',
    now: () => now,
  });
  return { createUpload, uploads, media, quota, now };
}

describe('starting an image upload', () => {
  it('presigns a POST for exactly the declared type and size, tagged pending, with long caching', async () => {
    const { createUpload, media } = setup();

    await createUpload(person('alice'), { contentType: 'image/png', size: 5000 });

    expect(media.presigned).toEqual([
      {
        key: 'images/7d0b7a4e-5a8f-4f43-9a3e-0c1f2b3c4d5e.png',
        contentType: 'image/png',
        maxBytes: 5000,
        cacheControl: 'public, max-age=31536000, immutable',
        tags: { upload: 'pending' },
        expiresInSeconds: 300,
      },
    ]);
  });

  it('answers the upload id, the image path, the POST and when it expires, and records the owner', async () => {
    const { createUpload, uploads, now } = setup();

    const created = await createUpload(bot('key-1', 'alice'), { contentType: 'image/webp', size: 10 });

    expect(created).toEqual({
      uploadId: '7d0b7a4e-5a8f-4f43-9a3e-0c1f2b3c4d5e',
      url: '/images/7d0b7a4e-5a8f-4f43-9a3e-0c1f2b3c4d5e.webp',
      upload: {
        url: 'https://media.example/',
        fields: { key: 'images/7d0b7a4e-5a8f-4f43-9a3e-0c1f2b3c4d5e.webp' },
      },
      expiresAt: new Date('2026-03-01T12:05:00.000Z'),
    });
    expect(uploads.uploads.get(created.uploadId)).toEqual({
      id: created.uploadId,
      ownerId: 'key-1',
      contentType: 'image/webp',
      declaredSize: 10,
      createdAt: now,
      expiresAt: created.expiresAt,
      messageId: null,
    });
  });

  it('charges the caller’s upload quota', async () => {
    const { createUpload, quota } = setup();

    await createUpload(person('alice'), { contentType: 'image/gif', size: 1 });

    expect(quota.charges).toEqual(['upload#alice']);
  });

  it('refuses a size over the stack’s limit as invalid, before charging anything', async () => {
    const { createUpload, quota, media } = setup();

    const error = await createUpload(person('alice'), {
      contentType: 'image/jpeg',
      size: 10 * 1024 * 1024 + 1,
    }).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'invalid', details: { size: 'must be at most 10485760 bytes' } });
    expect(quota.charges).toEqual([]);
    expect(media.presigned).toEqual([]);
  });

  it('records nothing when the quota refuses', async () => {
    const { createUpload, uploads } = setup({ refuseQuota: true });

    const error = await createUpload(person('alice'), { contentType: 'image/png', size: 1 }).catch(
      (e: unknown) => e,
    );

    expect(error).toMatchObject({ kind: 'rate-limited' });
    expect(uploads.uploads.size).toBe(0);
  });
});
