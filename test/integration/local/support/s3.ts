import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** The key pair the S3 emulator accepts in these tests. */
export const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

/** A real SDK client on the emulator at `endpoint`, path-style as local S3 needs. */
export function s3Client(
  endpoint: string,
  region: string,
  overrides: Partial<S3ClientConfig> = {},
): S3Client {
  return new S3Client({ region, endpoint, forcePathStyle: true, credentials, ...overrides });
}

/** The status and the `<Code>` and `<Message>` of an S3 XML error answer. */
export async function errorOf(
  response: Response,
): Promise<{ status: number; code: string; message: string; xml: string }> {
  const xml = await response.text();
  return {
    status: response.status,
    code: decodeXml(/<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? ''),
    message: decodeXml(/<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? ''),
    xml,
  };
}

function decodeXml(text: string): string {
  const entities: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };
  return text.replace(/&(quot|apos|lt|gt|amp);/g, (_, name: string) => entities[name] ?? '');
}
