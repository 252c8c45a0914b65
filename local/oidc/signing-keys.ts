/**
 * The local issuer's token signing key, kept in the state directory so that tokens issued before an
 * `npm start` restart still verify after it. Deleting the state directory makes a new key, which
 * invalidates every earlier token, as rotating a Cognito user pool's keys would.
 */

import { generateKeyPair } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';

/** A JSON Web Key Set with private keys, as oidc-provider's `jwks` option takes it. */
export interface PrivateKeySet {
  keys: JWK[];
}

/**
 * Reads the key set in `file`, or creates one RS256 key (the algorithm Cognito signs with) and saves
 * it there, readable by the owner only.
 */
export async function loadSigningKeys(file: string): Promise<PrivateKeySet> {
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as PrivateKeySet;
    if (!Array.isArray(stored.keys) || stored.keys.length === 0) {
      throw new Error(`${file} holds no signing keys; delete it to make a new one`);
    }
    return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  // The kid is the RFC 7638 thumbprint, so it names the key by its content.
  const keySet: PrivateKeySet = {
    keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' }],
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(keySet, null, 2)}\n`, { mode: 0o600 });
  return keySet;
}
