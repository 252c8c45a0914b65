import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body of at most `limit` bytes; `undefined` when it is longer. An oversized body is
 * still read to its end (and dropped), so that the refusal reaches the client intact.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}
