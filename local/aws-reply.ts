import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { stringifyExactJson } from './exact-json.ts';

/** An answer in the JSON protocols of AWS services, as their SDK clients read it. */
export interface AwsReply {
  readonly status: number;
  /** Sent as `x-amzn-ErrorType`, where the SDK looks for the error's name. */
  readonly errorType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON, `bigint`s written exactly; absent, the answer has no body. */
  readonly body?: unknown;
}

/** Sends `reply` with a fresh `x-amzn-RequestId`. */
export function sendAwsReply(res: ServerResponse, reply: AwsReply): void {
  res.setHeader('x-amzn-RequestId', randomUUID());
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.errorType) res.setHeader('x-amzn-ErrorType', reply.errorType);
  if (reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const text = stringifyExactJson(reply.body) ?? 'null';
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
