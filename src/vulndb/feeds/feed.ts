import type { Advisory, CveEnrichment } from '../../core/index.js';

/**
 * A vulnerability feed (DESIGN.md §2: one folder under feeds/ + one line in feeds/registry.ts).
 *
 * A feed reads **its own upstream format** from a mirror directory whose layout is the same whether it was
 * downloaded by `tollgate db update` or prepared by hand for an air-gapped install (`--from DIR`):
 * `../shared/data/vulndb/` is such a mirror. `paths` are the mirror-relative folders/files the feed owns.
 * Parsing is pure (bytes → records, DESIGN.md §3.3); `read` only walks the files and hands them to the parser.
 */
export interface Feed {
  /** Folder name under src/vulndb/feeds/ (the contract test checks it). */
  readonly id: string;
  readonly description: string;
  /** Mirror-relative paths this feed reads (folders or files); the feed is skipped when none exists. */
  readonly paths: readonly string[];
  /** Where `db update` downloads it from when not offline: each URL saved under the mirror-relative `path`. */
  readonly upstream: readonly { url: string; path: string; note?: string }[];
  /**
   * Optional: an online `db update` downloads this feed only when `--feeds` names it (large or rate-limited
   * upstreams such as the NVD API). Offline (`--from DIR`) every feed found in the mirror is read.
   */
  readonly optIn?: boolean;
  /**
   * Optional: downloads upstream into `into` (the mirror layout) itself, for paged APIs that a fixed URL list cannot
   * describe. When absent, `db update` fetches each `upstream` URL to its `path`.
   */
  download?(into: string, ctx: DownloadContext): Promise<void>;
  /**
   * Yields the records found under `mirror`. A malformed file or entry throws VulnDbError('MALFORMED_FEED') whose
   * message names the file (mirror-relative) and the entry; it never yields half a record.
   */
  read(mirror: string, ctx: FeedContext): AsyncIterable<FeedRecord>;
}

export type FeedRecord = { kind: 'advisory'; advisory: Advisory } | { kind: 'enrichment'; enrichment: CveEnrichment };

export interface DownloadContext {
  /** GETs `url` (retries, timeouts and size limits included) and saves the body to the mirror-relative `path`. */
  download(url: string, path: string, opts?: { headers?: Record<string, string> }): Promise<{ bytes: number }>;
  /** GETs `url` and parses the JSON body (bounded like download). */
  getJson(url: string, opts?: { headers?: Record<string, string> }): Promise<unknown>;
  env: NodeJS.ProcessEnv;
  /** Waits, e.g. between pages of a rate-limited API; rejects when the update is aborted. */
  sleep(ms: number): Promise<void>;
  warn(message: string): void;
  signal?: AbortSignal;
}

export interface FeedContext {
  /** Non-fatal remarks (an unknown ecosystem skipped, …): surfaced by `db update` and kept in `db status`. */
  warn(message: string): void;
  signal?: AbortSignal;
}
