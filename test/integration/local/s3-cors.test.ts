import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Emulator, startS3 } from '../../../local/s3/server.ts';
import { credentials, s3Client } from './support/s3.ts';

const region = 'us-east-1';
const appOrigin = 'http://127.0.0.1:3000';

let s3: S3Emulator;
let client: S3Client;

function preflight(path: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${s3.url}${path}`, { method: 'OPTIONS', headers });
}

beforeAll(async () => {
  s3 = await startS3({
    buckets: [
      {
        name: 'media',
        cors: [
          {
            AllowedOrigins: [appOrigin, 'https://*.hiroba.example'],
            AllowedMethods: ['PUT', 'POST'],
            AllowedHeaders: ['content-type', 'x-amz-*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 600,
          },
          { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'] },
        ],
      },
      { name: 'closed' },
    ],
    region,
    credentials,
  });
  client = s3Client(s3.url, region);
  await client.send(new PutObjectCommand({ Bucket: 'media', Key: 'pic.png', Body: 'png' }));
  await client.send(new PutObjectCommand({ Bucket: 'closed', Key: 'pic.png', Body: 'png' }));
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('local S3 CORS', () => {
  it('answers an allowed preflight from the matching rule', async () => {
    const response = await preflight('/media/uploads/a.png', {
      origin: appOrigin,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'Content-Type, X-Amz-Checksum-Crc32',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(appOrigin);
    expect(response.headers.get('access-control-allow-methods')).toBe('PUT, POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type, x-amz-checksum-crc32');
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('matches an origin against a wildcard AllowedOrigin', async () => {
    const response = await preflight('/media/a.png', {
      origin: 'https://chat.hiroba.example',
      'access-control-request-method': 'POST',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://chat.hiroba.example');
  });

  it('refuses a preflight from an origin no rule allows with 403 AccessForbidden', async () => {
    const response = await preflight('/media/a.png', {
      origin: 'https://evil.example',
      'access-control-request-method': 'PUT',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const xml = await response.text();
    expect(xml).toContain('<Code>AccessForbidden</Code>');
    expect(xml).toContain('CORSResponse: This CORS request is not allowed.');
  });

  it('refuses a preflight asking for a header no rule allows', async () => {
    const response = await preflight('/media/a.png', {
      origin: appOrigin,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'authorization',
    });
    expect(response.status).toBe(403);
  });

  it('refuses a preflight for a method no rule allows', async () => {
    const response = await preflight('/media/a.png', {
      origin: appOrigin,
      'access-control-request-method': 'DELETE',
    });
    expect(response.status).toBe(403);
  });

  it('refuses every preflight on a bucket without CORS rules', async () => {
    const response = await preflight('/closed/a.png', {
      origin: appOrigin,
      'access-control-request-method': 'GET',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('CORSResponse: CORS is not enabled for this bucket.');
  });

  it('refuses a preflight without an Origin with 400', async () => {
    const response = await preflight('/media/a.png', { 'access-control-request-method': 'PUT' });
    expect(response.status).toBe(400);
  });

  it('adds CORS headers to an actual request whose Origin matches, answering * for a rule allowing any origin', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'media', Key: 'pic.png' }));
    const response = await fetch(url, { headers: { origin: 'https://anyone.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('adds CORS headers to error answers too, so browsers can read them', async () => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'media', Key: 'up.png' }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 10_000),
    });
    const response = await fetch(url, { method: 'PUT', body: 'x', headers: { origin: appOrigin } });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe(appOrigin);
  });

  it('adds no CORS headers when the Origin matches no rule or the bucket has none', async () => {
    const mediaUrl = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'media', Key: 'other.png' }));
    const foreign = await fetch(mediaUrl, {
      method: 'PUT',
      body: 'x',
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const closedUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'closed', Key: 'pic.png' }));
    const closed = await fetch(closedUrl, { headers: { origin: appOrigin } });
    expect(closed.status).toBe(200);
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();
  });
});
