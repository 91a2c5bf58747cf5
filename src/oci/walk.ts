import { lstat, opendir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ImageError, type FileEntry } from '../core/index.js';
import { TarReader, type TarEntry, type TarHeader } from './tar-reader.js';

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

/**
 * What walkTar decides about an entry when its header is read: the reader must know whether to collect a file
 * before its data arrives. The rest of the entry's handling waits until the entry comes out of the reader, so
 * that warnings and `onFile` calls keep archive order.
 */
interface Plan {
  readonly kind: 'skip' | 'outside' | 'whiteout' | 'wanted';
  /** Normalised path (whiteouts and wanted entries). */
  readonly p: string;
  /** Wanted regular files within their size limit: the reader collects their bytes. */
  readonly collect: boolean;
  /** The size limit of a wanted regular file. */
  readonly limit: number;
}

const SKIP: Plan = { kind: 'skip', p: '', collect: false, limit: 0 };
const OUTSIDE: Plan = { kind: 'outside', p: '', collect: false, limit: 0 };

/** Streams a tar once, applying the whiteout conventions of the OCI image spec (layer.md#whiteouts). */
export async function walkTar(stream: Readable, opts: WalkOptions, what = 'layer'): Promise<LayerWalk> {
  const result: LayerWalk = { whiteouts: [], opaqueDirs: [], shadowed: [], symlinks: {}, entries: 0 };
  const kept = new Map<string, FileEntry>();

  const decide = (h: TarHeader): Plan => {
    const p = normalizeEntryPath(h.name);
    if (p === undefined) return OUTSIDE;
    if (p.startsWith(WHITEOUT_PREFIX, p.lastIndexOf('/') + 1)) return { kind: 'whiteout', p, collect: false, limit: 0 };
    const isFile = h.type === 'file' || h.type === 'contiguous-file';
    const info = isFile ? { mode: h.mode, size: h.size } : undefined;
    if (p === '' || !opts.wants(p, info)) return SKIP;
    const limit = isFile ? opts.maxFileSize(p, info) : 0;
    return { kind: 'wanted', p, collect: isFile && h.size <= limit, limit };
  };

  /** Handles one entry in archive order; returns a promise only when `onFile` does. */
  const handle = (e: TarEntry<Plan>): Promise<void> | void => {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    result.entries++;
    const { header: h, tag: plan } = e;
    if (plan.kind === 'skip') return;
    if (plan.kind === 'outside') {
      opts.onWarning(`skipped tar entry with a path outside the root: ${JSON.stringify(h.name)}`);
      return;
    }
    const p = plan.p;
    if (plan.kind === 'whiteout') {
      const base = path.posix.basename(p);
      const dir = path.posix.dirname(p) === '.' ? '' : path.posix.dirname(p);
      if (base === OPAQUE) result.opaqueDirs.push(dir);
      else {
        const target = base.slice(WHITEOUT_PREFIX.length);
        if (target && target !== '.' && target !== '..') result.whiteouts.push(dir ? `${dir}/${target}` : target);
      }
      return;
    }
    const type = h.type;
    if (type === 'file' || type === 'contiguous-file') {
      const size = h.size;
      if (!plan.collect) {
        opts.onWarning(`skipped ${p}: ${size} bytes is more than the ${plan.limit}-byte limit for this file`, p);
        result.shadowed.push(p);
        return;
      }
      const file: FileEntry = { path: p, size, mode: h.mode, content: e.content! };
      if (size <= HARDLINK_KEEP) kept.set(p, file);
      return opts.onFile(file);
    }
    if (type === 'link') {
      const target = normalizeEntryPath(h.linkname);
      const source = target !== undefined ? kept.get(target) : undefined;
      if (source) return opts.onFile({ ...source, path: p });
      opts.onWarning(`skipped ${p}: hard link to ${JSON.stringify(h.linkname)}, which is missing from this layer or too large to keep`, p);
      result.shadowed.push(p);
    } else if (type === 'symlink') {
      result.symlinks[p] = h.linkname;
      result.shadowed.push(p);
    } else {
      // Directories, devices, FIFOs, sparse and unknown entries at a wanted path: nothing to read, but they
      // replace a lower file.
      result.shadowed.push(p);
    }
  };

  const reader = new TarReader<Plan>(decide, what);
  // Chunks come from 'data' events (flowing mode hands over each chunk as it is; the async iterator would
  // concatenate whatever is buffered) and wait here while an entry's onFile runs: the stream is paused then.
  const queue: Buffer[] = [];
  let ended = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  let bytes = 0;
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    if (opts.onProgress) opts.onProgress((bytes += chunk.length));
    if (wake) {
      const w = wake;
      wake = undefined;
      w();
    } else stream.pause();
  };
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (e: unknown) => {
    error ??= e;
    wake?.();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  try {
    for (;;) {
      if (error !== undefined) throw error;
      const chunk = queue.shift();
      if (chunk === undefined) {
        if (ended) break;
        const next = new Promise<void>((resolve) => (wake = resolve));
        stream.resume();
        await next;
        continue;
      }
      // After the end-of-archive blocks the rest is still read: the diffID is verified at the stream's end.
      if (reader.finished) continue;
      for (const entry of reader.push(chunk)) {
        const pending = handle(entry);
        if (pending) await pending;
      }
    }
    reader.end();
  } catch (e) {
    stream.destroy();
    // A stream error (bad gzip, digest mismatch) explains a failure better than what the tar reader saw of it.
    throw mapTarError(error ?? e, what);
  } finally {
    // The error listener stays: an error emitted after the walk must not become an uncaught exception.
    stream.off('data', onData);
    stream.off('end', onEnd);
  }
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
