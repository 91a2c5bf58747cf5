import { parse as parseYaml } from 'yaml';
import type { Advisory, AffectedPackage, Severity } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import { cvssSeverity } from '../../cvss.js';
import { bumpGemVersion, compareGemVersions, GemVersionError, parseGemRequirement, type GemConstraint } from './gem-version.js';
import { complement, intersect, toRanges, union, type Interval } from '../../version-intervals.js';

/**
 * One ruby-advisory-db advisory (https://github.com/rubysec/ruby-advisory-db#schema), `gems/<gem>/<id>.yml`:
 *
 *   gem: rack                      cve: 2011-5036   ghsa: v6j3-7jrw-hq2p   osvdb: 78121
 *   title, description, date, url, cvss_v2 / cvss_v3 / cvss_v4 (scores, no vectors), platform (e.g. jruby)
 *   patched_versions: ["~> 1.1.3", ">= 1.4.0"]     unaffected_versions: ["< 1.0"]
 *   related: {cve: [...], ghsa: [...], url: [...]}
 *
 * bundler-audit's rule (lib/bundler/audit/advisory.rb): a version is vulnerable iff it satisfies none of the
 * patched and none of the unaffected requirements, each requirement being `Gem::Requirement.new(*s.split(', '))`.
 * That complement becomes OSV ECOSYSTEM ranges, exact with one exception: an affected interval that starts just
 * above a version (after `<= x` or `= x`) cannot be written as an `introduced` event in the dense RubyGems
 * ordering, so it starts at x and the requirement sets go into `AffectedPackage.unaffected` for the matcher.
 */

type Obj = Record<string, unknown>;

class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The YAML is read with the failsafe schema (every scalar a string: "1.10" stays "1.10"); these are its nulls. */
function absent(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === '~' || v === 'null';
}

function optStr(d: Obj, field: string): string | undefined {
  const v = d[field];
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw new FieldError(field, `expected a string, found ${describe(v)}`);
  return v;
}

function optStrings(d: Obj, field: string): string[] {
  const v = d[field];
  if (absent(v)) return [];
  if (!Array.isArray(v)) throw new FieldError(field, `expected a list, found ${describe(v)}`);
  return v.map((x, i) => {
    if (typeof x !== 'string') throw new FieldError(`${field}[${i}]`, `expected a string, found ${describe(x)}`);
    return x;
  });
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' && v !== null ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function optScore(d: Obj, field: string): number | undefined {
  const s = optStr(d, field);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0 || n > 10) throw new FieldError(field, `expected a CVSS score 0-10, found ${JSON.stringify(s)}`);
  return n;
}

/** Prefixes an id field the way the upstream README documents it ("cve: 2011-5036" is CVE-2011-5036). */
function prefixed(prefix: string, v: string): string {
  return v.toUpperCase().startsWith(`${prefix}-`) ? v : `${prefix}-${v}`;
}

function constraintIntervals(c: GemConstraint): Interval[] {
  const b = (inclusive: boolean) => ({ version: c.version, inclusive });
  switch (c.op) {
    case '=':
      return [{ lo: b(true), hi: b(true) }];
    case '!=':
      return [{ hi: b(false) }, { lo: b(false) }];
    case '>':
      return [{ lo: b(false) }];
    case '>=':
      return [{ lo: b(true) }];
    case '<':
      return [{ hi: b(false) }];
    case '<=':
      return [{ hi: b(true) }];
    case '~>':
      // v >= r && v.release < r.bump. The versions whose release is below B = r.bump are exactly those below
      // "B.A": "A" is the smallest string segment, and any version with release >= B is >= B.A.
      return [{ lo: b(true), hi: { version: `${bumpGemVersion(c.version)}.A`, inclusive: false } }];
  }
}

/**
 * The versions affected by an advisory whose patched/unaffected requirement lists are given, as OSV ranges;
 * `unaffected` is set when the ranges over-approximate (see the file comment).
 */
export function gemAffectedRanges(requirements: readonly string[]): Pick<AffectedPackage, 'ranges' | 'unaffected'> {
  const sets = requirements.map(parseGemRequirement);
  const notAffected: Interval[] = [];
  for (const set of sets) {
    let acc: Interval[] = [{}];
    for (const c of set) acc = intersect(acc, constraintIntervals(c), compareGemVersions);
    notAffected.push(...acc);
  }
  const { ranges, exact } = toRanges(complement(union(notAffected, compareGemVersions)), 'ECOSYSTEM');
  // Requirements that leave no version affected (a malicious-release advisory whose "unaffected" lists cover
  // everything) give no ranges; the caller then states nothing affected rather than an entry without ranges.
  return exact ? { ranges } : { ranges, unaffected: sets.map((set) => set.map((c) => `${c.op} ${c.version}`)) };
}

/** Parses one `gems/<gem>/<id>.yml`; `rel` is its mirror-relative path (the advisory id is the file name). */
export function parseRubysecAdvisory(rel: string, data: Buffer | string): Advisory {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const id = (rel.split('/').pop() ?? rel).replace(/\.ya?ml$/i, '');
  const where = `rubysec: ${rel}: ${id}`;
  let doc: unknown;
  try {
    doc = parseYaml(text, { schema: 'failsafe' });
  } catch (e) {
    throw new VulnDbError('MALFORMED_FEED', `${where}: not valid YAML: ${String((e as Error).message).split('\n')[0]}`, { cause: e });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new VulnDbError('MALFORMED_FEED', `${where}: expected a mapping of advisory fields, found ${describe(doc)}`);
  }
  try {
    return toAdvisory(id, doc as Obj);
  } catch (e) {
    if (e instanceof FieldError || e instanceof GemVersionError) {
      throw new VulnDbError('MALFORMED_FEED', `${where}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function toAdvisory(id: string, d: Obj): Advisory {
  const gem = optStr(d, 'gem');
  if (!gem) throw new FieldError('gem', 'missing (interpreter advisories under rubies/ are not gem advisories)');

  const cve = optStr(d, 'cve');
  const ghsa = optStr(d, 'ghsa');
  const osvdb = optStr(d, 'osvdb');
  const ids = [cve && prefixed('CVE', cve), ghsa && prefixed('GHSA', ghsa), osvdb && prefixed('OSVDB', osvdb)];
  const aliases = ids.filter((x): x is string => !!x && x !== id);

  let relatedIds: string[] = [];
  const references: string[] = [];
  const url = optStr(d, 'url');
  if (url) references.push(url);
  const related = d.related;
  if (!absent(related)) {
    if (typeof related !== 'object' || related === null || Array.isArray(related)) {
      throw new FieldError('related', `expected a mapping, found ${describe(related)}`);
    }
    const r = related as Obj;
    relatedIds = [
      ...optStrings(r, 'cve').map((c) => prefixed('CVE', c)),
      ...optStrings(r, 'ghsa').map((g) => prefixed('GHSA', g)),
      ...optStrings(r, 'osvdb').map((o) => prefixed('OSVDB', o)),
    ].filter((x) => x !== id && !aliases.includes(x));
    for (const u of optStrings(r, 'url')) if (!references.includes(u)) references.push(u);
  }

  // The most recent CVSS version the advisory scores decides the severity (only scores are given, no vectors).
  let severity: Severity | undefined;
  for (const [field, version] of [
    ['cvss_v4', '4.0'],
    ['cvss_v3', '3.1'],
    ['cvss_v2', '2.0'],
  ] as const) {
    const score = optScore(d, field);
    if (score !== undefined) {
      severity = cvssSeverity(score, version);
      break;
    }
  }

  const patched = optStrings(d, 'patched_versions');
  const unaffected = optStrings(d, 'unaffected_versions');
  const platform = optStr(d, 'platform');
  const versions = gemAffectedRanges([...patched, ...unaffected]);
  const affected: AffectedPackage[] = versions.ranges.length
    ? [
        {
          ecosystem: 'gem',
          name: gem,
          status: 'affected',
          ...versions,
          ...(platform ? { note: `only the ${platform} platform is affected` } : {}),
        },
      ]
    : [];

  const title = optStr(d, 'title');
  const description = optStr(d, 'description');
  const date = optStr(d, 'date');
  return {
    id,
    source: 'rubysec',
    aliases: [...aliases.filter((a) => a.startsWith('CVE-')), ...aliases.filter((a) => !a.startsWith('CVE-'))],
    ...(relatedIds.length ? { related: relatedIds } : {}),
    ...(title ? { summary: title.trim() } : {}),
    ...(description ? { details: description.trim() } : {}),
    ...(date ? { published: date } : {}),
    ...(severity ? { severity } : {}),
    ...(references.length ? { references } : {}),
    affected,
  };
}
