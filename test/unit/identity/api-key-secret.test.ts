import { describe, expect, it } from 'vitest';
import { apiKeyId, apiKeyMatches, formatApiKey, hashApiKey } from '#domain/api-keys/api-key-secret';

const id = '0f8e7d6c-5b4a-4392-8170-a1b2c3d4e5f6';
const secret = new Uint8Array(32).fill(0xfb); // base64url of 0xfb bytes is full of `-` and `_`

describe('API key secrets', () => {
  it('formats a key as hrb_, the id without dashes, and 32 bytes in base64url', () => {
    const key = formatApiKey(id, secret);

    expect(key).toMatch(/^hrb_0f8e7d6c5b4a43928170a1b2c3d4e5f6_[A-Za-z0-9_-]{43}$/);
  });

  it('reads the id back, even when the secret contains underscores', () => {
    const key = formatApiKey(id, secret);

    expect(key.split('_').length).toBeGreaterThan(3);
    expect(apiKeyId(key)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['another prefix', `xyz_0f8e7d6c5b4a43928170a1b2c3d4e5f6_${'A'.repeat(43)}`],
    ['a short secret', `hrb_0f8e7d6c5b4a43928170a1b2c3d4e5f6_${'A'.repeat(42)}`],
    ['an id that is not hex', `hrb_0f8e7d6c5b4a43928170a1b2c3d4e5fz_${'A'.repeat(43)}`],
    ['upper-case hex', `hrb_0F8E7D6C5B4A43928170A1B2C3D4E5F6_${'A'.repeat(43)}`],
    ['trailing text', `hrb_0f8e7d6c5b4a43928170a1b2c3d4e5f6_${'A'.repeat(43)}x`],
  ])('finds no id in %s', (_, key) => {
    expect(apiKeyId(key)).toBeUndefined();
  });

  it('refuses secrets of the wrong size', () => {
    expect(() => formatApiKey(id, new Uint8Array(16))).toThrow(/32 bytes/);
  });

  it('stores a SHA-256 that matches the key and nothing else', () => {
    const key = formatApiKey(id, secret);
    const hash = hashApiKey(key);

    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(key.slice(-43));
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(`${key.slice(0, -1)}A`, hash)).toBe(false);
    expect(apiKeyMatches(key, 'abcd')).toBe(false);
  });
});
