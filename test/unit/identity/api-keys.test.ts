import { describe, expect, it } from 'vitest';
import { apiKeyId, apiKeyMatches } from '#domain/api-keys/api-key-secret';
import { apiKeyInput, makeCreateApiKey } from '#domain/api-keys/create-api-key';
import { makeListApiKeys } from '#domain/api-keys/list-api-keys';
import { makeRevokeApiKey } from '#domain/api-keys/revoke-api-key';
import type { Caller } from '#domain/identity/caller';
import { validate } from '#shared/validation';
import { fakeClock, memoryApiKeys } from './support/fakes.ts';

const alice: Caller = {
  userId: 'alice-sub',
  userName: 'alice',
  kind: 'person',
  accessUserId: 'alice-sub',
  isAdmin: false,
};
const bob: Caller = { ...alice, userId: 'bob-sub', userName: 'bob', accessUserId: 'bob-sub' };
const aliceBot: Caller = {
  userId: '11111111-1111-4111-8111-111111111111',
  userName: 'builds',
  kind: 'bot',
  accessUserId: 'alice-sub',
  isAdmin: false,
  apiKeyId: '11111111-1111-4111-8111-111111111111',
};

function setup() {
  const clock = fakeClock();
  const memory = memoryApiKeys(clock);
  let ids = 0;
  const createApiKey = makeCreateApiKey({
    apiKeys: memory.store,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    randomSecret: () => new Uint8Array(32).fill(ids),
  });
  return {
    clock,
    memory,
    createApiKey,
    listApiKeys: makeListApiKeys({ apiKeys: memory.store }),
    revokeApiKey: makeRevokeApiKey({ apiKeys: memory.store }),
  };
}

describe('creating an API key', () => {
  it('returns the key once and keeps only its hash', async () => {
    const { createApiKey, memory, clock } = setup();

    const created = await createApiKey(alice, { name: 'builds' });

    expect(created).toEqual({
      id: '00000000-0000-4000-8000-000000000001',
      name: 'builds',
      key: expect.stringMatching(/^hrb_00000000000040008000000000000001_[A-Za-z0-9_-]{43}$/),
      createdAt: clock.now(),
    });
    const stored = memory.keys.get(created.id);
    expect(stored?.ownerId).toBe('alice-sub');
    expect(stored?.keyHash).not.toContain(created.key);
    expect(apiKeyMatches(created.key, stored?.keyHash ?? '')).toBe(true);
    expect(apiKeyId(created.key)).toBe(created.id);
  });

  it('makes the key its own bot, named after the key', async () => {
    const { createApiKey, memory } = setup();

    const created = await createApiKey(alice, { name: 'deploy bot' });

    expect(memory.bots.get(created.id)).toBe('deploy bot');
  });

  it('gives every key a fresh secret', async () => {
    const { createApiKey } = setup();

    const first = await createApiKey(alice, { name: 'a' });
    const second = await createApiKey(alice, { name: 'a' });

    expect(first.key).not.toBe(second.key);
  });

  it('refuses a bot', async () => {
    const { createApiKey, memory } = setup();

    await expect(createApiKey(aliceBot, { name: 'child' })).rejects.toMatchObject({ kind: 'forbidden' });
    expect(memory.keys.size).toBe(0);
  });

  it('trims the name and accepts 80 characters, counted in code points', () => {
    expect(validate(apiKeyInput, { name: '  ci  ' })).toEqual({ name: 'ci' });
    expect(validate(apiKeyInput, { name: '🤖'.repeat(80) }).name).toHaveLength(160);
  });

  it.each([
    ['a missing name', {}],
    ['a name that is not a string', { name: 42 }],
    ['a blank name', { name: '   ' }],
    ['81 characters', { name: 'x'.repeat(81) }],
  ])('refuses %s, naming the field', (_, body) => {
    expect(() => validate(apiKeyInput, body)).toThrow(
      expect.objectContaining({ kind: 'invalid', details: { name: expect.any(String) } }),
    );
  });
});

describe('listing API keys', () => {
  it("lists the caller's keys newest first, without secrets", async () => {
    const { createApiKey, listApiKeys, clock } = setup();
    await createApiKey(alice, { name: 'older' });
    clock.advance(1_000);
    await createApiKey(alice, { name: 'newer' });
    await createApiKey(bob, { name: "bob's" });

    const keys = await listApiKeys(alice);

    expect(keys.map((key) => key.name)).toEqual(['newer', 'older']);
    expect(keys[0]).not.toHaveProperty('keyHash');
    expect(keys[0]).toMatchObject({ lastUsedAt: null });
  });

  it('refuses a bot', async () => {
    await expect(setup().listApiKeys(aliceBot)).rejects.toMatchObject({ kind: 'forbidden' });
  });
});

describe('revoking an API key', () => {
  it("deletes the caller's key", async () => {
    const { createApiKey, revokeApiKey, memory } = setup();
    const created = await createApiKey(alice, { name: 'ci' });

    await revokeApiKey(alice, created.id);

    expect(memory.keys.has(created.id)).toBe(false);
  });

  it("answers not found for another person's key, and keeps it", async () => {
    const { createApiKey, revokeApiKey, memory } = setup();
    const created = await createApiKey(bob, { name: 'ci' });

    await expect(revokeApiKey(alice, created.id)).rejects.toMatchObject({ kind: 'not-found' });
    expect(memory.keys.has(created.id)).toBe(true);
  });

  it.each(['00000000-0000-4000-8000-000000000099', 'not-a-uuid', ''])(
    'answers not found for %j',
    async (id) => {
      await expect(setup().revokeApiKey(alice, id)).rejects.toMatchObject({ kind: 'not-found' });
    },
  );

  it('accepts the id in upper case', async () => {
    const { createApiKey, revokeApiKey, memory } = setup();
    const created = await createApiKey(alice, { name: 'ci' });

    await revokeApiKey(alice, created.id.toUpperCase());

    expect(memory.keys.size).toBe(0);
  });

  it('refuses a bot, even for its own key', async () => {
    await expect(setup().revokeApiKey(aliceBot, aliceBot.userId)).rejects.toMatchObject({
      kind: 'forbidden',
    });
  });
});
