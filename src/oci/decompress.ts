import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { ImageError } from '../core/index.js';
import { digestAlgorithm } from './digest.js';
import type { Compression } from './media-types.js';

/**
 * zlib output chunk: 512 KiB rather than 128 KiB quarters the per-chunk work on the main thread (zlib's completion
 * callback, one stream hop, one tar-reader push) at no cost in memory worth noting; measured 0.2–0.4 s off a cold
 * scan of the 708 MB benchmark image (docs/benchmarks.md).
 */
const INFLATE_CHUNK = 512 * 1024;
/** Read-ahead between decompression stages (4 zlib chunks). */
const STAGE_HIGH_WATER_MARK = 4 * INFLATE_CHUNK;

/**
 * Limits that make decompression bombs harmless: deflate cannot exceed ~1032:1, so anything beyond `maxRatio` is
 * hostile or corrupt; `maxBytes` bounds any single layer whatever its compression.
 */
export interface DecompressLimits {
  maxBytes: number;
  maxRatio: number;
  /** Output below this size is never held to the ratio (a tiny blob of a sparse file is fine). */
  ratioFloor: number;
}

export const DEFAULT_LIMITS: DecompressLimits = { maxBytes: 64 * 1024 ** 3, maxRatio: 1100, ratioFloor: 256 * 1024 * 1024 };

export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Reads the first `n` bytes of a paused stream and puts them back. */
export function peek(stream: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const finish = () => {
      cleanup();
      const head = Buffer.concat(chunks);
      if (head.length) stream.unshift(head);
      resolve(head.subarray(0, n));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (have < n && (chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        have += chunk.length;
      }
      if (have >= n) finish();
    };
    const onEnd = () => finish();
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
    onReadable();
  });
}

let zstdModule: Promise<typeof import('zstd-napi')> | undefined;

async function zstdDecompressor(): Promise<Transform> {
  // Node ≥ 22.15 has zstd in zlib; Node 20 needs the zstd-napi addon (loaded lazily: most images are gzip).
  const z = zlib as unknown as { createZstdDecompress?: () => Transform };
  if (typeof z.createZstdDecompress === 'function') return z.createZstdDecompress();
  zstdModule ??= import('zstd-napi');
  const { DecompressStream } = await zstdModule;
  // windowLogMax 27 (128 MiB) bounds the decoder's memory whatever the frame header claims.
  return new DecompressStream({ windowLogMax: 27 }) as unknown as Transform;
}

/**
 * The one stage after a decompressor: fails once more than `limit` bytes have come out, and (when given an expected
 * digest, i.e. a diffID that no verified blob digest already covers) hashes what passes and fails at the end on a
 * mismatch. One Transform instead of a size limit, a DigestVerifier and a PassThrough: each stage costs a pipe hop,
 * a write-queue round and (with the default 16 KiB high-water mark) a pause/resume per chunk.
 */
class DecompressedGuard extends Transform {
  private bytes = 0;
  private readonly hash: Hash | undefined;
  constructor(
    private readonly limit: number,
    private readonly what: string,
    private readonly expected?: string,
  ) {
    super({ highWaterMark: STAGE_HIGH_WATER_MARK });
    this.hash = expected ? createHash(digestAlgorithm(expected)) : undefined;
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      cb(
        new ImageError(
          'DECOMPRESSION_LIMIT',
          `${this.what}: decompressed size exceeds ${this.limit} bytes (a decompression bomb, or a layer larger than the configured limit)`,
        ),
      );
      return;
    }
    this.hash?.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.hash && this.expected) {
      const actual = `${digestAlgorithm(this.expected)}:${this.hash.digest('hex')}`;
      if (actual !== this.expected) {
        cb(new ImageError('DIGEST_MISMATCH', `${this.what} uncompressed content (diff_id): content digest ${actual} does not match the expected ${this.expected}`));
        return;
      }
    }
    cb();
  }
}

/**
 * Returns the transforms that turn the (possibly compressed) bytes of a layer into its tar stream. Compression is
 * sniffed from the magic bytes: media types lie (Docker "tar.gzip" layers that are plain tar exist in the wild).
 * With `diffId` the uncompressed bytes are also checked against it (see openVerifiedLayer for when that is needed).
 */
export async function decompressors(
  head: Buffer,
  compressedSize: number | undefined,
  what: string,
  limits: DecompressLimits = DEFAULT_LIMITS,
  diffId?: string,
): Promise<Transform[]> {
  const compression = detectCompression(head);
  if (compression === 'none') return diffId ? [new DecompressedGuard(Infinity, what, diffId)] : [];
  const ratioLimit = compressedSize !== undefined ? Math.max(limits.ratioFloor, compressedSize * limits.maxRatio) : limits.maxBytes;
  const limit = Math.min(limits.maxBytes, ratioLimit);
  // A high-water mark of several chunks lets zlib inflate the next chunks on the thread pool while the main thread
  // still hashes and parses the previous one (with the default, every chunk stalls the inflater until it is read).
  const decoder =
    compression === 'gzip'
      ? zlib.createGunzip({ chunkSize: INFLATE_CHUNK, highWaterMark: STAGE_HIGH_WATER_MARK } as zlib.ZlibOptions)
      : await zstdDecompressor();
  return [decoder, new DecompressedGuard(limit, what, diffId)];
}
