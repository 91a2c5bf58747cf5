/**
 * Is one installed version affected by one advisory's statement about its package? OSV evaluation exactly as the
 * OSV schema's "Evaluation" section writes it (https://ossf.github.io/osv-schema/#evaluation):
 *
 *   IsVulnerable = IncludedInVersions(v, affected.versions) || IncludedInRanges(v, affected.ranges)
 *   IncludedInRanges: for each range (OR'ed), if BeforeLimits(v, range): walk sorted(range.events), `introduced`
 *     (v >= it; "0" sorts before everything) opens, `fixed` (v >= it) and `last_affected` (v > it) close; a range
 *     whose walk ends open includes v. BeforeLimits: no limit events, or v < some limit ("*" is infinity).
 *
 * Details the spec leaves to the implementer, decided here:
 *  - ECOSYSTEM ranges and `versions` compare with the ecosystem's Comparator; SEMVER ranges with SemVer 2.0
 *    precedence (strict syntax, build metadata ignored) whatever the ecosystem; GIT ranges need the repository's
 *    commit graph and are skipped (the `versions` list, which the spec requires beside GIT ranges, still counts).
 *  - Events of equal version keep their order in the record (a stable sort): introduced X then fixed X is an empty
 *    range; fixed X then introduced X re-opens at X.
 *  - `versions` membership is exact string equality, or equality under the order when both strings are valid.
 *  - Go: module versions carry a `v` (v1.2.3) and OSV writes them without (1.2.3). SEMVER ranges compare with the
 *    `v` stripped; ECOSYSTEM ranges and `versions` of the golang comparator get the `v` added.
 *  - An installed version the order cannot parse is not matched (never guessed) and is reported with
 *    `invalidVersion`, unless the `versions` list names it literally.
 *
 * Distribution statuses (AffectedPackage.status): 'not-affected' is never affected; 'unfixed', 'will-not-fix' and
 * 'end-of-life' affect every version unless ranges or versions narrow them; 'fixed' and 'affected' are evaluated
 * on their ranges ('fixed' carries {introduced: "0"}, {fixed: v}).
 */
import type { AffectedPackage, RangeEvent, VersionRange } from '../core/index.js';
import { semverPrecedence, type Comparator, type VersionOrder } from '../vulndb/index.js';

export interface AffectedVerdict {
  affected: boolean;
  /** The remediation when affected: `fixed` events above the installed version, in ascending order. */
  fixed?: string[];
  /** The statement in short human form: ">= 1.0.0, < 1.2.3 || >= 2.0.0, < 2.0.5". */
  constraint: string;
  /** Set when the installed version is not a valid version of the scheme: it was not matched, and says why. */
  invalidVersion?: string;
}

type Kind = 'introduced' | 'fixed' | 'last_affected' | 'limit';
interface Event {
  kind: Kind;
  version: string;
}

const KINDS: readonly Kind[] = ['introduced', 'fixed', 'last_affected', 'limit'];

function eventOf(e: RangeEvent): Event | undefined {
  for (const kind of KINDS) {
    const v = (e as Record<string, unknown>)[kind];
    if (typeof v === 'string') return { kind, version: v };
  }
  return undefined;
}

/** How the versions of one range are written and ordered. */
interface RangeOrder {
  order: VersionOrder;
  /** The string the order compares, for a version as OSV or the package database wrote it. */
  normalize(v: string): string;
}

const strip = (v: string): string => (v.startsWith('v') ? v.slice(1) : v);
const addV = (v: string): string => (v.startsWith('v') ? v : `v${v}`);

function rangeOrder(type: VersionRange['type'], cmp: Comparator): RangeOrder | undefined {
  const go = cmp.ecosystem === 'golang';
  if (type === 'SEMVER') return { order: semverPrecedence, normalize: go ? strip : (v) => v };
  if (type === 'ECOSYSTEM') return { order: cmp, normalize: go ? addV : (v) => v };
  return undefined; // GIT: commit hashes, not comparable on versions
}

const isZero = (e: Event): boolean => e.kind === 'introduced' && e.version === '0';
const isInfinity = (e: Event): boolean => e.kind === 'limit' && e.version.includes('*');

/** sorted(range.events): "0" first, "*" limits last, equal versions in record order. */
function sortEvents(events: Event[], ro: RangeOrder): Event[] {
  const rank = (e: Event): number => (isZero(e) ? -1 : isInfinity(e) ? 1 : 0);
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => rank(a.e) - rank(b.e) || (rank(a.e) === 0 ? ro.order.compare(ro.normalize(a.e.version), ro.normalize(b.e.version)) : 0) || a.i - b.i)
    .map((x) => x.e);
}

function beforeLimits(v: string, events: Event[], ro: RangeOrder): boolean {
  const limits = events.filter((e) => e.kind === 'limit');
  if (limits.length === 0) return true; // an implicit "*"
  return limits.some((e) => isInfinity(e) || ro.order.compare(v, ro.normalize(e.version)) < 0);
}

/** IncludedInRanges for one range (v already normalised). */
function includedInRange(v: string, events: Event[], ro: RangeOrder): boolean {
  if (!beforeLimits(v, events, ro)) return false;
  let vulnerable = false;
  for (const e of sortEvents(events, ro)) {
    if (e.kind === 'introduced' && (isZero(e) || ro.order.compare(v, ro.normalize(e.version)) >= 0)) vulnerable = true;
    else if (e.kind === 'fixed' && ro.order.compare(v, ro.normalize(e.version)) >= 0) vulnerable = false;
    else if (e.kind === 'last_affected' && ro.order.compare(v, ro.normalize(e.version)) > 0) vulnerable = false;
  }
  return vulnerable;
}

/** ">= a, < b" pieces of one range, for people. */
function describeRange(range: VersionRange, events: Event[], ro: RangeOrder | undefined): string {
  if (!ro) {
    const intro = events.find((e) => e.kind === 'introduced')?.version;
    const fix = events.find((e) => e.kind === 'fixed' || e.kind === 'limit')?.version;
    const short = (h: string | undefined): string => (h === undefined ? '' : h === '0' ? 'start' : h.slice(0, 12));
    return `${range.type} ${short(intro)}..${short(fix)}`.trim();
  }
  const sorted = sortEvents(events, ro);
  const limits = sorted.filter((e) => e.kind === 'limit' && !isInfinity(e)).map((e) => `< ${e.version}`);
  const parts: string[] = [];
  let lower: string | undefined;
  const close = (upper?: string): void => {
    const bounds = [...(lower !== undefined && lower !== '0' ? [`>= ${lower}`] : []), ...(upper ? [upper] : []), ...limits];
    parts.push(bounds.length ? bounds.join(', ') : 'all versions');
    lower = undefined;
  };
  for (const e of sorted) {
    if (e.kind === 'introduced' && lower === undefined) lower = e.version;
    else if (e.kind === 'fixed' && lower !== undefined) close(`< ${e.version}`);
    else if (e.kind === 'last_affected' && lower !== undefined) close(`<= ${e.version}`);
  }
  if (lower !== undefined) close();
  return parts.join(' || ');
}

function describeVersions(versions: readonly string[]): string {
  const shown = versions.slice(0, 5).join(', ');
  return versions.length > 5 ? `= one of ${shown}, … (${versions.length} versions)` : versions.length > 1 ? `= one of ${shown}` : `= ${shown}`;
}

/**
 * Evaluates `affected` (one package of one advisory) at `version`, comparing with `cmp` (the package ecosystem's
 * comparator) for ECOSYSTEM ranges and `versions`.
 */
export function isAffected(version: string, affected: AffectedPackage, cmp: Comparator): AffectedVerdict {
  const ranges = affected.ranges.map((range) => ({
    range,
    events: range.events.map(eventOf).filter((e): e is Event => e !== undefined),
    ro: rangeOrder(range.type, cmp),
  }));
  const versions = affected.versions ?? [];
  const pieces = ranges.map((r) => describeRange(r.range, r.events, r.ro)).filter((s) => s.length > 0);
  if (versions.length) pieces.push(describeVersions(versions));
  let constraint = pieces.join(' || ');

  if (affected.status === 'not-affected') return { affected: false, constraint: 'not affected' };
  const blanket = affected.status === 'unfixed' || affected.status === 'will-not-fix' || affected.status === 'end-of-life';
  if (blanket && ranges.length === 0 && versions.length === 0) return { affected: true, constraint: 'all versions' };
  if (!constraint) constraint = 'no versions';

  // IncludedInVersions: the literal string, or equality under the ecosystem's order.
  const eco = rangeOrder('ECOSYSTEM', cmp)!;
  const ev = eco.normalize(version);
  const evValid = cmp.valid(ev);
  const listed = versions.some((x) => x === version || (evValid && cmp.valid(eco.normalize(x)) && cmp.compare(ev, eco.normalize(x)) === 0));

  const evaluable = ranges.filter((r) => r.ro !== undefined) as { range: VersionRange; events: Event[]; ro: RangeOrder }[];
  let invalidVersion: string | undefined;
  const matching = evaluable.filter((r) => {
    const v = r.ro.normalize(version);
    if (!r.ro.order.valid(v)) {
      invalidVersion = `${JSON.stringify(version)} is not a valid ${r.range.type === 'SEMVER' ? 'SemVer 2.0' : cmp.ecosystem} version`;
      return false;
    }
    return includedInRange(v, r.events, r.ro);
  });
  if (!listed && matching.length === 0) {
    if (!invalidVersion && versions.length && !evValid) invalidVersion = `${JSON.stringify(version)} is not a valid ${cmp.ecosystem} version`;
    return { affected: false, constraint, ...(invalidVersion ? { invalidVersion } : {}) };
  }

  // The remediation: fixed events above the installed version, in the ranges that matched (all evaluable ranges when
  // only the versions list matched).
  const sources = matching.length ? matching : evaluable;
  const fixed: { ro: RangeOrder; version: string }[] = [];
  for (const r of sources) {
    const v = r.ro.normalize(version);
    if (!r.ro.order.valid(v)) continue;
    for (const e of r.events) if (e.kind === 'fixed' && r.ro.order.compare(r.ro.normalize(e.version), v) > 0) fixed.push({ ro: r.ro, version: e.version });
  }
  const unique = [...new Map(fixed.map((f) => [f.version, f])).values()];
  unique.sort((a, b) => (a.ro === b.ro ? a.ro.order.compare(a.ro.normalize(a.version), a.ro.normalize(b.version)) : 0));
  return { affected: true, constraint, ...(unique.length ? { fixed: unique.map((f) => f.version) } : {}) };
}
