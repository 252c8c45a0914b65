import { describe, expect, it } from 'vitest';
import { makeCreateApiKey } from '#domain/api-keys/create-api-key';
import { makeAuthenticate } from '#domain/identity/authenticate';
import type { Caller, TokenIdentity } from '#domain/identity/caller';
import { makeIdentifyPerson } from '#domain/identity/identify-person';
import { makeGcraRateLimiter } from '#domain/quotas/gcra';
import { fakeClock, fakeTokens, memoryApiKeys, memoryRateStates, memoryUsers } from './support/fakes.ts';

const expiresAt = new Date('2026-01-01T13:00:00.000Z');
const identities: Record<string, TokenIdentity> = {
  'alice-token': { sub: 'alice-sub', username: 'alice', groups: ['admin', 'staff'], expiresAt },
  'bob-token': { sub: 'bob-sub', username: 'bob', groups: [], expiresAt },
};
const alice: Caller = {
  userId: 'alice-sub',
  userName: 'alice',
  kind: 'person',
  accessUserId: 'alice-sub',
  isAdmin: true,
  expiresAt,
};

function setup() {
  const clock = fakeClock();
  const users = memoryUsers();
  const apiKeys = memoryApiKeys(clock);
  const rates = memoryRateStates();
  const authenticate = makeAuthenticate({
    tokens: fakeTokens(identities),
    users: users.store,
    apiKeys: apiKeys.store,
    rateLimiter: makeGcraRateLimiter({ state: rates.store, now: clock.now }),
    now: clock.now,
  });
  const createApiKey = makeCreateApiKey({ apiKeys: apiKeys.store });
  return { clock, users, apiKeys, rates, authenticate, createApiKey };
}

describe('identifying a person from a token', () => {
  it('records the person and reads admin from the admin group', async () => {
    const users = memoryUsers();
    const identifyPerson = makeIdentifyPerson({ tokens: fakeTokens(identities), users: users.store });

    expect(await identifyPerson('alice-token')).toEqual(alice);
    expect(await identifyPerson('bob-token')).toMatchObject({ userId: 'bob-sub', isAdmin: false });
    expect(users.writes).toEqual([
      { id: 'alice-sub', username: 'alice', isAdmin: true },
      { id: 'bob-sub', username: 'bob', isAdmin: false },
    ]);
  });

  it('records nobody for a bad token', async () => {
    const users = memoryUsers();
    const identifyPerson = makeIdentifyPerson({ tokens: fakeTokens(identities), users: users.store });

    await expect(identifyPerson('forged')).rejects.toMatchObject({ kind: 'unauthorized' });
    expect(users.writes).toEqual([]);
  });
});

describe('authenticating an HTTP request', () => {
  it('treats a request without credentials as anonymous', async () => {
    expect(await setup().authenticate({ accept: 'application/json' })).toBeUndefined();
  });

  it('authenticates a person by bearer token', async () => {
    const { authenticate, users } = setup();

    expect(await authenticate({ authorization: 'Bearer alice-token' })).toEqual(alice);
    expect(users.rows.get('alice-sub')).toEqual({ username: 'alice', isAdmin: true });
  });

  it('reads the scheme case-insensitively and the header whatever its case', async () => {
    expect(await setup().authenticate({ Authorization: 'bearer bob-token' })).toMatchObject({
      userId: 'bob-sub',
    });
  });

  it.each([
    ['an invalid token', 'Bearer forged'],
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['a bare token', 'alice-token'],
    ['an empty header', ''],
    ['a scheme without a token', 'Bearer '],
  ])('refuses %s as unauthorized', async (_, authorization) => {
    await expect(setup().authenticate({ authorization })).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('refuses both a token and an API key at once', async () => {
    const { authenticate, createApiKey } = setup();
    const { key } = await createApiKey(alice, { name: 'ci' });

    await expect(
      authenticate({ authorization: 'Bearer alice-token', 'x-api-key': key }),
    ).rejects.toMatchObject({
      kind: 'invalid',
    });
  });

  it("authenticates a bot as its key, acting with its owner's rights", async () => {
    const { authenticate, createApiKey, apiKeys } = setup();
    const { id, key } = await createApiKey(alice, { name: 'ci bot' });
    apiKeys.admins.add('alice-sub');

    expect(await authenticate({ 'x-api-key': key })).toEqual({
      userId: id,
      userName: 'ci bot',
      kind: 'bot',
      accessUserId: 'alice-sub',
      isAdmin: true,
      apiKeyId: id,
    });
  });

  it("follows the owner's admin status as it is now", async () => {
    const { authenticate, createApiKey } = setup();
    const { key } = await createApiKey(alice, { name: 'ci bot' });

    expect(await authenticate({ 'x-api-key': key })).toMatchObject({ isAdmin: false });
  });

  it.each([
    ['a malformed key', () => 'hrb_nope'],
    ['a key with a wrong secret', (key: string) => `${key.slice(0, -2)}${key.endsWith('AA') ? 'BB' : 'AA'}`],
    ['an unknown key', () => `hrb_${'0'.repeat(32)}_${'A'.repeat(43)}`],
  ])('refuses %s as unauthorized', async (_, make) => {
    const { authenticate, createApiKey } = setup();
    const { key } = await createApiKey(alice, { name: 'ci' });

    await expect(authenticate({ 'x-api-key': make(key) })).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('refuses a revoked key at once', async () => {
    const { authenticate, createApiKey, apiKeys } = setup();
    const { id, key } = await createApiKey(alice, { name: 'ci' });
    await authenticate({ 'x-api-key': key });

    await apiKeys.store.revoke('alice-sub', id);

    await expect(authenticate({ 'x-api-key': key })).rejects.toMatchObject({ kind: 'unauthorized' });
  });

  it('limits a key to 100 requests a minute', async () => {
    const { authenticate, createApiKey, clock } = setup();
    const { key } = await createApiKey(alice, { name: 'ci' });
    for (let i = 0; i < 100; i++) await authenticate({ 'x-api-key': key });

    await expect(authenticate({ 'x-api-key': key })).rejects.toMatchObject({
      kind: 'rate-limited',
      retryAfterSeconds: 1,
    });
    clock.advance(30_000);
    for (let i = 0; i < 50; i++) await authenticate({ 'x-api-key': key });
    await expect(authenticate({ 'x-api-key': key })).rejects.toMatchObject({ kind: 'rate-limited' });
  });

  it('does not charge a key for requests with a wrong secret', async () => {
    const { authenticate, createApiKey, rates } = setup();
    const { id, key } = await createApiKey(alice, { name: 'ci' });
    const wrong = `${key.slice(0, -2)}${key.endsWith('AA') ? 'BB' : 'AA'}`;

    await expect(authenticate({ 'x-api-key': wrong })).rejects.toMatchObject({ kind: 'unauthorized' });

    expect(rates.items.has(`apikey#${id}`)).toBe(false);
  });

  it('records when a key was last used, at most once a minute', async () => {
    const { authenticate, createApiKey, apiKeys, clock } = setup();
    const { id, key } = await createApiKey(alice, { name: 'ci' });
    const first = clock.now();

    await authenticate({ 'x-api-key': key });
    clock.advance(59_000);
    await authenticate({ 'x-api-key': key });
    clock.advance(2_000);
    await authenticate({ 'x-api-key': key });

    expect(apiKeys.uses).toEqual([
      { id, at: first },
      { id, at: new Date(first.getTime() + 61_000) },
    ]);
  });
});
