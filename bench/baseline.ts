/**
 * Baseline A: the cost of merely decompressing every layer blob, the floor that any scanner reading the layers
 * has to pay. Streams each blob through zlib.createGunzip into a sink that discards (and counts) the bytes.
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';

const READ_CHUNK = 1024 * 1024;
/** Same output chunk size as src/oci/decompress.ts uses, so the floor is measured the way the pipeline decodes. */
const GUNZIP_CHUNK = 128 * 1024;

export interface GunzipResult {
  ms: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

async function gunzipOne(file: string): Promise<{ compressed: number; uncompressed: number }> {
  let compressed = 0;
  let uncompressed = 0;
  const src = createReadStream(file, { highWaterMark: READ_CHUNK });
  src.on('data', (c: Buffer | string) => (compressed += c.length));
  await pipeline(
    src,
    zlib.createGunzip({ chunkSize: GUNZIP_CHUNK }),
    new Writable({
      highWaterMark: READ_CHUNK,
      write(chunk: Buffer, _enc, cb) {
        uncompressed += chunk.length;
        cb();
      },
    }),
  );
  return { compressed, uncompressed };
}

/**
 * Gunzips `files` with at most `concurrency` streams in flight. zlib runs on libuv's thread pool, so
 * concurrency 2 can use both cores of a 2-vCPU machine (Tollgate analyses 2–3 layers at once for that reason).
 */
export async function gunzipAll(files: readonly string[], concurrency: number): Promise<GunzipResult> {
  const t0 = performance.now();
  let compressedBytes = 0;
  let uncompressedBytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++]!;
      const r = await gunzipOne(f);
      compressedBytes += r.compressed;
      uncompressedBytes += r.uncompressed;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker));
  return { ms: performance.now() - t0, compressedBytes, uncompressedBytes };
}
