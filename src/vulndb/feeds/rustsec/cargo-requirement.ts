import type { VersionRange } from '../../../core/index.js';
import { parseSemVer, semverPrecedence } from '../../versions/cargo.js';
import { complement, intersect, toRanges, union, type Interval } from '../../version-intervals.js';

/**
 * Cargo version requirements (https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html) as RustSec
 * evaluates them. The RustSec crate does not match with `semver::VersionReq::matches` (whose pre-release rule would
 * hide pre-releases) but converts each requirement to an interval under SemVer 2.0 precedence and matches OSV
 * ranges (rustsec/src/osv/unaffected_range.rs, ranges_for_advisory.rs); this file follows that conversion:
 *  - a missing minor/patch is 0 (">= 111.25" is ">= 111.25.0", "> 0" is "> 0.0.0");
 *  - "^1.2.3" and a bare "1.2.3" are [1.2.3, 2.0.0-0), "^0.2.3" [0.2.3, 0.3.0-0), "^0.0.3" [0.0.3, 0.0.4-0),
 *    "^0" [0.0.0, 1.0.0-0); "~1.2.3" and "~1.2" are [1.2.x, 1.3.0-0), "~1" [1.0.0, 2.0.0-0) ("-0" keeps the next
 *    release's pre-releases out);
 *  - "=1.2" is exactly 1.2.0; wildcards are not supported (RustSec rejects them too).
 */

export class CargoRequirementError extends Error {}

const COMPARATOR = /^\s*(=|>=|<=|>|<|~|\^)?\s*(\d+)(?:\.(\d+)(?:\.(\d+))?)?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$/;

/** SemVer 2.0 precedence (build metadata ignored): the order of OSV SEMVER ranges. */
export function compareSemver(a: string, b: string): number {
  return semverPrecedence.compare(a, b);
}

/**
 * The lowest version above `v` under SemVer precedence (rustsec's `increment`): 1.2.3 → 1.2.4-0, 1.2.3-alpha1 →
 * 1.2.3-alpha1.0.
 */
export function semverSuccessor(v: string): string {
  const p = parseSemVer(v);
  if (!p) throw new CargoRequirementError(`not a SemVer version: ${JSON.stringify(v)}`);
  if (p.pre === '') return `${p.major}.${p.minor}.${p.patch + 1n}-0`;
  return `${p.major}.${p.minor}.${p.patch}-${p.pre}.0`;
}

function comparatorIntervals(text: string, alone: boolean): Interval[] {
  const m = COMPARATOR.exec(text);
  if (!m) throw new CargoRequirementError(`unsupported version requirement ${JSON.stringify(text.trim())}`);
  const op = m[1] ?? '^';
  const major = Number(m[2]);
  const minor = m[3] === undefined ? undefined : Number(m[3]);
  const patch = m[4] === undefined ? undefined : Number(m[4]);
  const pre = m[5];
  const version = `${major}.${minor ?? 0}.${patch ?? 0}${pre ? `-${pre}` : ''}`;
  if (!parseSemVer(version)) throw new CargoRequirementError(`not a SemVer version in ${JSON.stringify(text.trim())}`);
  const at = (inclusive: boolean) => ({ version, inclusive });
  const below = (v: string) => ({ version: v, inclusive: false });
  if ((op === '^' || op === '~' || op === '=') && !alone) {
    throw new CargoRequirementError(`${JSON.stringify(text.trim())} must be alone in its requirement`);
  }
  switch (op) {
    case '>=':
      return [{ lo: at(true) }];
    case '>':
      return [{ lo: at(false) }];
    case '<':
      return [{ hi: at(false) }];
    case '<=':
      return [{ hi: at(true) }];
    case '=':
      return [{ lo: at(true), hi: at(true) }];
    case '^': {
      let end: string;
      if (major > 0) end = `${major + 1}.0.0-0`;
      else if (minor === undefined) end = '1.0.0-0';
      else if (minor === 0 && patch !== undefined) end = `0.0.${patch + 1}-0`;
      else end = `0.${minor + 1}.0-0`;
      return [{ lo: at(true), hi: below(end) }];
    }
    default: {
      // '~'
      const end = minor === undefined ? `${major + 1}.0.0-0` : `${major}.${minor + 1}.0-0`;
      return [{ lo: at(true), hi: below(end) }];
    }
  }
}

/** The versions one requirement string ("^1.2", ">= 1.2.3, < 1.3") admits. */
export function cargoRequirementIntervals(requirement: string): Interval[] {
  const parts = requirement.split(',');
  if (parts.some((p) => p.trim() === '')) throw new CargoRequirementError(`malformed version requirement ${JSON.stringify(requirement)}`);
  let acc: Interval[] = [{}];
  for (const p of parts) acc = intersect(acc, comparatorIntervals(p, parts.length === 1), compareSemver);
  return acc;
}

/**
 * SEMVER ranges of the versions no patched/unaffected requirement admits (always exact: SemVer has a successor
 * for every version, so exclusive lower bounds become `introduced` events).
 */
export function cargoAffectedRanges(notAffected: readonly string[]): VersionRange[] {
  const intervals = union(notAffected.flatMap(cargoRequirementIntervals), compareSemver);
  return toRanges(complement(intervals), 'SEMVER', semverSuccessor).ranges;
}
