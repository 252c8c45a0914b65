import { incompleteBody, S3Error } from './errors.ts';

/** The form part that carries the upload. */
export interface FilePart {
  filename: string | undefined;
  contentType: string | undefined;
}

/** Everything an S3 POST form sends before its file. */
export interface FormHead {
  /** Fields in the order sent, names as sent. */
  fields: Array<[string, string]>;
  file: FilePart | undefined;
}

/** S3 limits the form fields that precede the file to 20 KB. */
const MAX_PRE_DATA_BYTES = 20 * 1024;

/**
 * A streaming `multipart/form-data` reader shaped by S3's POST rules: fields come first and are
 * held in memory (within S3's 20 KB limit), then the part named `file` is streamed, and whatever
 * follows it is ignored, as S3 ignores fields after the file.
 */
export class MultipartFormReader {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #delimiter: Buffer;
  // Starting with CRLF lets the first boundary match the same delimiter as the others.
  #pending = Buffer.from('\r\n');
  #consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>, boundary: string) {
    this.#source = source[Symbol.asyncIterator]();
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  /** Reads the fields up to the file part's headers (or the end of the form when there is no file). */
  async readHead(): Promise<FormHead> {
    const fields: Array<[string, string]> = [];
    await this.#readUntil(this.#delimiter); // preamble
    for (;;) {
      if (await this.#atFormEnd()) return { fields, file: undefined };
      const headers = parsePartHeaders((await this.#readUntil(Buffer.from('\r\n\r\n'))).toString('utf8'));
      const disposition = headers.get('content-disposition') ?? '';
      const params = dispositionParams(disposition);
      const name = params.get('name');
      if (!/^form-data\b/i.test(disposition) || name === undefined) throw malformedPost();
      if (name.toLowerCase() === 'file') {
        return {
          fields,
          file: { filename: params.get('filename'), contentType: headers.get('content-type') },
        };
      }
      fields.push([name, (await this.#readUntil(this.#delimiter)).toString('utf8')]);
    }
  }

  /** Streams the file part's content; call once, after `readHead` found a file. */
  async *readFile(): AsyncGenerator<Buffer> {
    const keep = this.#delimiter.length - 1;
    for (;;) {
      const end = this.#pending.indexOf(this.#delimiter);
      if (end >= 0) {
        if (end > 0) yield this.#pending.subarray(0, end);
        this.#pending = this.#pending.subarray(end + this.#delimiter.length);
        return;
      }
      // Hold back what could be the start of a delimiter split across reads.
      if (this.#pending.length > keep) {
        yield this.#pending.subarray(0, this.#pending.length - keep);
        this.#pending = this.#pending.subarray(this.#pending.length - keep);
      }
      if (!(await this.#fill())) throw incompleteBody();
    }
  }

  /** After a delimiter: `--` closes the form, CRLF starts another part. */
  async #atFormEnd(): Promise<boolean> {
    while (this.#pending.length < 2) if (!(await this.#fill())) throw malformedPost();
    const closing = this.#pending[0] === 0x2d && this.#pending[1] === 0x2d;
    if (!closing) {
      if (this.#pending[0] !== 0x0d || this.#pending[1] !== 0x0a) throw malformedPost();
      this.#pending = this.#pending.subarray(2);
    }
    return closing;
  }

  async #readUntil(marker: Buffer): Promise<Buffer> {
    for (;;) {
      const end = this.#pending.indexOf(marker);
      // Only ever used before the file: all of it counts towards S3's limit on preceding fields.
      if (this.#consumed + (end >= 0 ? end + marker.length : this.#pending.length) > MAX_PRE_DATA_BYTES) {
        throw new S3Error(
          400,
          'MaxPostPreDataLengthExceededError',
          'Your POST request fields preceding the upload file were too large.',
        );
      }
      if (end >= 0) {
        const before = this.#pending.subarray(0, end);
        this.#pending = this.#pending.subarray(end + marker.length);
        this.#consumed += end + marker.length;
        return before;
      }
      if (!(await this.#fill())) throw malformedPost();
    }
  }

  async #fill(): Promise<boolean> {
    const next = await this.#source.next();
    if (next.done) return false;
    this.#pending =
      this.#pending.length === 0 ? Buffer.from(next.value) : Buffer.concat([this.#pending, next.value]);
    return true;
  }
}

/** The boundary parameter of a `multipart/form-data` content type, if it is one. */
export function formDataBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function parsePartHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const separator = line.indexOf(':');
    if (separator > 0)
      headers.set(line.slice(0, separator).trim().toLowerCase(), line.slice(separator + 1).trim());
  }
  return headers;
}

function dispositionParams(disposition: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of disposition.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    const [, name = '', quoted, bare] = match;
    params.set(name.toLowerCase(), quoted?.replace(/\\(.)/g, '$1') ?? bare?.trim() ?? '');
  }
  return params;
}

function malformedPost(): S3Error {
  return new S3Error(
    400,
    'MalformedPOSTRequest',
    'The body of your POST request is not well-formed multipart/form-data.',
  );
}
