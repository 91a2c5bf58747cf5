import { closeSync, fsyncSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, VulnDbError, type Advisory, type CveEnrichment, type EventSink } from '../../core/index.js';
import { defaultCacheDir, toolVersion } from '../../infra/index.js';
import type { DownloadContext, Feed, FeedContext } from '../feeds/feed.js';
import { feeds as registeredFeeds } from '../feeds/registry.js';
import { mirrorHas } from '../mirror/walk.js';
import { StoreBuilder, type FeedSummary } from '../store/store-builder.js';
import { Downloader, HttpStatusError, type DownloaderOptions } from './download.js';
import { acquireLock, processAlive } from './lock.js';

/**
 * `tollgate db update`: builds a complete new database beside the old one and swaps it in with one rename.
 *
 *  1. take `<db>.lock` (one update at a time; a lock left by a killed update is taken over);
 *  2. remove temporary files left by killed updates (`<db>.tmp-<pid>-…`, `<db>.download-<pid>-…`);
 *  3. online: download every feed's upstream files into `<db>.download-…/` in the mirror layout (or, with
 *     TOLLGATE_DB_MIRROR_URL, the files of an HTTP mirror of that layout); offline: read `--from DIR` as it is;
 *  4. write `<db>.tmp-<pid>-<random>` (durability off: the file is discarded on any failure), check it
 *     (`PRAGMA quick_check`), `ANALYZE` it, fsync it, rename it over `<db>` and fsync the folder.
 * A failure or a kill at any point leaves the previous database as it was.
 */

export interface UpdateOptions {
  /** Database file; default `defaultDbPath()`. */
  db?: string;
  /** Offline mirror folder (the layout of ../shared/data/vulndb); without it, upstream is downloaded. */
  from?: string;
  /** Feed ids to build from (default: every feed found in the mirror; online, every feed that is not opt-in). */
  feeds?: readonly string[];
  /** Base URL of an HTTP server exposing a mirror (default env TOLLGATE_DB_MIRROR_URL). */
  mirrorUrl?: string;
  events?: EventSink;
  /** Called when a feed starts and when it has been read. */
  onProgress?: (p: UpdateProgress) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Feeds to choose from (default: the registry); tests inject failing feeds here. */
  registry?: readonly Feed[];
  /** HTTP timeouts, retries and size limit of downloads (defaults in download.ts). */
  http?: Pick<DownloaderOptions, 'timeoutMs' | 'retries' | 'retryBaseMs' | 'maxRetryDelayMs' | 'maxBytes'>;
}

export type UpdateProgress =
  | { phase: 'download'; feed: string; files: number; bytes: number }
  | { phase: 'feed-start'; feed: string }
  | { phase: 'feed-done'; feed: string; summary: FeedSummary; ms: number }
  | { phase: 'finish' };

export interface UpdateSummary {
  db: string;
  /** The mirror folder read, or the base URL downloaded from. */
  source: string;
  builtAt: string;
  durationMs: number;
  sizeBytes: number;
  feeds: FeedSummary[];
  /** Feeds of the selection that had no files in the mirror. */
  missing: string[];
  advisories: number;
  affected: number;
  enrichments: number;
  groups: number;
}

/** `<cache dir>/db/tollgate.db`, or env TOLLGATE_DB. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TOLLGATE_DB ? path.resolve(env.TOLLGATE_DB) : path.join(defaultCacheDir(env), 'db', 'tollgate.db');
}

const BATCH = 2000;

export async function updateDb(opts: UpdateOptions = {}): Promise<UpdateSummary> {
  const started = performance.now();
  const env = opts.env ?? process.env;
  const dbPath = path.resolve(opts.db ?? defaultDbPath(env));
  const registry = opts.registry ?? registeredFeeds;
  const selected = selectFeeds(registry, opts.feeds);
  const events = opts.events ?? (() => {});
  await mkdir(path.dirname(dbPath), { recursive: true });

  const lock = acquireLock(dbPath);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmpDb = `${dbPath}.tmp-${tag}`;
  let downloadDir: string | undefined;
  let builder: StoreBuilder | undefined;
  const hadDb = await stat(dbPath).then(
    () => true,
    () => false,
  );
  // Ctrl-C ends the CLI with process.exit(): remove what this update wrote on the way out (a SIGKILL leaves the
  // files for the next update's removeStaleFiles).
  const onExit = () => {
    rmSync(tmpDb, { force: true });
    if (downloadDir) rmSync(downloadDir, { recursive: true, force: true });
    lock.release();
  };
  process.once('exit', onExit);
  try {
    removeStaleFiles(dbPath, events);
    let mirror: string;
    let source: string;
    let fetchedAt: string | undefined;
    let candidates = selected;
    if (opts.from) {
      mirror = path.resolve(opts.from);
      source = mirror;
      const st = await stat(mirror).catch(() => undefined);
      if (!st?.isDirectory()) throw new VulnDbError('FEED_NOT_FOUND', `--from ${opts.from}: no such folder`);
    } else {
      downloadDir = `${dbPath}.download-${tag}`;
      mirror = downloadDir;
      const mirrorUrl = opts.mirrorUrl || env.TOLLGATE_DB_MIRROR_URL || undefined;
      // Opt-in feeds (rate-limited APIs) are downloaded from upstream only when named; a mirror has no such limit.
      if (!opts.feeds && !mirrorUrl) candidates = selected.filter((f) => !f.optIn);
      source = mirrorUrl ?? 'upstream';
      await downloadFeeds(candidates, mirror, { mirrorUrl, env, events, signal: opts.signal, onProgress: opts.onProgress, http: opts.http });
      fetchedAt = new Date().toISOString();
    }

    const present: Feed[] = [];
    const missing: string[] = [];
    for (const feed of candidates) {
      const has = (await Promise.all(feed.paths.map((p) => mirrorHas(mirror, p)))).some(Boolean);
      if (has) present.push(feed);
      else missing.push(feed.id);
    }
    if (opts.feeds && missing.length) {
      throw new VulnDbError('FEED_NOT_FOUND', `${missing.join(', ')}: not found in ${source} (expected ${missing.map((id) => registry.find((f) => f.id === id)!.paths.join(' or ')).join('; ')})`);
    }
    if (present.length === 0) {
      const expected = [...new Set(candidates.flatMap((f) => f.paths))].join(', ');
      throw new VulnDbError('FEED_NOT_FOUND', `no feed found in ${source}: expected at least one of ${expected}`);
    }

    builder = new StoreBuilder(tmpDb);
    const builtAt = new Date().toISOString();
    const summaries = await readFeeds(builder, present, mirror, { events, signal: opts.signal, onProgress: opts.onProgress });
    for (const summary of summaries) {
      const feed = present.find((f) => f.id === summary.id)!;
      summary.origin = opts.from ? mirror : source === 'upstream' ? feed.upstream.map((u) => u.url).join(' ') || 'upstream' : source;
      if (fetchedAt) summary.fetchedAt = fetchedAt;
      builder.addFeed(summary, builtAt);
    }
    opts.onProgress?.({ phase: 'finish' });
    const counts = builder.finish({ built_at: builtAt, tool_version: toolVersion(), source });
    builder = undefined;

    fsyncFile(tmpDb);
    await rename(tmpDb, dbPath);
    fsyncFile(path.dirname(dbPath));
    return {
      db: dbPath,
      source,
      builtAt,
      durationMs: performance.now() - started,
      sizeBytes: statSync(dbPath).size,
      feeds: summaries,
      missing,
      ...counts,
    };
  } catch (e) {
    builder?.close();
    rmSync(tmpDb, { force: true });
    rmSync(`${tmpDb}-journal`, { force: true });
    throw failure(e, hadDb, dbPath);
  } finally {
    process.off('exit', onExit);
    if (downloadDir) await rm(downloadDir, { recursive: true, force: true });
    lock.release();
  }
}

function failure(e: unknown, hadDb: boolean, dbPath: string): unknown {
  if ((e as Error)?.name === 'AbortError') return e;
  const kept = hadDb ? `the previous database ${dbPath} is unchanged` : 'no database was written';
  if (e instanceof VulnDbError) {
    if (e.code === 'UPDATE_IN_PROGRESS') return e;
    return new VulnDbError(e.code, `${e.message} (${kept})`, { cause: e });
  }
  return new VulnDbError('UPDATE_FAILED', `database update failed: ${(e as Error)?.message ?? String(e)} (${kept})`, { cause: e });
}

function selectFeeds(registry: readonly Feed[], ids: readonly string[] | undefined): Feed[] {
  if (!ids) return [...registry];
  const unknown = ids.filter((id) => !registry.some((f) => f.id === id));
  if (unknown.length) throw new UsageError('INVALID_ARGUMENT', `unknown feed ${unknown.join(', ')}; known feeds: ${registry.map((f) => f.id).join(', ')}`);
  return registry.filter((f) => ids.includes(f.id));
}

interface ReadingOptions {
  events: EventSink;
  signal?: AbortSignal;
  onProgress?: (p: UpdateProgress) => void;
}

function emptySummary(feed: Feed): FeedSummary {
  return { id: feed.id, description: feed.description, origin: '', records: 0, advisories: 0, enrichments: 0, duplicates: 0, warnings: [] };
}

function count(summary: FeedSummary, advisories: number, enrichments: number): void {
  summary.records += advisories + enrichments;
  summary.advisories += advisories;
  summary.enrichments += enrichments;
}

/**
 * Reads the feeds one after the other, inserting batches as they come. (Reading feeds on worker threads was tried:
 * on a busy 2-core machine it was slower, each worker loading the module graph again; YAML, the costly part, is
 * decoded on worker threads by the feeds that need it, see mirror/yaml-pool.ts.)
 */
async function readFeeds(builder: StoreBuilder, feeds: readonly Feed[], mirror: string, opts: ReadingOptions): Promise<FeedSummary[]> {
  const out: FeedSummary[] = [];
  for (const feed of feeds) {
    opts.signal?.throwIfAborted();
    const t0 = performance.now();
    opts.onProgress?.({ phase: 'feed-start', feed: feed.id });
    const summary = emptySummary(feed);
    const ctx: FeedContext = {
      warn: (message) => {
        summary.warnings.push(message);
        opts.events({ type: 'warning', message, code: 'FEED_WARNING' });
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    let advisories: Advisory[] = [];
    let enrichments: CveEnrichment[] = [];
    const flush = () => {
      summary.duplicates += builder.addBatch(feed.id, advisories, enrichments).duplicates;
      count(summary, advisories.length, enrichments.length);
      advisories = [];
      enrichments = [];
    };
    for await (const r of feed.read(mirror, ctx)) {
      if (r.kind === 'advisory') advisories.push(r.advisory);
      else enrichments.push(r.enrichment);
      if (advisories.length + enrichments.length >= BATCH) flush();
    }
    flush();
    out.push(summary);
    opts.onProgress?.({ phase: 'feed-done', feed: feed.id, summary, ms: performance.now() - t0 });
  }
  return out;
}

/** Temporary files of updates that were killed: removed while holding the lock (no live update owns them). */
function removeStaleFiles(dbPath: string, events: EventSink): void {
  const dir = path.dirname(dbPath);
  const base = path.basename(dbPath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${escapeRegExp(base)}\\.(?:tmp|download)-(\\d+)-`).exec(name) ?? new RegExp(`^${escapeRegExp(base)}\\.lock\\.(\\d+)\\.`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    rmSync(path.join(dir, name), { recursive: true, force: true });
    events({ type: 'debug', message: `removed ${name}, left by an interrupted update` });
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function fsyncFile(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } catch (e) {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL' && (e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
  } finally {
    closeSync(fd);
  }
}

async function downloadFeeds(
  feeds: readonly Feed[],
  into: string,
  opts: {
    mirrorUrl?: string;
    env: NodeJS.ProcessEnv;
    events: EventSink;
    signal?: AbortSignal;
    onProgress?: (p: UpdateProgress) => void;
    http?: UpdateOptions['http'];
  },
): Promise<void> {
  const dl = new Downloader({ ...opts.http, events: opts.events, ...(opts.signal ? { signal: opts.signal } : {}), userAgent: `tollgate/${toolVersion()}` });
  try {
    await mkdir(into, { recursive: true });
    if (opts.mirrorUrl) {
      await downloadFromMirror(dl, feeds, into, opts.mirrorUrl.replace(/\/+$/, ''), opts);
      return;
    }
    for (const feed of feeds) {
      let files = 0;
      let bytes = 0;
      const ctx: DownloadContext = {
        download: async (url, rel, o) => {
          const r = await dl.toFile(url, into, rel, o?.headers);
          files++;
          bytes += r.bytes;
          return r;
        },
        getJson: (url, o) => dl.json(url, o?.headers),
        env: opts.env,
        sleep: (ms) => sleep(ms, undefined, opts.signal ? { signal: opts.signal } : {}),
        warn: (message) => opts.events({ type: 'warning', message }),
        ...(opts.signal ? { signal: opts.signal } : {}),
      };
      if (feed.download) await feed.download(into, ctx);
      else {
        for (const u of feed.upstream) {
          try {
            await ctx.download(u.url, u.path);
          } catch (e) {
            // An upstream that no longer serves one file is reported; the feed is then built from what there is.
            if (e instanceof HttpStatusError && e.status === 404) opts.events({ type: 'warning', message: `${feed.id}: ${u.url}: not found (HTTP 404)` });
            else throw e;
          }
        }
      }
      opts.onProgress?.({ phase: 'download', feed: feed.id, files, bytes });
    }
  } finally {
    await dl.close();
  }
}

/**
 * An HTTP mirror of the offline layout. Its `MANIFEST.tsv` (first column: mirror-relative path, as in
 * ../shared/data/vulndb) lists the files; without one, each feed's upstream `path`s are fetched from it.
 */
async function downloadFromMirror(
  dl: Downloader,
  feeds: readonly Feed[],
  into: string,
  base: string,
  opts: { events: EventSink; onProgress?: (p: UpdateProgress) => void; signal?: AbortSignal },
): Promise<void> {
  const url = (rel: string) => `${base}/${rel.split('/').map(encodeURIComponent).join('/')}`;
  let manifest: string[] | undefined;
  try {
    await dl.toFile(url('MANIFEST.tsv'), into, 'MANIFEST.tsv');
    manifest = (await readFile(path.join(into, 'MANIFEST.tsv'), 'utf8'))
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t')[0]!.trim())
      .filter((p) => p && !p.startsWith('/') && !p.split('/').includes('..'));
  } catch (e) {
    if (!(e instanceof HttpStatusError && e.status === 404)) throw e;
  }
  for (const feed of feeds) {
    const wanted = manifest
      ? manifest.filter((p) => feed.paths.some((fp) => (fp.endsWith('/') ? p.startsWith(fp) : p === fp)))
      : feed.upstream.map((u) => u.path);
    let files = 0;
    let bytes = 0;
    // A few requests in flight: thousands of small record files would otherwise wait on round trips.
    const queue = [...wanted];
    const worker = async () => {
      for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
        try {
          bytes += (await dl.toFile(url(rel), into, rel)).bytes;
          files++;
        } catch (e) {
          if (e instanceof HttpStatusError && e.status === 404) opts.events({ type: 'warning', message: `${feed.id}: ${rel}: not on the mirror ${base}` });
          else {
            queue.length = 0; // the other workers stop after their current file
            throw e;
          }
        }
      }
    };
    // Settle every worker before failing, so that nothing writes into the folder while it is being removed.
    const results = await Promise.allSettled(Array.from({ length: 8 }, worker));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    opts.onProgress?.({ phase: 'download', feed: feed.id, files, bytes });
  }
}
