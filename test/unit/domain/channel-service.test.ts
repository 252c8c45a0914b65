import { describe, expect, it } from 'vitest';
import { makeChannelService } from '#domain/channels/channel-service';
import { DomainError } from '#shared/errors';
import { admin, bot, countingQuota, memoryChannels, person } from '../support/fakes.ts';

function setup(users = ['alice', 'bob', 'carol']) {
  const channels = memoryChannels(users);
  const revoked: string[] = [];
  const quota = countingQuota();
  const service = makeChannelService({
    channels: channels.store,
    subscriptions: {
      revokeChannel: async (channelId) => void revoked.push(`${channelId}:*`),
      revokeUser: async (channelId, userId) => void revoked.push(`${channelId}:${userId}`),
    },
    chargeQuota: quota.charge,
  });
  return { service, channels, revoked, quota };
}

/** A channel `owner` creates with `name` and `visibility`, and no description. */
const channel = (
  service: ReturnType<typeof setup>['service'],
  owner: string,
  name: string,
  visibility: 'public' | 'private',
) => service.create(person(owner), { name, description: '', visibility });

const kind = (error: unknown) => (error instanceof DomainError ? error.kind : error);

describe('channels', () => {
  it('lists public channels to everyone and private ones to members and admins', async () => {
    const { service } = setup();
    await channel(service, 'alice', 'b-public', 'public');
    await channel(service, 'alice', 'A-secret', 'private');

    expect((await service.list(undefined)).map((c) => c.name)).toEqual(['b-public']);
    expect((await service.list(person('bob'))).map((c) => c.name)).toEqual(['b-public']);
    expect((await service.list(person('alice'))).map((c) => c.name)).toEqual(['A-secret', 'b-public']);
    expect((await service.list(admin('root'))).map((c) => c.name)).toEqual(['A-secret', 'b-public']);
  });

  it('charges channel creation to the creator and refuses bots', async () => {
    const { service, quota } = setup();

    await channel(service, 'alice', 'x', 'public');
    const refused = await service
      .create(bot('k1', 'alice'), { name: 'y', description: '', visibility: 'public' })
      .catch(kind);

    expect(quota.charges).toEqual(['channel-create#alice']);
    expect(refused).toBe('forbidden');
  });

  it('hides a private channel from a non-member as if it did not exist', async () => {
    const { service } = setup();
    const secret = await channel(service, 'alice', 's', 'private');

    expect(await service.get(secret.id, person('bob')).catch(kind)).toBe('not-found');
    expect(await service.get(secret.id, undefined).catch(kind)).toBe('not-found');
    expect(await service.members(secret.id, person('bob')).catch(kind)).toBe('not-found');
    expect(await service.join(secret.id, person('bob')).catch(kind)).toBe('not-found');
    expect((await service.get(secret.id, admin('root'))).name).toBe('s');
  });

  it('answers not-found for an id that is not a UUID', async () => {
    const { service } = setup();

    expect(await service.get('general', person('alice')).catch(kind)).toBe('not-found');
  });

  it('lets a bot see what its owner sees', async () => {
    const { service } = setup();
    const secret = await channel(service, 'alice', 's', 'private');

    expect((await service.get(secret.id, bot('k1', 'alice'))).id).toBe(secret.id);
    expect(await service.get(secret.id, bot('k2', 'bob')).catch(kind)).toBe('not-found');
  });

  it('lets people join and leave public channels', async () => {
    const { service } = setup();
    const open = await channel(service, 'alice', 'o', 'public');

    await service.join(open.id, person('bob'));
    expect((await service.members(open.id, undefined)).map((m) => m.userId)).toEqual(['alice', 'bob']);
    await service.leave(open.id, person('bob'));
    expect((await service.members(open.id, undefined)).map((m) => m.userId)).toEqual(['alice']);
    expect(await service.leave(open.id, person('bob')).catch(kind)).toBe('not-found');
  });

  it('lets only the owner or an admin manage members of a private channel', async () => {
    const { service } = setup();
    const secret = await channel(service, 'alice', 's', 'private');

    await service.addMember(secret.id, 'bob', person('alice'));
    expect(await service.addMember(secret.id, 'carol', person('bob')).catch(kind)).toBe('forbidden');
    await service.addMember(secret.id, 'carol', admin('root'));
    expect(await service.addMember(secret.id, 'nobody', person('alice')).catch(kind)).toBe('not-found');
    expect((await service.members(secret.id, person('bob'))).map((m) => m.userId)).toEqual([
      'alice',
      'bob',
      'carol',
    ]);
  });

  it('revokes the live subscriptions of a member removed from a private channel', async () => {
    const { service, revoked } = setup();
    const secret = await channel(service, 'alice', 's', 'private');
    await service.addMember(secret.id, 'bob', person('alice'));

    await service.removeMember(secret.id, 'bob', person('alice'));

    expect(revoked).toEqual([`${secret.id}:bob`]);
    expect(await service.get(secret.id, person('bob')).catch(kind)).toBe('not-found');
  });

  it('lets a member remove themselves but not others', async () => {
    const { service } = setup();
    const secret = await channel(service, 'alice', 's', 'private');
    await service.addMember(secret.id, 'bob', person('alice'));
    await service.addMember(secret.id, 'carol', person('alice'));

    expect(await service.removeMember(secret.id, 'carol', person('bob')).catch(kind)).toBe('forbidden');
    await service.removeMember(secret.id, 'bob', person('bob'));
    expect((await service.members(secret.id, person('alice'))).map((m) => m.userId)).toEqual([
      'alice',
      'carol',
    ]);
  });

  it('deletes a channel for its owner or an admin only, revoking every subscription under its stored id', async () => {
    const { service, revoked } = setup();
    const open = await channel(service, 'alice', 'o', 'public');

    expect(await service.remove(open.id, person('bob')).catch(kind)).toBe('forbidden');
    await service.remove(open.id.toUpperCase(), admin('root'));

    expect(revoked).toEqual([`${open.id}:*`]);
    expect(await service.get(open.id, person('alice')).catch(kind)).toBe('not-found');
  });

  it.each([
    ['STRASSE', 'straße'],
    ['ΣΊΣΥΦΟΣ', 'Σίσυφος'],
    ['ｇｅｎｅｒａｌ', 'General'],
  ])('refuses %s next to %s, naming the existing channel', async (first, second) => {
    const { service } = setup();
    await channel(service, 'alice', first, 'public');

    const refused = await channel(service, 'bob', second, 'public').catch((e: unknown) => e);

    expect(refused).toMatchObject({
      kind: 'conflict',
      message: `A channel named "${first}" already exists.`,
    });
    expect((await service.list(admin('root'))).map((c) => c.name)).toEqual([first]);
  });

  it('refuses to let the owner leave or be removed, by anyone', async () => {
    const { service } = setup();
    const open = await channel(service, 'alice', 'o', 'private');

    const refusals = await Promise.all([
      service.leave(open.id, person('alice')).catch((e: unknown) => e),
      service.removeMember(open.id, 'alice', person('alice')).catch((e: unknown) => e),
      service.removeMember(open.id, 'alice', admin('root')).catch((e: unknown) => e),
    ]);

    for (const refused of refusals) {
      expect(refused).toMatchObject({
        kind: 'conflict',
        message: expect.stringMatching(/hand the channel over/),
      });
    }
    expect(await service.members(open.id, person('alice'))).toMatchObject([
      { userId: 'alice', role: 'owner' },
    ]);
  });

  it('hands a channel over to a member, after which the previous owner may leave', async () => {
    const { service } = setup();
    const open = await channel(service, 'alice', 'o', 'private');
    await service.addMember(open.id, 'bob', person('alice'));

    const owner = await service.transferOwnership(open.id, 'bob', person('alice'));
    await service.leave(open.id, person('alice'));

    expect(owner).toMatchObject({ userId: 'bob', role: 'owner' });
    expect(await service.members(open.id, person('bob'))).toMatchObject([{ userId: 'bob', role: 'owner' }]);
  });

  it('lets an admin hand over a channel and refuses everyone else but its owner', async () => {
    const { service } = setup();
    const open = await channel(service, 'alice', 'o', 'public');
    await service.join(open.id, person('bob'));
    await service.join(open.id, person('carol'));

    expect(await service.transferOwnership(open.id, 'carol', person('bob')).catch(kind)).toBe('forbidden');
    expect(await service.transferOwnership(open.id, 'carol', bot('k1', 'alice')).catch(kind)).toBe(
      'forbidden',
    );
    await service.transferOwnership(open.id, 'carol', admin('root'));

    expect((await service.members(open.id, undefined)).map((m) => [m.userId, m.role])).toEqual([
      ['alice', 'member'],
      ['bob', 'member'],
      ['carol', 'owner'],
    ]);
  });

  it('refuses to hand a channel to someone who is not a member', async () => {
    const { service } = setup();
    const open = await channel(service, 'alice', 'o', 'public');

    const refused = await service
      .transferOwnership(open.id, 'carol', person('alice'))
      .catch((e: unknown) => e);

    expect(refused).toMatchObject({
      kind: 'invalid',
      details: { userId: 'must be a member of the channel' },
    });
  });

  it('hides a private channel being handed over from a non-member', async () => {
    const { service } = setup();
    const secret = await channel(service, 'alice', 's', 'private');

    expect(await service.transferOwnership(secret.id, 'bob', person('bob')).catch(kind)).toBe('not-found');
  });
});
