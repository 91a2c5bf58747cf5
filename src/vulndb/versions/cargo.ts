/**
 * Rust crate versions, exactly as the `semver` crate (dtolnay/semver 1.x, what Cargo uses) parses and orders
 * `Version`: strict SemVer 2.0 syntax (`MAJOR.MINOR.PATCH[-pre][+build]`, no `v`, no spaces, no leading zeros in
 * numbers or numeric pre-release identifiers, numbers up to u64::MAX), precedence per SemVer 2.0 §11, and — as
 * the crate's derived `Ord` does — build metadata as a last tie-breaker (numeric identifiers numerically, leading
 * zeros making a larger identifier, then lexical), so that `compare` agrees with equality of versions.
 * crates.io refuses versions that differ only in build metadata, so the tie-breaker never decides a real match.
 *
 * `semverPrecedence` is the plain SemVer 2.0 precedence (build metadata ignored) on the same strict syntax: the order
 * of OSV `SEMVER` ranges.
 *
 * Fallback: invalid versions sort before every valid one, and among themselves by code units.
 */
import type { Comparator, Ordering, VersionOrder } from './comparator.js';
import { compareParsed, compareStrings, sign } from './comparator.js';

export interface SemVer {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
  build: string;
}

const U64_MAX = (1n << 64n) - 1n;
const NUMERIC = /^(0|[1-9][0-9]*)$/;
const IDENT = /^[0-9A-Za-z-]+$/;

/** `Version::parse` of the semver crate. */
export function parseSemVer(text: string): SemVer | undefined {
  const m = /^([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([^+]*))?(?:\+(.*))?$/s.exec(text);
  if (!m) return undefined;
  const nums: bigint[] = [];
  for (const n of [m[1]!, m[2]!, m[3]!]) {
    if (!NUMERIC.test(n)) return undefined;
    const v = BigInt(n);
    if (v > U64_MAX) return undefined;
    nums.push(v);
  }
  const pre = m[4];
  const build = m[5];
  if (pre !== undefined) {
    for (const id of pre.split('.')) {
      if (!IDENT.test(id)) return undefined;
      if (/^[0-9]+$/.test(id) && id.length > 1 && id[0] === '0') return undefined;
    }
  }
  if (build !== undefined) {
    for (const id of build.split('.')) if (!IDENT.test(id)) return undefined;
  }
  return { major: nums[0]!, minor: nums[1]!, patch: nums[2]!, pre: pre ?? '', build: build ?? '' };
}

function compareBig(a: bigint, b: bigint): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

const allDigits = (s: string): boolean => /^[0-9]+$/.test(s);

/** `Ord for Prerelease`: a release sorts after its pre-releases; identifiers per SemVer 2.0 §11.4. */
function comparePre(a: string, b: string): Ordering {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const l = a.split('.');
  const r = b.split('.');
  for (let i = 0; i < l.length; i++) {
    const x = l[i]!;
    const y = r[i];
    if (y === undefined) return 1; // a larger set of fields has a higher precedence
    const dx = allDigits(x);
    const dy = allDigits(y);
    let ord: Ordering;
    if (dx && dy) ord = sign(x.length - y.length) || compareStrings(x, y);
    else if (dx) return -1;
    else if (dy) return 1;
    else ord = compareStrings(x, y);
    if (ord !== 0) return ord;
  }
  return r.length > l.length ? -1 : 0;
}

/** `Ord for BuildMetadata`: 0 < 00 < 1 < 01 < 001 < 2 ... for numeric identifiers. */
function compareBuild(a: string, b: string): Ordering {
  if (a === b) return 0;
  const l = a === '' ? [] : a.split('.');
  const r = b === '' ? [] : b.split('.');
  for (let i = 0; i < l.length; i++) {
    const x = l[i]!;
    const y = r[i];
    if (y === undefined) return 1;
    const dx = allDigits(x);
    const dy = allDigits(y);
    let ord: Ordering;
    if (dx && dy) {
      const xv = x.replace(/^0+/, '');
      const yv = y.replace(/^0+/, '');
      ord = sign(xv.length - yv.length) || compareStrings(xv, yv) || sign(x.length - y.length);
    } else if (dx) return -1;
    else if (dy) return 1;
    else ord = compareStrings(x, y);
    if (ord !== 0) return ord;
  }
  return r.length > l.length ? -1 : 0;
}

/** SemVer 2.0 §11 precedence (build metadata ignored). */
export function compareSemVerPrecedence(a: SemVer, b: SemVer): Ordering {
  return compareBig(a.major, b.major) || compareBig(a.minor, b.minor) || compareBig(a.patch, b.patch) || comparePre(a.pre, b.pre);
}

/** The semver crate's derived `Ord for Version`: precedence, then build metadata. */
export function compareCrateVersions(a: SemVer, b: SemVer): Ordering {
  return compareSemVerPrecedence(a, b) || compareBuild(a.build, b.build);
}

export const cargo: Comparator = {
  ecosystem: 'cargo',
  valid(v: string): boolean {
    return parseSemVer(v) !== undefined;
  },
  compare(a: string, b: string): Ordering {
    return compareParsed(a, b, parseSemVer, compareCrateVersions);
  },
};

/** Strict SemVer 2.0 precedence: the order of OSV ranges of type SEMVER, whatever the ecosystem. */
export const semverPrecedence: VersionOrder = {
  valid: cargo.valid,
  compare(a: string, b: string): Ordering {
    return compareParsed(a, b, parseSemVer, compareSemVerPrecedence);
  },
};
