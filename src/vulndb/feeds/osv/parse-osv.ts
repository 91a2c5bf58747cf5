import type { AffectedPackage, Advisory, CvssScore, RangeEvent, Severity, VersionRange } from '../../../core/index.js';
import { cvssBaseScore, parseCvss } from '../../cvss.js';
import { mapEcosystem, normaliseName } from './ecosystems.js';
import { osvAuthorityOf } from '../../osv-authority.js';

/**
 * One OSV record (https://ossf.github.io/osv-schema/, schema 1.0–1.7) → Advisory. Pure: the caller reads and
 * decodes the file (JSON, or YAML for the PyPA database) and names it in errors.
 *
 * Unknown fields are ignored (the schema grows); fields the matcher relies on are checked and a wrong type or a
 * missing required field throws OsvFieldError naming the JSON path.
 */

export class OsvFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface OsvParseContext {
  /** Called once per affected package whose ecosystem is not mapped (the feed aggregates them). */
  skippedEcosystem?(ecosystem: string): void;
  warn?(message: string): void;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function obj(v: unknown, field: string): Obj {
  if (!isObj(v)) throw new OsvFieldError(field, `expected an object, got ${describe(v)}`);
  return v;
}
function optObj(v: unknown, field: string): Obj | undefined {
  return v === undefined || v === null ? undefined : obj(v, field);
}
function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new OsvFieldError(field, `expected a non-empty string, got ${describe(v)}`);
  return v;
}
function optStr(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new OsvFieldError(field, `expected a string, got ${describe(v)}`);
  return v;
}
function arr(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OsvFieldError(field, `expected an array, got ${describe(v)}`);
  return v;
}
function strings(v: unknown, field: string): string[] {
  return arr(v, field).map((x, i) => str(x, `${field}[${i}]`));
}
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v === undefined) return 'nothing';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}

/** OSV timestamps; Go's repository stores the zero time for "not set" (served feeds fill it in). */
function timestamp(v: unknown, field: string): string | undefined {
  const s = optStr(v, field);
  if (!s || s.startsWith('0001-01-01')) return undefined;
  return s;
}

/** Vendor severity words: GHSA (MODERATE), Ubuntu priorities, Debian urgencies, Go/RustSec-style words. */
export function severityWord(word: unknown): Severity | undefined {
  if (typeof word !== 'string') return undefined;
  switch (word.trim().toLowerCase()) {
    case 'critical':
      return 'CRITICAL';
    case 'high':
    case 'important':
      return 'HIGH';
    case 'medium':
    case 'moderate':
      return 'MEDIUM';
    case 'low':
      return 'LOW';
    case 'negligible':
    case 'unimportant':
      return 'NEGLIGIBLE';
    default:
      return undefined;
  }
}

/** Who states the CVSS vectors of a record, from its id prefix (CvssScore.source). */
export function cvssSourceOf(id: string): string {
  return osvAuthorityOf(id) ?? 'osv';
}

const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

function parseRange(v: unknown, field: string): VersionRange | undefined {
  const r = obj(v, field);
  const type = str(r.type, `${field}.type`);
  if (type !== 'ECOSYSTEM' && type !== 'SEMVER' && type !== 'GIT') throw new OsvFieldError(`${field}.type`, `unknown range type ${JSON.stringify(type)}`);
  const events: RangeEvent[] = [];
  arr(r.events, `${field}.events`).forEach((e, i) => {
    const ev = obj(e, `${field}.events[${i}]`);
    const keys = EVENT_KEYS.filter((k) => k in ev);
    if (keys.length !== 1) throw new OsvFieldError(`${field}.events[${i}]`, `expected exactly one of ${EVENT_KEYS.join(', ')}`);
    const key = keys[0]!;
    events.push({ [key]: str(ev[key], `${field}.events[${i}].${key}`) } as RangeEvent);
  });
  if (events.length === 0) throw new OsvFieldError(`${field}.events`, 'a range needs at least one event');
  return { type, events };
}

function parseAffected(v: unknown, field: string, ctx: OsvParseContext): AffectedPackage | undefined {
  const a = obj(v, field);
  // An entry without a package describes a source repository only (GIT ranges): nothing a package matcher can use.
  const pkg = optObj(a.package, `${field}.package`);
  if (!pkg) return undefined;
  const osvEcosystem = str(pkg.ecosystem, `${field}.package.ecosystem`);
  const name = str(pkg.name, `${field}.package.name`);
  const ranges = arr(a.ranges, `${field}.ranges`)
    .map((r, i) => parseRange(r, `${field}.ranges[${i}]`))
    .filter((r): r is VersionRange => r !== undefined);
  const versions = strings(a.versions, `${field}.versions`);
  const target = mapEcosystem(osvEcosystem);
  if (!target) {
    ctx.skippedEcosystem?.(osvEcosystem);
    return undefined;
  }
  const es = optObj(a.ecosystem_specific, `${field}.ecosystem_specific`);
  const ds = optObj(a.database_specific, `${field}.database_specific`);
  const severity = severityWord(es?.severity) ?? severityWord(ds?.severity);
  const notes: string[] = [];
  if (target.note) notes.push(target.note);
  // GHSA: "< 2.0.0" when no fix exists yet; OSV semantics (every later version affected) stay as published.
  for (const r of arr(a.ranges, `${field}.ranges`)) {
    const lastKnown = isObj(r) && isObj(r.database_specific) ? r.database_specific.last_known_affected_version_range : undefined;
    if (typeof lastKnown === 'string') notes.push(`last known affected version range: ${lastKnown}`);
  }
  return {
    ecosystem: target.ecosystem,
    ...(target.distro ? { distro: target.distro } : {}),
    name: normaliseName(target.ecosystem, name),
    status: 'affected',
    ranges,
    ...(versions.length ? { versions } : {}),
    ...(severity ? { severity } : {}),
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

/** CVE ids first, then the others in their order; no duplicates, never the record's own id. */
export function orderAliases(id: string, ids: string[]): string[] {
  const seen = new Set<string>([id]);
  const out: string[] = [];
  for (const pass of [true, false]) {
    for (const a of ids) {
      if (a.startsWith('CVE-') !== pass || seen.has(a)) continue;
      seen.add(a);
      out.push(a);
    }
  }
  return out;
}

export function parseOsv(doc: unknown, ctx: OsvParseContext = {}): Advisory {
  const d = obj(doc, '(record)');
  const id = str(d.id, 'id');
  const source = cvssSourceOf(id);
  const aliases = orderAliases(id, [...strings(d.aliases, 'aliases'), ...strings(d.upstream, 'upstream')]);
  const related = strings(d.related, 'related');

  let severity: Severity | undefined;
  const cvss: CvssScore[] = [];
  arr(d.severity, 'severity').forEach((s, i) => {
    const sv = obj(s, `severity[${i}]`);
    const type = str(sv.type, `severity[${i}].type`);
    const score = str(sv.score, `severity[${i}].score`);
    if (type.startsWith('CVSS_V')) {
      const parsed = parseCvss(score);
      if (!parsed) {
        ctx.warn?.(`${id}: severity[${i}]: not a CVSS vector: ${score}`);
        return;
      }
      const value = cvssBaseScore(score);
      // v4.0 vectors come without a number in OSV and are not scored here (see cvss.ts).
      if (value === undefined) return;
      cvss.push({ version: parsed.version, vector: score, score: value, source });
    } else {
      // Vendor rating types, e.g. {"type": "Ubuntu", "score": "medium"} (schema 1.7).
      severity ??= severityWord(score);
    }
  });

  const ds = optObj(d.database_specific, 'database_specific');
  // GHSA's own rating (CRITICAL/HIGH/MODERATE/LOW) is the vendor severity of a GHSA record.
  severity = severityWord(ds?.severity) ?? severity;
  const cwes = ds && Array.isArray(ds.cwe_ids) ? ds.cwe_ids.filter((c): c is string => typeof c === 'string') : [];

  const affected = arr(d.affected, 'affected')
    .map((a, i) => parseAffected(a, `affected[${i}]`, ctx))
    .filter((a): a is AffectedPackage => a !== undefined);

  const references = arr(d.references, 'references')
    .map((r) => (isObj(r) && typeof r.url === 'string' ? r.url : undefined))
    .filter((u): u is string => u !== undefined);

  const summary = optStr(d.summary, 'summary');
  const details = optStr(d.details, 'details');
  const published = timestamp(d.published, 'published');
  const modified = timestamp(d.modified, 'modified');
  const withdrawn = timestamp(d.withdrawn, 'withdrawn');
  return {
    id,
    source: 'osv',
    aliases,
    ...(related.length ? { related } : {}),
    ...(summary ? { summary } : {}),
    ...(details ? { details } : {}),
    ...(published ? { published } : {}),
    ...(modified ? { modified } : {}),
    ...(withdrawn ? { withdrawn } : {}),
    ...(severity ? { severity } : {}),
    ...(cvss.length ? { cvss } : {}),
    ...(cwes.length ? { cwes } : {}),
    ...(references.length ? { references } : {}),
    affected,
  };
}
