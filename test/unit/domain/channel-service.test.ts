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
});
