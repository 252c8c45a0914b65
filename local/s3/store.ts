import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ChecksumAlgorithm } from './checksums.ts';
import type { TagSet } from './tagging.ts';

/** Everything S3 keeps about an object besides its bytes. */
export interface ObjectProperties {
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  /** User metadata (`x-amz-meta-*`), by lower-case name without the prefix. */
  metadata: Record<string, string>;
  /** The object's additional checksum: the one sent with the upload, or S3's default CRC64NVME. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** The object's tags (`x-amz-tagging`, the POST `tagging` field, PutObjectTagging). */
  tags?: TagSet;
}

/** A stored object's description, as persisted in its metadata sidecar. */
export interface StoredObject extends ObjectProperties {
  key: string;
  size: number;
  /** Quoted hex MD5 of the body, as S3 sends it. */
  etag: string;
  /** ISO-8601, whole seconds: S3 keeps Last-Modified to the second. */
  lastModified: string;
  /** File name of the body inside the bucket directory; each write gets a new one. */
  bodyFile: string;
}

/** What the store learnt while writing a body, handed to the caller before the object becomes visible. */
export interface WrittenBody {
  size: number;
  md5: Buffer;
}

/**
 * Objects on disk: one directory per bucket holding, per object, a body file and a JSON sidecar,
 * both named after the SHA-256 of the key so that any key (slashes, dots, 1024 bytes of UTF-8) maps
 * to a short, safe file name. The sidecars are also indexed in memory for listing.
 *
 * Writes stream into a temporary file and become visible only when the caller's checks pass: the
 * body is renamed into place under a fresh name, then the sidecar is replaced atomically, so a
 * reader always sees an old or a new object, never a torn one.
 */
export class ObjectStore {
  readonly #root: string;
  readonly #buckets = new Map<string, Map<string, StoredObject>>();
  #commits: Promise<void> = Promise.resolve();

  private constructor(root: string) {
    this.#root = root;
  }

  /** Opens (creating if needed) the store under `root` for these buckets, loading what earlier runs left. */
  static async open(root: string, bucketNames: readonly string[]): Promise<ObjectStore> {
    const store = new ObjectStore(root);
    await rm(store.#tmpDir(), { recursive: true, force: true });
    await mkdir(store.#tmpDir(), { recursive: true });
    for (const name of bucketNames) {
      const dir = store.#bucketDir(name);
      await mkdir(dir, { recursive: true });
      const objects = new Map<string, StoredObject>();
      const files = await readdir(dir);
      for (const file of files.filter((f) => f.endsWith('.json'))) {
        const stored = JSON.parse(await readFile(join(dir, file), 'utf8')) as StoredObject;
        objects.set(stored.key, stored);
      }
      // Bodies no sidecar points at are leftovers of a run that stopped mid-write.
      const live = new Set([...objects.values()].map((o) => o.bodyFile));
      for (const file of files.filter((f) => f.endsWith('.bin') && !live.has(f)))
        await unlink(join(dir, file));
      store.#buckets.set(name, objects);
    }
    return store;
  }

  /** Whether the bucket exists. */
  hasBucket(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  /** The object under a key, if any. */
  get(bucket: string, key: string): StoredObject | undefined {
    return this.#buckets.get(bucket)?.get(key);
  }

  /** Every object of a bucket, in S3's listing order (UTF-8 byte order of the keys). */
  list(bucket: string): StoredObject[] {
    const objects = [...(this.#buckets.get(bucket)?.values() ?? [])];
    const sortKeys = new Map(objects.map((o) => [o, Buffer.from(o.key)]));
    return objects.sort((a, b) => Buffer.compare(sortKeys.get(a) as Buffer, sortKeys.get(b) as Buffer));
  }

  /**
   * Opens an object's body for reading, optionally a byte range (inclusive) chosen once the object
   * is known. Retries once with the latest description if a concurrent overwrite removed the body
   * it was about to open.
   */
  async read(
    bucket: string,
    key: string,
    rangeOf: (object: StoredObject) => { start: number; end: number } | undefined = () => undefined,
  ): Promise<
    { object: StoredObject; range: { start: number; end: number } | undefined; body: ReadStream } | undefined
  > {
    for (let attempt = 0; attempt < 2; attempt++) {
      const object = this.get(bucket, key);
      if (!object) return undefined;
      const range = rangeOf(object);
      try {
        const handle = await open(join(this.#bucketDir(bucket), object.bodyFile), 'r');
        return { object, range, body: handle.createReadStream({ start: range?.start, end: range?.end }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return undefined;
  }

  /**
   * Streams a body to disk, then asks `describe` for the object's properties (it may throw to
   * refuse the upload, e.g. on a checksum mismatch) and makes the object visible.
   */
  async put(
    bucket: string,
    key: string,
    body: AsyncIterable<Uint8Array>,
    describe: (written: WrittenBody) => ObjectProperties | Promise<ObjectProperties>,
  ): Promise<StoredObject> {
    const objects = this.#buckets.get(bucket);
    if (!objects) throw new Error(`Unknown bucket ${bucket}`);
    const tmpPath = join(this.#tmpDir(), randomUUID());
    try {
      const md5 = createHash('md5');
      let size = 0;
      await pipeline(
        body,
        async function* (source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            md5.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmpPath),
      );
      const digest = md5.digest();
      const properties = await describe({ size, md5: digest });
      const name = keyFileName(key);
      const stored: StoredObject = {
        ...properties,
        key,
        size,
        etag: `"${digest.toString('hex')}"`,
        lastModified: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
        bodyFile: `${name}.${randomUUID()}.bin`,
      };
      const dir = this.#bucketDir(bucket);
      await this.#exclusive(async () => {
        await rename(tmpPath, join(dir, stored.bodyFile));
        const sidecarTmp = join(this.#tmpDir(), `${randomUUID()}.json`);
        await writeFile(sidecarTmp, JSON.stringify(stored));
        await rename(sidecarTmp, join(dir, `${name}.json`));
        const previous = objects.get(key);
        objects.set(key, stored);
        if (previous) await unlink(join(dir, previous.bodyFile)).catch(ignoreMissing);
      });
      return stored;
    } finally {
      await rm(tmpPath, { force: true });
    }
  }

  /**
   * Replaces an object's tag set, keeping its body and everything else (S3 does not change an object's
   * ETag or Last-Modified when its tags change). False when there is no such object.
   */
  async setTags(bucket: string, key: string, tags: TagSet): Promise<boolean> {
    const objects = this.#buckets.get(bucket);
    let found = false;
    await this.#exclusive(async () => {
      const current = objects?.get(key);
      if (!objects || !current) return;
      found = true;
      const updated: StoredObject = { ...current, tags };
      const sidecarTmp = join(this.#tmpDir(), `${randomUUID()}.json`);
      await writeFile(sidecarTmp, JSON.stringify(updated));
      await rename(sidecarTmp, join(this.#bucketDir(bucket), `${keyFileName(key)}.json`));
      objects.set(key, updated);
    });
    return found;
  }

  /** Deletes an object; deleting a missing key is not an error, as in S3. */
  async delete(bucket: string, key: string): Promise<void> {
    const objects = this.#buckets.get(bucket);
    if (!objects?.has(key)) return;
    const dir = this.#bucketDir(bucket);
    await this.#exclusive(async () => {
      const current = objects.get(key);
      if (!current) return;
      objects.delete(key);
      await unlink(join(dir, `${keyFileName(key)}.json`)).catch(ignoreMissing);
      await unlink(join(dir, current.bodyFile)).catch(ignoreMissing);
    });
  }

  /**
   * Runs commits one at a time: the sidecar on disk and the index entry of a key must be replaced
   * in the same order, or two racing writers could leave a sidecar pointing at a deleted body.
   */
  #exclusive(commit: () => Promise<void>): Promise<void> {
    const run = this.#commits.then(commit);
    this.#commits = run.catch(() => {});
    return run;
  }

  #bucketDir(bucket: string): string {
    return join(this.#root, 'buckets', bucket);
  }

  #tmpDir(): string {
    return join(this.#root, 'tmp');
  }
}

function keyFileName(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
