import type { Advisory } from '../../../core/index.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { parseRubysecAdvisory } from './parse-rubysec.js';
import { repositoryFiles } from '../../mirror/repository-archive.js';

/**
 * RubySec: rubysec/ruby-advisory-db, the database bundler-audit reads, in its own YAML (`gems/<gem>/<id>.yml`).
 * `rubies/` (advisories against the Ruby interpreters: ruby, jruby, mruby…) is not read: those are not gems, and
 * an interpreter in an image is an OS package (matched through the distribution's feed) or a source build that no
 * analyzer reports as a gem.
 *
 * The advisory id is the file name (CVE-…, GHSA-…, OSVDB-…). The same file name under two gems (a Rails CVE filed
 * for actionpack and actionview) is one advisory with one affected entry per gem.
 */
const FOLDER = 'ruby-advisory-db';
const ARCHIVE = 'master.zip';

export const feed: Feed = {
  id: 'rubysec',
  description: 'RubySec ruby-advisory-db (RubyGems advisories, bundler-audit)',
  paths: [`${FOLDER}/`],
  upstream: [
    {
      url: 'https://github.com/rubysec/ruby-advisory-db/archive/refs/heads/master.zip',
      path: `${FOLDER}/${ARCHIVE}`,
      note: 'GitHub archive of the repository; gems/<gem>/<id>.yml are read from it without extraction',
    },
  ],
  read: readRubysec,
};

const GEM_FILE = /^gems\/[^/]+\/[^/]+\.ya?ml$/i;

async function* readRubysec(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const byId = new Map<string, Advisory>();
  for await (const f of repositoryFiles(feed.id, mirror, FOLDER, ARCHIVE, (p) => GEM_FILE.test(p), ctx.signal)) {
    const adv = parseRubysecAdvisory(f.where, f.data);
    const seen = byId.get(adv.id);
    if (seen) mergeInto(seen, adv);
    else byId.set(adv.id, adv);
  }
  // Whole feed parsed before the first record: a malformed file fails the feed with nothing half-written.
  for (const advisory of byId.values()) yield { kind: 'advisory', advisory };
}

/** Adds another gem's statement of the same advisory id; the first file's texts are kept. */
function mergeInto(into: Advisory, other: Advisory): void {
  for (const a of other.aliases) if (!into.aliases.includes(a)) into.aliases.push(a);
  for (const r of other.references ?? []) if (!(into.references ??= []).includes(r)) into.references.push(r);
  for (const r of other.related ?? []) if (!(into.related ??= []).includes(r)) into.related.push(r);
  into.affected.push(...other.affected);
}
