import { randomBytes, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import type { Caller } from '#domain/identity/caller';
import { DomainError } from '#shared/errors';
import { displayName } from '#shared/validation';
import { apiKeySecretBytes, formatApiKey, hashApiKey } from './api-key-secret.ts';
import type { ApiKeyStore } from './ports.ts';

/** Where keys are stored; the id and secret generators are replaceable for tests. */
export interface CreateApiKeyDeps {
  apiKeys: ApiKeyStore;
  newId?: () => string;
  randomSecret?: () => Uint8Array;
}

/** A new key as its owner sees it the one time the secret is shown. */
export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
  createdAt: Date;
}

/** A new key's fields: its bot's name, 1–80 characters after trimming, held to the rules of names people see. */
export const apiKeyInput = z.object({ name: displayName({ max: 80 }) });

/** A validated `apiKeyInput`. */
export type ApiKeyInput = z.infer<typeof apiKeyInput>;

/** Mints an API key, and so a bot, for a person. Only the key's hash is kept. */
export function makeCreateApiKey({
  apiKeys,
  newId = randomUUID,
  randomSecret = () => randomBytes(apiKeySecretBytes),
}: CreateApiKeyDeps) {
  return async (caller: Caller, { name }: ApiKeyInput): Promise<CreatedApiKey> => {
    requirePerson(caller);
    const id = newId();
    const key = formatApiKey(id, randomSecret());
    const stored = await apiKeys.create({ id, ownerId: caller.userId, name, keyHash: hashApiKey(key) });
    return { id: stored.id, name: stored.name, key, createdAt: stored.createdAt };
  };
}

/** API keys belong to people: a bot cannot mint, list or revoke keys, not even its own. */
export function requirePerson(caller: Caller): void {
  if (caller.kind !== 'person')
    throw new DomainError('forbidden', 'Only a signed-in person can manage API keys.');
}
