import type { Advisory, AffectedPackage } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import { listMirrorFiles, readMirrorFiles } from '../../mirror/walk.js';
import { apk } from '../../versions/apk.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { parseSecdb, type SecdbFile } from './parse-secdb.js';

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

/** Groups secdb statements into one advisory per id (shared with the wolfi feed). */
export class SecdbAdvisories {
  private readonly byId = new Map<string, Advisory>();
  /** "<id> <distro> <pkg>" → the affected entry, to merge the same statement seen in several files. */
  private readonly entries = new Map<string, AffectedPackage>();

  constructor(private readonly source: string) {}

  add(distro: string, rel: string, file: SecdbFile, ctx: FeedContext): void {
    if (file.skipped.length) {
      const shown = file.skipped.slice(0, 3).join('; ');
      ctx.warn(`${this.source}: ${rel}: ${file.skipped.length} secfixes entries name no advisory id and were skipped: ${shown}${file.skipped.length > 3 ? '; …' : ''}`);
    }
    for (const s of file.statements) {
      const [id, ...aliases] = s.ids as [string, ...string[]];
      let adv = this.byId.get(id);
      if (!adv) {
        adv = { id, source: this.source, aliases: [], affected: [] };
        this.byId.set(id, adv);
      }
      for (const a of aliases) if (!adv.aliases.includes(a)) adv.aliases.push(a);
      const key = `${id} ${distro} ${s.pkg}`;
      const seen = this.entries.get(key);
      const entry: AffectedPackage =
        s.fixed === '0'
          ? { ecosystem: 'apk', distro, name: s.pkg, status: 'not-affected', ranges: [] }
          : {
              ecosystem: 'apk',
              distro,
              name: s.pkg,
              status: 'fixed',
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: s.fixed }] }],
            };
      if (s.note) entry.note = s.note;
      if (!seen) {
        this.entries.set(key, entry);
        adv.affected.push(entry);
      } else if (fixedOf(seen) !== s.fixed) {
        // The same id listed under two versions of one package (mostly a fix, then the fix of an incomplete
        // fix): the higher version is the one that has every fix; the other is named in the note.
        const [low, high] = apk.compare(fixedOf(seen), s.fixed) < 0 ? [seen, entry] : [entry, seen];
        Object.assign(seen, high, { note: [high.note, `also listed under ${fixedOf(low)}`].filter(Boolean).join('; ') });
      }
    }
  }

  values(): IterableIterator<Advisory> {
    return this.byId.values();
  }
}

function fixedOf(a: AffectedPackage): string {
  const fixed = a.ranges[0]?.events.find((e): e is { fixed: string } => 'fixed' in e);
  return fixed?.fixed ?? '0';
}
