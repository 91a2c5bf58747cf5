import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { repositoryFiles } from '../../mirror/repository-archive.js';
import { parseRustsecAdvisory, type RustsecAdvisory } from './parse-rustsec.js';

/**
 * RustSec: rustsec/advisory-db, the database cargo-audit reads, in its own format (`crates/<crate>/RUSTSEC-*.md`,
 * TOML front matter in Markdown). Versions become SEMVER ranges exactly as the RustSec crate converts them.
 *
 * Informational advisories (unmaintained, unsound, notice) are not vulnerabilities and produce no records; their
 * number is reported once through `ctx.warn`. Withdrawn advisories are kept with `withdrawn` set (never matched).
 */
const FOLDER = 'rustsec-advisory-db';
const ARCHIVE = 'main.zip';

export const feed: Feed = {
  id: 'rustsec',
  description: 'RustSec advisory-db (crates.io advisories, cargo-audit)',
  paths: [`${FOLDER}/`],
  upstream: [
    {
      url: 'https://github.com/rustsec/advisory-db/archive/refs/heads/main.zip',
      path: `${FOLDER}/${ARCHIVE}`,
      note: 'GitHub archive of the repository; crates/<crate>/RUSTSEC-*.md are read from it without extraction',
    },
  ],
  read: readRustsec,
};

const ADVISORY_FILE = /^crates\/[^/]+\/RUSTSEC-[^/]+\.md$/i;

async function* readRustsec(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const parsed: RustsecAdvisory[] = [];
  for await (const f of repositoryFiles(feed.id, mirror, FOLDER, ARCHIVE, (p) => ADVISORY_FILE.test(p), ctx.signal)) {
    parsed.push(parseRustsecAdvisory(f.where, f.data));
  }
  // Whole feed parsed before the first record: a malformed file fails the feed with nothing half-written.
  const informational = new Map<string, number>();
  for (const p of parsed) {
    if (p.informational) informational.set(p.informational, (informational.get(p.informational) ?? 0) + 1);
    else yield { kind: 'advisory', advisory: p.advisory };
  }
  if (informational.size) {
    const kinds = [...informational].map(([k, n]) => `${n} ${k}`).join(', ');
    ctx.warn(`rustsec: informational advisories are not vulnerabilities and were not imported: ${kinds}`);
  }
}
