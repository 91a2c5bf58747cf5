import type { Advisory } from '../../../core/index.js';
import { listMirrorFiles, readMirrorFiles } from '../../mirror/walk.js';
import type { Feed, FeedContext, FeedRecord } from '../feed.js';
import { parseTrackerJson } from './parse-tracker-json.js';
import { cveListAdvisories, listAdvisories, parseTrackerList, type ListEntry, type ListKind } from './parse-tracker-list.js';
import { DebianReleases } from './releases.js';

/**
 * The Debian security tracker (https://security-tracker.debian.org/tracker/), in its own formats, from every file
 * under `debian/`, recognised by name:
 *  - `distributions.json` (security-tracker static/distributions.json): codename → major version;
 *  - `data/DSA/list`, `data/DLA/list` (or `DSA-list…`, `DLA-list…`): DSA/DLA advisories, which link the advisory
 *    ids to CVE ids (the store's alias groups) and state fixed versions per release;
 *  - `data/CVE/list` (or `CVE-list…`): per-CVE statements, used for the (CVE, package) pairs the JSON lacks;
 *  - any other `*.json`: the tracker JSON export, the main source (see parse-tracker-json.ts).
 * CVE advisories list the DSA/DLA ids that fixed them as aliases.
 */
const TRACKER = 'https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master';

export const feed: Feed = {
  id: 'debian',
  description: 'Debian security tracker (JSON export, DSA and DLA lists)',
  paths: ['debian/'],
  upstream: [
    { url: 'https://security-tracker.debian.org/tracker/data/json', path: 'debian/security-tracker-json/debian.json', note: 'every source package × CVE × release' },
    { url: `${TRACKER}/data/DSA/list`, path: 'debian/security-tracker/data/DSA/list', note: 'Debian Security Advisories' },
    { url: `${TRACKER}/data/DLA/list`, path: 'debian/security-tracker/data/DLA/list', note: 'Debian LTS Advisories' },
    { url: `${TRACKER}/static/distributions.json`, path: 'debian/security-tracker/static/distributions.json', note: 'codename → version' },
  ],
  read: readDebian,
};

/** What a file under debian/ is, by its name. */
export function debianFileKind(rel: string): 'distributions' | 'json' | ListKind | undefined {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  if (base === 'distributions.json') return 'distributions';
  const list = /(?:^|\/)(CVE|DSA|DLA)(?:\/list|-list[^/]*)$/.exec(rel);
  if (list) return list[1] as ListKind;
  if (/\.json$/i.test(base)) return 'json';
  return undefined;
}

async function* readDebian(mirror: string, ctx: FeedContext): AsyncGenerator<FeedRecord> {
  const files: string[] = [];
  for (const p of feed.paths) files.push(...(await listMirrorFiles(mirror, p, (rel) => debianFileKind(rel) !== undefined)));
  const kindOf = (f: string) => debianFileKind(f)!;
  // distributions.json first: every other file's codenames are resolved with it.
  files.sort((a, b) => Number(kindOf(b) === 'distributions') - Number(kindOf(a) === 'distributions'));

  const releases = new DebianReleases();
  const unknownReleases = new Set<string>();
  const byId = new Map<string, Advisory>();
  const inJson = new Set<string>();
  const lists: { kind: ListKind; entries: ListEntry[] }[] = [];
  const add = (a: Advisory) => {
    const seen = byId.get(a.id);
    if (!seen) return void byId.set(a.id, a);
    for (const x of a.aliases) if (!seen.aliases.includes(x)) seen.aliases.push(x);
    for (const r of a.references ?? []) if (!(seen.references ??= []).includes(r)) seen.references.push(r);
    seen.details ??= a.details;
    seen.summary ??= a.summary;
    seen.affected.push(...a.affected);
  };

  for await (const { rel, data } of readMirrorFiles(mirror, files, { signal: ctx.signal })) {
    const kind = kindOf(rel);
    if (kind === 'distributions') {
      releases.addDistributionsJson(rel, data);
    } else if (kind === 'json') {
      const r = parseTrackerJson(rel, data, releases);
      for (const a of r.advisories) {
        for (const p of a.affected) inJson.add(`${a.id} ${p.name}`);
        add(a);
      }
      for (const c of r.unknownReleases) unknownReleases.add(c);
    } else {
      const r = parseTrackerList(kind, rel, data);
      for (const w of r.warnings) ctx.warn(`debian: ${w}`);
      lists.push({ kind, entries: r.entries });
    }
  }

  // DSA/DLA advisories, and the reverse links CVE → DSA/DLA.
  const fixedBy = new Map<string, string[]>();
  for (const { kind, entries } of lists) {
    if (kind === 'CVE') continue;
    for (const a of listAdvisories(entries, releases, unknownReleases)) {
      add(a);
      for (const cve of a.aliases.filter((x) => x.startsWith('CVE-'))) fixedBy.set(cve, [...(fixedBy.get(cve) ?? []), a.id]);
    }
  }
  for (const { kind, entries } of lists) {
    if (kind !== 'CVE') continue;
    for (const a of cveListAdvisories(entries, releases, unknownReleases, (id, pkg) => inJson.has(`${id} ${pkg}`))) add(a);
  }
  for (const [cve, ids] of fixedBy) {
    const a = byId.get(cve);
    if (a) for (const id of ids) if (!a.aliases.includes(id)) a.aliases.push(id);
  }
  if (unknownReleases.size) {
    ctx.warn(`debian: statements about releases with no known version were skipped: ${[...unknownReleases].sort().join(', ')}`);
  }
  // Whole feed parsed before the first record: a malformed file fails the feed with nothing half-written.
  for (const advisory of byId.values()) yield { kind: 'advisory', advisory };
}
