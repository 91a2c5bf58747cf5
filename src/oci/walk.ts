import { lstat, opendir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ImageError, type FileEntry } from '../core/index.js';

/** What the walker needs to know from the analyzers: which paths to read, and how much of them. */
export interface WalkOptions {
  /** Whether a path is wanted; `info` (mode bits, size) is given for regular files. */
  wants(path: string, info?: { mode: number; size: number }): boolean;
  /** Upper bound on the bytes of one file kept in memory. */
  maxFileSize(path: string, info?: { mode: number; size: number }): number;
  /** Receives each wanted regular file (sequentially; the walk waits for the promise). */
  onFile(file: FileEntry): Promise<void> | void;
  onWarning(message: string, path?: string): void;
  /** Called as uncompressed bytes flow (for progress displays). */
  onProgress?(bytes: number): void;
  signal?: AbortSignal;
}

/** The result of walking one layer: besides the files handed to `onFile`, what it removes from lower layers. */
export interface LayerWalk {
  /** Paths deleted from lower layers by `.wh.<name>` entries (each path and everything below it). */
  whiteouts: string[];
  /** Directories whose lower-layer content is hidden (`.wh..wh..opq`). */
  opaqueDirs: string[];
  /**
   * Wanted paths present in this layer but not handed over (symlinks, directories, oversized or special files):
   * they still hide the file of the same path in lower layers.
   */
  shadowed: string[];
  /** Wanted paths that are symlinks here, with their targets. */
  symlinks: Record<string, string>;
  /** Number of tar entries seen. */
  entries: number;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE = '.wh..wh..opq';
/** Content of wanted files up to this size is kept for the rest of the layer so hard links to them resolve. */
const HARDLINK_KEEP = 1024 * 1024;
const VIRTUAL_ROOT_DIRS = new Set(['proc', 'sys', 'dev']);

/**
 * Normalises a tar entry name to a relative POSIX path ("./etc//x" → "etc/x"). Names that escape the root
 * ("../x", "a/../../x") are refused: undefined. Absolute names are taken relative to the root, as container
 * runtimes do.
 */
export function normalizeEntryPath(name: string): string | undefined {
  if (name.includes('\0')) return undefined;
  let p = name.replace(/\\/g, '/');
  while (p.startsWith('/')) p = p.slice(1);
  if (p === '' || p === '.' || p === './') return '';
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

function mapTarError(e: unknown, what: string): Error {
  if (e instanceof ImageError) return e;
  const err = e as NodeJS.ErrnoException;
  const msg = err?.message ?? String(e);
  if (err?.code === 'Z_BUF_ERROR' || /unexpected end/i.test(msg) || /premature close/i.test(msg)) {
    return new ImageError('TRUNCATED_LAYER', `${what}: the layer ends before its tar archive does (truncated stream)`, { cause: e });
  }
  if (err?.code?.startsWith?.('Z_') || /incorrect header check|invalid (block|stored|distance|code)/i.test(msg)) {
    return new ImageError('MALFORMED_LAYER', `${what}: corrupt compressed data (${msg})`, { cause: e });
  }
  if (/zstd|frame|Unknown frame descriptor|Corrupted block/i.test(msg)) {
    return new ImageError('MALFORMED_LAYER', `${what}: corrupt zstd data (${msg})`, { cause: e });
  }
  if (/tar|header/i.test(msg)) {
    return new ImageError('MALFORMED_LAYER', `${what}: not a valid tar archive (${msg})`, { cause: e });
  }
  return new ImageError('MALFORMED_LAYER', `${what}: ${msg}`, { cause: e });
}

/** Streams a tar once, applying the whiteout conventions of the OCI image spec (layer.md#whiteouts). */
export async function walkTar(stream: Readable, opts: WalkOptions, what = 'layer'): Promise<LayerWalk> {
  const result: LayerWalk = { whiteouts: [], opaqueDirs: [], shadowed: [], symlinks: {}, entries: 0 };
  const kept = new Map<string, FileEntry>();
  const extract = tar.extract();
  let failure: Error | undefined;
  stream.on('error', (e) => {
    failure ??= mapTarError(e, what);
    extract.destroy(failure);
  });
  stream.pipe(extract);
  if (opts.onProgress) {
    // Attached after pipe(): the tar reader is already a consumer, so no byte can flow past it.
    let bytes = 0;
    const report = opts.onProgress;
    stream.on('data', (chunk: Buffer) => report((bytes += chunk.length)));
  }
  try {
    for await (const entry of extract) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      result.entries++;
      const h = entry.header;
      const p = normalizeEntryPath(h.name);
      if (p === undefined) {
        opts.onWarning(`skipped tar entry with a path outside the root: ${JSON.stringify(h.name)}`);
        entry.resume();
        continue;
      }
      const base = path.posix.basename(p);
      const dir = path.posix.dirname(p) === '.' ? '' : path.posix.dirname(p);
      if (base.startsWith(WHITEOUT_PREFIX)) {
        if (base === OPAQUE) result.opaqueDirs.push(dir);
        else {
          const target = base.slice(WHITEOUT_PREFIX.length);
          if (target && target !== '.' && target !== '..') result.whiteouts.push(dir ? `${dir}/${target}` : target);
        }
        entry.resume();
        continue;
      }
      const type = h.type;
      const isFile = type === 'file' || type === 'contiguous-file';
      const info = isFile ? { mode: h.mode ?? 0o644, size: h.size ?? 0 } : undefined;
      if (p === '' || !opts.wants(p, info)) {
        entry.resume();
        continue;
      }
      if (isFile) {
        const size = h.size ?? 0;
        const limit = opts.maxFileSize(p, info);
        if (size > limit) {
          opts.onWarning(`skipped ${p}: ${size} bytes is more than the ${limit}-byte limit for this file`, p);
          result.shadowed.push(p);
          entry.resume();
          continue;
        }
        const chunks: Buffer[] = [];
        let got = 0;
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          got += chunk.length;
          chunks.push(chunk);
        }
        if (got !== size) throw new ImageError('TRUNCATED_LAYER', `${what}: ${p} is shorter than its tar header says`);
        const file: FileEntry = { path: p, size, mode: h.mode ?? 0o644, content: Buffer.concat(chunks, got) };
        if (size <= HARDLINK_KEEP) kept.set(p, file);
        await opts.onFile(file);
      } else if (type === 'link') {
        const target = normalizeEntryPath(h.linkname ?? '');
        const source = target !== undefined ? kept.get(target) : undefined;
        entry.resume();
        if (source) {
          await opts.onFile({ ...source, path: p });
        } else {
          opts.onWarning(`skipped ${p}: hard link to ${JSON.stringify(h.linkname)}, which is missing from this layer or too large to keep`, p);
          result.shadowed.push(p);
        }
      } else if (type === 'symlink') {
        result.symlinks[p] = h.linkname ?? '';
        result.shadowed.push(p);
        entry.resume();
      } else {
        // Directories, devices, FIFOs at a wanted path: nothing to read, but they replace a lower file.
        result.shadowed.push(p);
        entry.resume();
      }
    }
  } catch (e) {
    stream.unpipe(extract);
    stream.destroy();
    throw failure ?? mapTarError(e, what);
  }
  if (failure) throw failure;
  return result;
}

/**
 * Walks a root filesystem directory as if it were a single layer. Symlinks are recorded, never followed, so a
 * hostile tree cannot make the walk leave `root` or loop.
 */
export async function walkDirectory(root: string, opts: WalkOptions): Promise<LayerWalk> {
  const result: LayerWalk = { whiteouts: [], opaqueDirs: [], shadowed: [], symlinks: {}, entries: 0 };
  const stack: string[] = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    let dir;
    try {
      dir = await opendir(path.join(root, rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (rel === '') throw new ImageError('NOT_FOUND', `cannot read directory ${root}: ${code ?? (e as Error).message}`, { cause: e });
      opts.onWarning(`skipped directory ${rel}: ${code ?? (e as Error).message}`, rel);
      continue;
    }
    const dirents = [];
    try {
      for await (const d of dir) dirents.push(d);
    } catch (e) {
      opts.onWarning(`skipped part of directory ${rel || '/'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, rel);
    }
    for (const d of dirents) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      result.entries++;
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        // Kernel pseudo-filesystems of a live root are not image content (Syft and Trivy skip them too).
        if (rel === '' && VIRTUAL_ROOT_DIRS.has(d.name)) continue;
        stack.push(p);
        continue;
      }
      const abs = path.join(root, p);
      if (d.isSymbolicLink()) {
        if (opts.wants(p)) result.symlinks[p] = await readlink(abs).catch(() => '');
        continue;
      }
      if (!d.isFile()) continue;
      try {
        // Binary analyzers select by mode and size, so every regular file is stat'ed (cheap next to reading).
        const st = await lstat(abs);
        const info = { mode: st.mode, size: st.size };
        if (!opts.wants(p, info)) continue;
        const limit = opts.maxFileSize(p, info);
        if (st.size > limit) {
          opts.onWarning(`skipped ${p}: ${st.size} bytes is more than the ${limit}-byte limit for this file`, p);
          continue;
        }
        const content = await readFile(abs);
        await opts.onFile({ path: p, size: content.length, mode: st.mode, content });
      } catch (e) {
        opts.onWarning(`skipped ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, p);
      }
    }
  }
  return result;
}
