import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body (or a response's) of at most `limit` bytes, or of any length without one;
 * `undefined` when it is longer. An oversized body is still read to its end (and dropped), so that the
 * refusal reaches the client intact.
 */
export function readBody(req: IncomingMessage): Promise<Buffer>;
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined>;
export async function readBody(
  req: IncomingMessage,
  limit = Number.POSITIVE_INFINITY,
): Promise<Buffer | undefined> {
  const body = await readLimitedBody(req, limit);
  return 'data' in body ? body.data : undefined;
}

/** As {@link readBody}, but an oversized body reports its size, for errors that name it. */
export async function readLimitedBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ data: Buffer } | { tooLarge: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? { tooLarge: size } : { data: Buffer.concat(chunks) };
}
