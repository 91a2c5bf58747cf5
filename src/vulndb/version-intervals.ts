import type { RangeEvent, VersionRange } from '../core/index.js';

/**
 * Interval arithmetic over one version ordering, for feeds that state which versions are NOT affected
 * (RubySec `patched_versions`/`unaffected_versions`, RustSec `[versions]`): the affected set is the complement of
 * the union of those requirement intervals, and OSV ranges describe intervals. This generalises what the RustSec
 * crate does itself (rustsec/src/osv/ranges_for_advisory.rs: sort the unaffected intervals, emit the gaps), without
 * its restriction to non-overlapping inputs.
 */

export type Compare = (a: string, b: string) => number;

export interface Bound {
  version: string;
  inclusive: boolean;
}

/** `lo`/`hi` undefined: unbounded on that side. */
export interface Interval {
  lo?: Bound;
  hi?: Bound;
}

function isEmpty(i: Interval, cmp: Compare): boolean {
  if (!i.lo || !i.hi) return false;
  const c = cmp(i.lo.version, i.hi.version);
  return c > 0 || (c === 0 && !(i.lo.inclusive && i.hi.inclusive));
}

/** The tighter of two lower bounds (the higher one; exclusive when equal). */
function maxLo(a: Bound | undefined, b: Bound | undefined, cmp: Compare): Bound | undefined {
  if (!a) return b;
  if (!b) return a;
  const c = cmp(a.version, b.version);
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

/** The tighter of two upper bounds (the lower one; exclusive when equal). */
function minHi(a: Bound | undefined, b: Bound | undefined, cmp: Compare): Bound | undefined {
  if (!a) return b;
  if (!b) return a;
  const c = cmp(a.version, b.version);
  if (c !== 0) return c < 0 ? a : b;
  return a.inclusive ? b : a;
}

/** The looser of two upper bounds (undefined = unbounded wins; inclusive when equal). */
function maxHi(a: Bound | undefined, b: Bound | undefined, cmp: Compare): Bound | undefined {
  if (!a || !b) return undefined;
  const c = cmp(a.version, b.version);
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? a : b;
}

/** Intersection of interval sets (a conjunction of constraints). */
export function intersect(a: readonly Interval[], b: readonly Interval[], cmp: Compare): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const i: Interval = { lo: maxLo(x.lo, y.lo, cmp), hi: minHi(x.hi, y.hi, cmp) };
      if (!isEmpty(i, cmp)) out.push(i);
    }
  }
  return union(out, cmp);
}

/** The union as sorted, disjoint, non-adjacent intervals. */
export function union(intervals: readonly Interval[], cmp: Compare): Interval[] {
  const sorted = intervals
    .filter((i) => !isEmpty(i, cmp))
    .sort((x, y) => {
      if (!x.lo || !y.lo) return x.lo ? 1 : y.lo ? -1 : 0;
      const c = cmp(x.lo.version, y.lo.version);
      if (c !== 0) return c;
      return x.lo.inclusive === y.lo.inclusive ? 0 : x.lo.inclusive ? -1 : 1;
    });
  const out: Interval[] = [];
  for (const next of sorted) {
    const cur = out[out.length - 1];
    if (cur && touches(cur, next, cmp)) {
      cur.hi = maxHi(cur.hi, next.hi, cmp);
    } else {
      out.push({ ...next });
    }
  }
  return out;
}

/** Whether `next` (which starts at or after `cur`) overlaps or adjoins `cur`, so that the two merge. */
function touches(cur: Interval, next: Interval, cmp: Compare): boolean {
  if (!cur.hi || !next.lo) return true;
  const c = cmp(next.lo.version, cur.hi.version);
  if (c !== 0) return c < 0;
  // Same version: [..x) (x..] leaves x out; every other combination covers x.
  return cur.hi.inclusive || next.lo.inclusive;
}

/** Complement of sorted disjoint intervals (what `union` returns). */
export function complement(disjoint: readonly Interval[]): Interval[] {
  if (disjoint.length === 0) return [{}];
  const flip = (b: Bound): Bound => ({ version: b.version, inclusive: !b.inclusive });
  const out: Interval[] = [];
  // The gap before each interval: from -infinity before the first, else from just after the previous one.
  let lo: Bound | undefined;
  for (const i of disjoint) {
    if (i.lo) out.push({ ...(lo ? { lo } : {}), hi: flip(i.lo) });
    if (!i.hi) return out;
    lo = flip(i.hi);
  }
  out.push({ lo: lo! });
  return out;
}

export interface RangesResult {
  ranges: VersionRange[];
  /** False when an interval starts just above a version (exclusive lower bound) and `successor` could not name
   * the next version: its range then starts AT that version, one version too early. */
  exact: boolean;
}

/**
 * One OSV range per interval: introduced (lower bound, "0" when unbounded), then fixed (exclusive upper bound) or
 * last_affected (inclusive upper bound). `successor`, when the ordering has one (SemVer: 1.2.3 → 1.2.4-0), turns an
 * exclusive lower bound into the inclusive one OSV needs.
 */
export function toRanges(intervals: readonly Interval[], type: VersionRange['type'], successor?: (v: string) => string): RangesResult {
  let exact = true;
  const ranges = intervals.map((i): VersionRange => {
    const events: RangeEvent[] = [];
    if (!i.lo) events.push({ introduced: '0' });
    else if (i.lo.inclusive) events.push({ introduced: i.lo.version });
    else if (successor) events.push({ introduced: successor(i.lo.version) });
    else {
      exact = false;
      events.push({ introduced: i.lo.version });
    }
    if (i.hi) events.push(i.hi.inclusive ? { last_affected: i.hi.version } : { fixed: i.hi.version });
    return { type, events };
  });
  return { ranges, exact };
}
