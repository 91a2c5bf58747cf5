import type { Advisory } from '../../../core/index.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { repositoryFiles } from '../../mirror/repository-archive.js';
import { parseFriendsOfPhpAdvisory, type FriendsOfPhpAdvisory } from './parse-friendsofphp.js';

/**
 * FriendsOfPHP/security-advisories, the Packagist advisory database (Symfony's and the PHP Security Advisories
 * Checker's source), in its own YAML: `<vendor>/<package>/<name>.yaml`.
 *
 * Advisory ids: the CVE when the file names one, else the file name when it is an advisory id of its own
 * (GHSA-…, SilverStripe SS-…, Zend ZF…), else the repository path "<vendor>/<package>/<date-name>" (files named
 * by date are only unique per package). Files of several packages with the same id make one advisory with one
 * affected entry per package.
 */
const FOLDER = 'friendsofphp-security-advisories';
const ARCHIVE = 'master.zip';

export const feed: Feed = {
  id: 'friendsofphp',
  description: 'FriendsOfPHP security-advisories (Packagist/Composer advisories)',
  paths: [`${FOLDER}/`],
  upstream: [
    {
      url: 'https://github.com/FriendsOfPHP/security-advisories/archive/refs/heads/master.zip',
      path: `${FOLDER}/${ARCHIVE}`,
      note: 'GitHub archive of the repository; <vendor>/<package>/*.yaml are read from it without extraction',
    },
  ],
  read: readFriendsOfPhp,
};

const ADVISORY_FILE = /^[^/.][^/]*\/[^/]+\/[^/]+\.ya?ml$/i;
const DATE_NAME = /^\d{4}-\d{2}-\d{2}(?:-\d+)?$/;

export function advisoryId(path: string, a: FriendsOfPhpAdvisory): string {
  if (a.cve && /^CVE-\d{4}-\d+$/.test(a.cve)) return a.cve;
  if (!DATE_NAME.test(a.name)) return a.name;
  return path.replace(/\.ya?ml$/i, '');
}

async function* readFriendsOfPhp(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const byId = new Map<string, Advisory>();
  for await (const f of repositoryFiles(feed.id, mirror, FOLDER, ARCHIVE, (p) => ADVISORY_FILE.test(p), ctx.signal)) {
    const a = parseFriendsOfPhpAdvisory(f.where, f.path, f.data);
    const id = advisoryId(f.path, a);
    const aliases = [a.cve, a.name].filter((x): x is string => !!x && x !== id && !DATE_NAME.test(x));
    const seen = byId.get(id);
    if (seen) {
      for (const x of aliases) if (!seen.aliases.includes(x)) seen.aliases.push(x);
      if (a.link && !(seen.references ??= []).includes(a.link)) seen.references.push(a.link);
      seen.affected.push(...a.affected);
      continue;
    }
    byId.set(id, {
      id,
      source: 'friendsofphp',
      aliases,
      ...(a.title ? { summary: a.title } : {}),
      ...(a.published ? { published: a.published } : {}),
      ...(a.link ? { references: [a.link] } : {}),
      affected: a.affected,
    });
  }
  // Whole feed parsed before the first record: a malformed file fails the feed with nothing half-written.
  for (const advisory of byId.values()) yield { kind: 'advisory', advisory };
}
