import type { Ecosystem } from '../../core/index.js';

/** The result of a comparison: a < b, a = b, a > b. */
export type Ordering = -1 | 0 | 1;

/**
 * An order on version strings. `compare` never throws, whatever the input: feeds and package databases carry junk
 * (empty strings, "N/A", git hashes, typos), and one bad record must not abort a scan.
 *
 * How a scheme orders strings its reference tool rejects (the "fallback"), decided per scheme and documented in
 * each file:
 *  - where the reference tool itself orders such strings, its behaviour is kept: apk (apk-tools compares invalid
 *    versions token by token like valid ones), maven (ComparableVersion accepts every string), rpm (every non-empty
 *    string is an EVR; the empty one, which rpm refuses, sorts first), golang (x/mod/semver: invalid < valid, two
 *    invalid versions are equal);
 *  - pypi: invalid versions are LegacyVersions as packaging < 22 (and pip < 24.1) ordered them: before every valid
 *    version, among themselves by setuptools' legacy key;
 *  - everywhere else (deb versions dpkg refuses, npm, gem, cargo, nuget, composer): invalid versions sort before
 *    every valid one, and among themselves by their UTF-16 code units (deb: by verrevcmp), so the order stays total
 *    and deterministic. deb versions that dpkg only warns about are compared, as `dpkg --compare-versions` does.
 *    Composer's two different `dev-` branches, incomparable for Composer, are ordered the same way.
 *
 * `valid` says whether the reference tool accepts the string as a version; callers that must not guess (the OSV
 * range evaluation) check it first and report an unparsable version instead of matching it.
 */
export interface VersionOrder {
  compare(a: string, b: string): Ordering;
  valid(v: string): boolean;
}

/** The order of one ecosystem's versions (DESIGN.md §3.6: every comparison goes through a Comparator). */
export interface Comparator extends VersionOrder {
  /** The purl type, equal to the file name of its implementation (checked by the registry contract test). */
  readonly ecosystem: Ecosystem;
}

export function sign(n: number | bigint): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Code-unit order of two JS strings (what `<` does), as -1/0/1. */
export function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Byte order of two byte strings (memcmp, then the shorter first), as -1/0/1. */
export function compareBytes(a: Uint8Array, b: Uint8Array): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return sign(a.length - b.length);
}

/**
 * The shared fallback: parse both sides; two parsed versions compare with `cmp`; an unparsable version sorts before
 * every parsed one; two unparsable ones compare by code units.
 */
export function compareParsed<T>(a: string, b: string, parse: (v: string) => T | undefined, cmp: (x: T, y: T) => Ordering): Ordering {
  const pa = parse(a);
  const pb = parse(b);
  if (pa !== undefined && pb !== undefined) return cmp(pa, pb);
  if (pa !== undefined) return 1;
  if (pb !== undefined) return -1;
  return compareStrings(a, b);
}
