import { createHash, timingSafeEqual } from 'node:crypto';

// `hrb_` + the key id's 32 hex digits + `_` + 32 random bytes in base64url (43 characters, which may
// themselves contain `_`: the fixed lengths, not the separators, delimit the parts).
const apiKeyFormat = /^hrb_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/;

/** Bytes of randomness in a key: 256 bits, beyond any guessing. */
export const apiKeySecretBytes = 32;

/** The key handed to its owner once: it carries its own id, so authenticating needs no search. */
export function formatApiKey(id: string, secret: Uint8Array): string {
  if (secret.length !== apiKeySecretBytes)
    throw new Error(`An API key secret has ${apiKeySecretBytes} bytes`);
  return `hrb_${id.replaceAll('-', '')}_${Buffer.from(secret).toString('base64url')}`;
}

/** The id (a UUID) of a well-formed key; `undefined` for anything else. */
export function apiKeyId(key: string): string | undefined {
  const hex = apiKeyFormat.exec(key)?.[1];
  if (!hex) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * What is stored instead of the key. Keys carry 256 random bits, so a fast hash is enough: a slow
 * password hash protects low-entropy secrets, and would only slow every bot request down.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether `key` hashes to `keyHash`, compared in constant time. */
export function apiKeyMatches(key: string, keyHash: string): boolean {
  const expected = Buffer.from(keyHash, 'hex');
  const actual = Buffer.from(hashApiKey(key), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
