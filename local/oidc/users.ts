/**
 * The local issuer's user directory: anyone may sign in under any valid username, and the user is
 * created on first use. A user's id is derived from the username alone, so it is the same after a
 * restart, after deleting `.hiroba/`, and on every developer's machine.
 *
 * The directory is a small JSON file in the state directory, because the authorization code flow needs
 * to find a user's name and groups again when it issues the token, after the sign-in form is gone.
 */

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A person the local issuer knows. */
export interface LocalUser {
  /** The `sub` of their tokens: UUIDv5 of the username. */
  readonly id: string;
  readonly username: string;
  /** Their `cognito:groups`, as chosen at their latest sign-in or token request. */
  readonly groups: readonly string[];
  readonly createdAt: string;
}

/** The users the local issuer has seen, persisted in one file. */
export interface UserDirectory {
  /** Creates the user on first use and records the groups asked for this time. */
  signIn(username: string, groups: readonly string[]): Promise<LocalUser>;
  byId(id: string): LocalUser | undefined;
}

// Chosen once at random. Never change it: every local user id derives from it.
const namespace = '218f079e-5b24-45ab-945d-a9bd9756e104';

const usernamePattern = /^[A-Za-z0-9_.-]{1,40}$/;

/** Why `username` is not acceptable, or `undefined` when it is. */
export function usernameProblem(username: unknown): string | undefined {
  if (typeof username !== 'string' || username.length === 0) return 'Enter a username.';
  if (username.length > 40) return 'A username has at most 40 characters.';
  if (!usernamePattern.test(username)) {
    return 'A username may only contain letters A–Z and a–z, digits, "_", "." and "-".';
  }
  return undefined;
}

/**
 * The user id for a username: a name-based UUID (RFC 9562 version 5, SHA-1) in hiroba's local
 * namespace. Usernames are case-sensitive, as in a Cognito user pool created by the CDK.
 */
function userIdFor(username: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(username, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Opens (or starts) the directory kept in `file`. */
export async function openUserDirectory(file: string): Promise<UserDirectory> {
  const users = new Map<string, LocalUser>();
  for (const user of await readUsers(file)) users.set(user.id, user);
  // Writes are chained so that two sign-ins at once cannot interleave their renames.
  let writing: Promise<void> = Promise.resolve();

  const save = () => {
    const text = `${JSON.stringify({ users: [...users.values()] }, null, 2)}\n`;
    writing = writing.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      // Write-then-rename: a crash mid-write never leaves a half-written directory behind.
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    });
    return writing;
  };

  return {
    async signIn(username, groups) {
      const id = userIdFor(username);
      const known = users.get(id);
      const user: LocalUser = {
        id,
        username,
        groups: [...new Set(groups)],
        createdAt: known?.createdAt ?? new Date().toISOString(),
      };
      users.set(id, user);
      await save();
      return user;
    },
    byId: (id) => users.get(id),
  };
}

async function readUsers(file: string): Promise<LocalUser[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = JSON.parse(text) as { users?: unknown };
  if (!Array.isArray(parsed.users)) throw new Error(`${file} is not a local user directory`);
  return parsed.users as LocalUser[];
}
