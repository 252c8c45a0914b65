import { adminGroup, type Caller, type TokenVerifier, type UserStore } from './caller.ts';

/**
 * Establishes who a person is from their access token, and records them (first sight, or a new username
 * or admin status). Throws `unauthorized` for anything but a valid access token of our app client.
 */
export function makeIdentifyPerson({ tokens, users }: { tokens: TokenVerifier; users: UserStore }) {
  return async (token: string): Promise<Caller> => {
    const identity = await tokens.verify(token);
    const isAdmin = identity.groups.includes(adminGroup);
    await users.upsertPerson({ id: identity.sub, username: identity.username, isAdmin });
    return {
      userId: identity.sub,
      userName: identity.username,
      kind: 'person',
      accessUserId: identity.sub,
      isAdmin,
      expiresAt: identity.expiresAt,
    };
  };
}
