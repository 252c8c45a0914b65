import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The additional checksum algorithms S3 supports (x-amz-checksum-<algorithm>). */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;

/** One of S3's additional checksum algorithms. */
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** Byte length of each algorithm's digest: a base64 value of another length is malformed. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

/** An incremental digest. */
export interface Digest {
  update(chunk: Uint8Array): void;
  /** The digest; call once, after the last update. */
  digest(): Buffer;
}

/** Parses an algorithm name case-insensitively (`crc32` or `CRC32`). */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  const upper = name.toUpperCase();
  return CHECKSUM_ALGORITHMS.find((algorithm) => algorithm === upper);
}

/** The header that carries an algorithm's value: `x-amz-checksum-crc64nvme`. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** Whether a base64 value has the shape of a digest of this algorithm. */
export function isWellFormedChecksum(algorithm: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return false;
  return Buffer.from(value, 'base64').length === DIGEST_BYTES[algorithm];
}

/** Creates an incremental digest for an algorithm. */
export function createChecksum(algorithm: ChecksumAlgorithm): Digest {
  switch (algorithm) {
    case 'CRC32':
      return crc32Digest();
    case 'CRC32C':
      return tableCrc32(CRC32C_TABLE);
    case 'CRC64NVME':
      return crc64NvmeDigest();
    case 'SHA1':
      return hashDigest(createHash('sha1'));
    case 'SHA256':
      return hashDigest(createHash('sha256'));
  }
}

function hashDigest(hash: Hash): Digest {
  return { update: (chunk) => hash.update(chunk), digest: () => hash.digest() };
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

function crc32Digest(): Digest {
  let crc = 0;
  return {
    update: (chunk) => {
      crc = crc32(chunk, crc);
    },
    digest: () => uint32(crc),
  };
}

/**
 * Table for a reflected 32-bit CRC with the given (reversed) polynomial. Entries are signed 32-bit
 * integers: V8 keeps int32 arithmetic in registers, while uint32 values above 2^31 become doubles and
 * make the byte loop several times slower.
 */
function crc32Table(polynomial: number): Int32Array {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
    table[i] = crc;
  }
  return table;
}

// Castagnoli polynomial, reversed; zlib only knows the IEEE one.
const CRC32C_TABLE = crc32Table(0x82f63b78);

function tableCrc32(table: Int32Array): Digest {
  let crc = -1;
  return {
    update: (chunk) => {
      for (let i = 0; i < chunk.length; i++) {
        crc = (table[(crc ^ (chunk[i] as number)) & 0xff] as number) ^ ((crc >> 8) & 0xffffff);
      }
    },
    digest: () => uint32(~crc),
  };
}

/** CRC-64/NVME tables, split into high and low 32-bit halves so the byte loop avoids BigInt. */
const CRC64_TABLES = (() => {
  const polynomial = 0x9a6c9329ac4bc9b5n; // reversed NVMe polynomial
  const high = new Int32Array(256);
  const low = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = BigInt(i);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ polynomial : crc >> 1n;
    high[i] = Number(crc >> 32n);
    low[i] = Number(crc & 0xffffffffn);
  }
  return { high, low };
})();

function crc64NvmeDigest(): Digest {
  const { high, low } = CRC64_TABLES;
  let hi = -1;
  let lo = -1;
  return {
    update: (chunk) => {
      for (let i = 0; i < chunk.length; i++) {
        const index = (lo ^ (chunk[i] as number)) & 0xff;
        // crc = (crc >> 8) ^ table[index], on two signed 32-bit halves.
        lo = (((lo >> 8) & 0xffffff) | (hi << 24)) ^ (low[index] as number);
        hi = ((hi >> 8) & 0xffffff) ^ (high[index] as number);
      }
    },
    digest: () => Buffer.concat([uint32(~hi), uint32(~lo)]),
  };
}
