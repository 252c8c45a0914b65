import { createHash, type Hash } from 'node:crypto';
import { incompleteBody, S3Error } from './errors.ts';
import { EMPTY_SHA256, type SigningContext, sha256Hex, signatureDoesNotMatch } from './sigv4.ts';

/** How an aws-chunked body is signed: its seed is the request's own signature. */
export interface ChunkSigning {
  context: SigningContext;
  seedSignature: string;
  /** STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: the trailer carries its own signature. */
  signedTrailer: boolean;
}

/** S3's minimum size for every chunk of a signed stream but the last one carrying data. */
const MIN_SIGNED_CHUNK = 8192;
/** Chunk header lines and trailer lines are short; a longer one is not aws-chunked at all. */
const MAX_LINE = 4096;

type State = 'header' | 'data' | 'data-end' | 'trailer' | 'done';

/**
 * Decodes an `aws-chunked` request body (`Content-Encoding: aws-chunked`), the framing the SDK uses
 * for streamed uploads:
 *
 * ```
 * <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n<trailers>\r\n
 * ```
 *
 * Chunk signatures are verified as they arrive (each chains the previous one, starting from the
 * request's seed signature), trailers (`x-amz-checksum-crc32:...`) are collected, and the decoded
 * length is checked against `x-amz-decoded-content-length`. The decoded data is yielded before its
 * chunk signature is checked; callers commit nothing until the iteration ends without error.
 */
export class AwsChunkedDecoder {
  /** Trailing headers, by lower-case name, once the body is fully decoded. */
  readonly trailers = new Map<string, string>();
  readonly #signing: ChunkSigning | undefined;
  readonly #decodedLength: number;

  constructor(options: { decodedLength: number; signing?: ChunkSigning }) {
    this.#decodedLength = options.decodedLength;
    this.#signing = options.signing;
  }

  /** Yields the decoded payload of an aws-chunked stream. */
  async *decode(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
    let pending: Buffer = Buffer.alloc(0);
    let state = 'header' as State;
    let remaining = 0;
    let chunkSize = 0;
    let chunkSignature = '';
    let chunkHash: Hash | undefined;
    let previousSignature = this.#signing?.seedSignature ?? '';
    let previousChunkSize = -1;
    let chunkNumber = 0;
    let decoded = 0;
    const trailerLines: string[] = [];

    for await (const piece of source) {
      pending = pending.length === 0 ? Buffer.from(piece) : Buffer.concat([pending, piece]);
      for (;;) {
        if (state === 'header') {
          const line = takeLine(pending);
          if (!line) break;
          pending = line.rest;
          const header = parseChunkHeader(line.text, this.#signing !== undefined);
          chunkNumber++;
          if (
            this.#signing &&
            header.size > 0 &&
            previousChunkSize >= 0 &&
            previousChunkSize < MIN_SIGNED_CHUNK
          ) {
            throw new S3Error(
              403,
              'InvalidChunkSizeError',
              'Only the last chunk is allowed to have a size less than 8192 bytes',
              {
                Chunk: chunkNumber - 1,
                BadChunkSize: previousChunkSize,
              },
            );
          }
          chunkSize = header.size;
          chunkSignature = header.signature;
          remaining = header.size;
          chunkHash = this.#signing ? createHash('sha256') : undefined;
          state = header.size === 0 ? 'trailer' : 'data';
          if (header.size === 0) {
            previousSignature = await this.#verifyChunk(previousSignature, EMPTY_SHA256, chunkSignature);
          }
          continue;
        }
        if (state === 'data') {
          if (pending.length === 0) break;
          const data = pending.subarray(0, remaining);
          pending = pending.subarray(data.length);
          remaining -= data.length;
          decoded += data.length;
          if (decoded > this.#decodedLength) throw incompleteBody();
          chunkHash?.update(data);
          yield data;
          if (remaining === 0) state = 'data-end';
          continue;
        }
        if (state === 'data-end') {
          if (pending.length < 2) break;
          if (pending[0] !== 0x0d || pending[1] !== 0x0a) throw malformedChunk();
          pending = pending.subarray(2);
          previousSignature = await this.#verifyChunk(
            previousSignature,
            chunkHash?.digest('hex') ?? '',
            chunkSignature,
          );
          previousChunkSize = chunkSize;
          state = 'header';
          continue;
        }
        if (state === 'trailer') {
          const line = takeLine(pending);
          if (!line) break;
          pending = line.rest;
          if (line.text === '') {
            await this.#finishTrailer(trailerLines, previousSignature);
            state = 'done';
            continue;
          }
          trailerLines.push(line.text);
          continue;
        }
        break; // done: anything after the final CRLF is ignored
      }
      if (pending.length > MAX_LINE && (state === 'header' || state === 'trailer')) throw malformedChunk();
    }
    if (state !== 'done' || decoded !== this.#decodedLength) throw incompleteBody();
  }

  async #verifyChunk(previous: string, dataHash: string, provided: string): Promise<string> {
    if (!this.#signing) return previous;
    const { context } = this.#signing;
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      context.longDate,
      context.scope,
      previous,
      EMPTY_SHA256,
      dataHash,
    ].join('\n');
    const expected = await context.sign(stringToSign);
    if (expected !== provided) throw signatureDoesNotMatch(context.accessKeyId, stringToSign, provided);
    return expected;
  }

  async #finishTrailer(lines: string[], previousSignature: string): Promise<void> {
    let trailerSignature: string | undefined;
    const signedLines: string[] = [];
    for (const line of lines) {
      const separator = line.indexOf(':');
      if (separator <= 0) throw malformedTrailer();
      const name = line.slice(0, separator).trim().toLowerCase();
      const value = line.slice(separator + 1).trim();
      if (name === 'x-amz-trailer-signature') {
        trailerSignature = value;
        continue;
      }
      this.trailers.set(name, value);
      signedLines.push(`${name}:${value}\n`);
    }
    if (!this.#signing?.signedTrailer) return;
    if (trailerSignature === undefined) throw malformedTrailer();
    const { context } = this.#signing;
    const stringToSign = [
      'AWS4-HMAC-SHA256-TRAILER',
      context.longDate,
      context.scope,
      previousSignature,
      sha256Hex(signedLines.join('')),
    ].join('\n');
    const expected = await context.sign(stringToSign);
    if (expected !== trailerSignature)
      throw signatureDoesNotMatch(context.accessKeyId, stringToSign, trailerSignature);
  }
}

function takeLine(buffer: Buffer): { text: string; rest: Buffer } | undefined {
  const end = buffer.indexOf('\r\n');
  if (end < 0) return undefined;
  return { text: buffer.subarray(0, end).toString('latin1'), rest: buffer.subarray(end + 2) };
}

function parseChunkHeader(line: string, signed: boolean): { size: number; signature: string } {
  const [sizeText = '', ...extensions] = line.split(';');
  if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw malformedChunk();
  const signature = extensions
    .find((part) => part.startsWith('chunk-signature='))
    ?.slice('chunk-signature='.length);
  if (signed && !signature) throw malformedChunk();
  return { size: Number.parseInt(sizeText, 16), signature: signature ?? '' };
}

function malformedChunk(): S3Error {
  return new S3Error(400, 'IncompleteBody', 'The request body is not valid aws-chunked encoding');
}

function malformedTrailer(): S3Error {
  return new S3Error(
    400,
    'MalformedTrailerError',
    'The request contained trailing data that was not well-formed or did not conform to our published schema.',
  );
}
