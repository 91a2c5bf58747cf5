import { Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { ImageError } from '../core/index.js';
import type { Compression } from './media-types.js';

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

/** Fails once more than `limit` bytes have come out of a decompressor. */
class OutputLimit extends Transform {
  private bytes = 0;
  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
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
    cb(null, chunk);
  }
}

/**
 * Returns the transforms that turn the (possibly compressed) bytes of a layer into its tar stream. Compression is
 * sniffed from the magic bytes: media types lie (Docker "tar.gzip" layers that are plain tar exist in the wild).
 */
export async function decompressors(
  head: Buffer,
  compressedSize: number | undefined,
  what: string,
  limits: DecompressLimits = DEFAULT_LIMITS,
): Promise<Transform[]> {
  const compression = detectCompression(head);
  if (compression === 'none') return [];
  const ratioLimit = compressedSize !== undefined ? Math.max(limits.ratioFloor, compressedSize * limits.maxRatio) : limits.maxBytes;
  const limit = Math.min(limits.maxBytes, ratioLimit);
  const decoder =
    compression === 'gzip'
      ? zlib.createGunzip({ chunkSize: 128 * 1024 })
      : await zstdDecompressor();
  return [decoder, new OutputLimit(limit, what)];
}
