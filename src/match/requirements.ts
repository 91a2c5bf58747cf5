import type { AffectedPackage } from '../core/index.js';
import type { Comparator } from '../vulndb/index.js';

/**
 * RubyGems' `bump` (Gem::Version#bump): drop pre-release segments, drop the last segment when there are several,
 * increment the new last one: "1.2.3" → "1.3", "1.2" → "2", "1" → "2".
 */
function gemBump(v: string): string {
  const segs = v.split('.');
  const release: string[] = [];
  for (const s of segs) {
    if (!/^\d+$/.test(s)) break;
    release.push(s);
  }
  if (release.length > 1) release.pop();
  if (release.length === 0) return v;
  release[release.length - 1] = String(Number(release[release.length - 1]) + 1);
  return release.join('.');
}

/** The release part of a gem version (Gem::Version#release: without pre-release segments). */
function gemRelease(v: string): string {
  const segs = v.split('.');
  const i = segs.findIndex((s) => !/^\d+$/.test(s));
  return i < 0 ? v : segs.slice(0, Math.max(1, i)).join('.');
}

function holds(version: string, constraint: string, cmp: Comparator): boolean {
  const m = /^\s*(~>|>=|<=|!=|=|>|<)\s*(\S+)\s*$/.exec(constraint);
  if (!m) return false;
  const [, op, ref] = m as unknown as [string, string, string];
  const c = cmp.compare(version, ref);
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    default:
      // "~>" (RubyGems): v >= r && v.release < r.bump
      return c >= 0 && cmp.compare(gemRelease(version), gemBump(ref)) < 0;
  }
}

/**
 * Whether `version` satisfies one of the statement's `unaffected` requirement sets (AffectedPackage.unaffected):
 * such a version is not affected even when `ranges` (an over-approximation then) include it.
 */
export function isExplicitlyUnaffected(version: string, affected: AffectedPackage, cmp: Comparator): boolean {
  return (affected.unaffected ?? []).some((set) => set.length > 0 && set.every((c) => holds(version, c, cmp)));
}
