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
   * Yields the records found under `mirror`. A malformed file or entry throws VulnDbError('MALFORMED_FEED') whose
   * message names the file (mirror-relative) and the entry; it never yields half a record.
   */
  read(mirror: string, ctx: FeedContext): AsyncIterable<FeedRecord>;
}

export type FeedRecord = { kind: 'advisory'; advisory: Advisory } | { kind: 'enrichment'; enrichment: CveEnrichment };

export interface FeedContext {
  /** Non-fatal remarks (an unknown ecosystem skipped, …): surfaced by `db update` and kept in `db status`. */
  warn(message: string): void;
  signal?: AbortSignal;
}
