/**
 * Where the cold-scan time goes: the layer-reading work of the pipeline rebuilt one stage at a time, each variant
 * timed over all layers with the pipeline's concurrency (2 layers at once). The differences between consecutive
 * variants are the cost of each stage; "full inspect()" minus the last variant is analyzers + Tollgate's own
 * stream plumbing. Independent of src/ on purpose (only node: modules and tar-stream, a Tollgate dependency).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import tar from 'tar-stream';

const READ_CHUNK = 1024 * 1024;
const GUNZIP_CHUNK = 128 * 1024;

export interface Variant {
  id: string;
  label: string;
  layer(file: string): Promise<void>;
}

class Hasher extends Transform {
  private readonly hash = createHash('sha256');
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.hash.digest();
    cb();
  }
}

const sink = () =>
  new Writable({
    highWaterMark: READ_CHUNK,
    write(_c: Buffer, _e, cb) {
      cb();
    },
  });

/** Walks the tar that `stages` produce, skipping every entry; pipeline() propagates an error from any stage. */
async function walk(...stages: [Readable, ...Transform[]]): Promise<void> {
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) entry.resume();
  })();
  await Promise.all([pipeline([...stages, extract]), done]);
}

const read = (f: string) => createReadStream(f, { highWaterMark: READ_CHUNK });
const gunzip = () => zlib.createGunzip({ chunkSize: GUNZIP_CHUNK });

export const variants: Variant[] = [
  { id: 'gunzip', label: 'read + gunzip → discard', layer: (f) => pipeline(read(f), gunzip(), sink()) },
  { id: 'digest', label: '+ sha256 of the blob (digest)', layer: (f) => pipeline(read(f), new Hasher(), gunzip(), sink()) },
  { id: 'diffid', label: '+ sha256 of the tar (diffID)', layer: (f) => pipeline(read(f), new Hasher(), gunzip(), new Hasher(), sink()) },
  {
    id: 'walk',
    label: '+ tar-stream walk, entries skipped',
    layer: (f) => walk(read(f), new Hasher(), gunzip(), new Hasher()),
  },
  { id: 'walk-only', label: 'gunzip + tar-stream walk, no hashing', layer: (f) => walk(read(f), gunzip()) },
];

/** Runs one variant over `files` with `concurrency` layers in flight; returns milliseconds. */
export async function timeVariant(v: Variant, files: readonly string[], concurrency: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < files.length) await v.layer(files[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker));
  return performance.now() - t0;
}
