import { VulnDbError } from '../../../core/index.js';
import { listMirrorFiles, readMirrorFiles } from '../../mirror/walk.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { parseSecdb } from '../../secdb/parse-secdb.js';
import { SecdbAdvisories } from '../../secdb/secdb-advisories.js';

/**
 * Alpine secdb (https://secdb.alpinelinux.org/): per branch and repository, which package version fixed which
 * CVE. Read from every secdb file under `alpine/` (JSON or YAML branch documents, vuln-list per-package files).
 *
 * Records: one advisory per id (the CVE, else XSA-…/TALOS-…) with one affected entry per (branch, package):
 * status "fixed" with the range {introduced 0, fixed v}, or "not-affected" for version "0". distro is
 * "alpine:3.19" ("alpine:edge"), from the file's `distroversion`, else from its path.
 */
export const ALPINE_BRANCHES: readonly string[] = [
  ...Array.from({ length: 13 }, (_, i) => `v3.${i + 10}`), // v3.10 … v3.22
  'edge',
];

export const feed: Feed = {
  id: 'alpine',
  description: 'Alpine Linux secdb (fixed versions per branch and repository)',
  paths: ['alpine/'],
  upstream: ALPINE_BRANCHES.flatMap((b) =>
    ['main', 'community'].map((repo) => ({
      url: `https://secdb.alpinelinux.org/${b}/${repo}.json`,
      path: `alpine/secdb/${b}/${repo}.json`,
      note: `Alpine ${b} ${repo}`,
    })),
  ),
  read: readAlpine,
};

const SECDB_FILE = /\.(json|ya?ml)$/i;

/** "v3.19" → "3.19"; "edge" stays; undefined when the text names no branch. */
export function alpineBranch(text: string): string | undefined {
  const m = /(?:^|[/\s-])v?(\d+\.\d+|edge)(?=$|[/.-])/.exec(text);
  return m?.[1];
}

async function* readAlpine(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const files: string[] = [];
  for (const p of feed.paths) files.push(...(await listMirrorFiles(mirror, p, (rel) => SECDB_FILE.test(rel))));
  const advisories = new SecdbAdvisories('alpine');
  for await (const { rel, data } of readMirrorFiles(mirror, files, { signal: ctx.signal })) {
    const file = parseSecdb(feed.id, rel, data);
    // The document's own distroversion first; vuln-list files and excerpts name the branch in their path.
    const branch = (file.distroversion && alpineBranch(file.distroversion)) ?? alpineBranch(rel);
    if (!branch) throw new VulnDbError('MALFORMED_FEED', `alpine: ${rel}: no distroversion, and the path names no branch (v3.N or edge)`);
    advisories.add(`alpine:${branch}`, rel, file, ctx);
  }
  // Whole feed parsed before the first record: a malformed file fails the feed with nothing half-written.
  for (const advisory of advisories.values()) yield { kind: 'advisory', advisory };
}
