/**
 * Identifiers and timestamps in the formats API Gateway puts in events and headers.
 */

import { randomBytes } from 'node:crypto';

/** The account id local AWS reports wherever AWS shows the caller's account. */
export const localAccountId = '000000000000';

/**
 * An id like API Gateway's request, connection and message ids (`RL2XYiwjPHcEMEQ=`, `JC1dgf9yoAMCK-g=`):
 * 11 random bytes in URL-safe base64 with its one padding character, 16 characters in all.
 */
export function gatewayId(): string {
  return `${randomBytes(11).toString('base64url')}=`;
}

/** An API id like `nn27okk1we`: 10 lower-case letters and digits. */
export function apiId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(10), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** An X-Ray trace header value, `Root=1-<epoch seconds in hex>-<96 random bits in hex>`. */
export function traceId(now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000).toString(16);
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A time as API Gateway writes `requestContext.time`/`requestTime`: `12/Mar/2020:19:03:58 +0000`. */
export function requestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const month = months[date.getUTCMonth()];
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${clock} +0000`;
}
