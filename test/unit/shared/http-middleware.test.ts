import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { maxApiBodyBytes } from '#shared/api-body-limit';
import { DomainError } from '#shared/errors';
import { type HttpEvent, httpHandler, json } from '#shared/middleware/http';

const context = { functionName: 'test', awsRequestId: 'req-1' } as Context;
const event = { rawPath: '/api/x', headers: {}, requestContext: {} } as unknown as HttpEvent;

describe('httpHandler', () => {
  it('passes a handler result through', async () => {
    const handler = httpHandler(async () => json(201, { id: 1 }));

    expect(await handler(event, context)).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: '{"id":1}',
    });
  });

  it('maps a domain error to the contract error body and status', async () => {
    const handler = httpHandler(async () => {
      throw new DomainError('invalid', 'content is required', { details: { content: 'Required' } });
    });

    const result = await handler(event, context);

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '')).toEqual({
      error: { code: 'invalid', message: 'content is required', details: { content: 'Required' } },
    });
  });

  it('adds Retry-After to unavailable and rate-limited answers', async () => {
    const handler = httpHandler(async () => {
      throw new DomainError('rate-limited', 'slow down', { retryAfterSeconds: 3 });
    });

    const result = await handler(event, context);

    expect(result.statusCode).toBe(429);
    expect(result.headers?.['retry-after']).toBe('3');
    expect(JSON.parse(result.body ?? '').error.code).toBe('rate_limited');
  });

  it('turns any other error into a 500 that leaks nothing', async () => {
    const handler = httpHandler(async () => {
      throw new Error('password=hunter2 at db.internal:5432');
    });

    const result = await handler(event, context);

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('hunter2');
    expect(JSON.parse(result.body ?? '').error.code).toBe('internal');
  });

  it('refuses a body over the API limit with 413 too_large before the handler runs', async () => {
    let ran = false;
    const handler = httpHandler(async () => {
      ran = true;
      return json(201, {});
    });

    const result = await handler({ ...event, body: 'x'.repeat(maxApiBodyBytes + 1) }, context);

    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body ?? '').error.code).toBe('too_large');
    expect(ran).toBe(false);
  });

  it('counts a base64-encoded body by its decoded bytes', async () => {
    const handler = httpHandler(async () => json(201, {}));
    const encoded = (bytes: number) => Buffer.alloc(bytes).toString('base64');

    const atLimit = await handler(
      { ...event, body: encoded(maxApiBodyBytes), isBase64Encoded: true },
      context,
    );
    const over = await handler(
      { ...event, body: encoded(maxApiBodyBytes + 1), isBase64Encoded: true },
      context,
    );

    expect(atLimit.statusCode).toBe(201);
    expect(over.statusCode).toBe(413);
  });
});
