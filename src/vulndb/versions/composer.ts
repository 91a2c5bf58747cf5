/**
 * Composer (Packagist) versions, exactly as composer/semver handles them: `VersionParser::normalize()` first
 * (`v1.2` -> `1.2.0.0`, `1.0-beta2` -> `1.0.0.0-beta2`, `1.0RC1` -> `1.0.0.0-RC1`, `1.0-p1` -> `1.0.0.0-patch1`,
 * `1.x-dev` -> `1.9999999.9999999.9999999-dev`, date versions, `dev-` branches, build metadata dropped), then PHP's
 * `version_compare()` (ext/standard/versioning.c) on the normalised strings, as `Semver::sort()` orders versions
 * (`Comparator::lessThan()`, the default branches dev-master/dev-trunk/dev-default taken as `9999999-dev`):
 * dev < alpha = a < beta = b < RC = rc < numbers < patch = pl = p; other `dev-` branches sort before every version.
 *
 * Two different `dev-` branches are incomparable for Composer; here version_compare() and then code-unit order
 * decide, to keep a total order.
 *
 * Fallback: strings normalize() rejects sort before every valid version, and among themselves by code units.
 */
import type { Comparator, Ordering } from './comparator.js';
import { compareStrings, sign } from './comparator.js';

// Composer's patterns. PCRE's \s (without the u modifier) is [ \t\n\v\f\r]; \d is ASCII, as in JS without the
// u flag. Composer's possessive quantifiers (\d{1,5}+, \d++, *+) are plain greedy ones here: what follows each of
// them cannot start with a digit, so backtracking into them never finds another match.
const MODIFIER = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\\d+)*)?)?([.-]?dev)?';
const CLASSICAL = new RegExp(`^v?(\\d{1,5})(\\.\\d+)?(\\.\\d+)?(\\.\\d+)?${MODIFIER}$`, 'i');
const DATE = new RegExp(`^v?(\\d{4}(?:[.:-]?\\d{2}){1,6}(?:[.:-]?\\d{1,3}){0,2})${MODIFIER}$`, 'i');
const ALIAS = /^([^, \t\n\v\f\r]+) +as +([^, \t\n\v\f\r]+)$/;
const STABILITY_FLAG = /@(?:stable|RC|beta|alpha|dev)$/i;
const BUILD = /^([^,+ \t\n\v\f\r]+)\+[^ \t\n\v\f\r]+$/;
// Not anchored at the start, as in Composer (`.` stops at a newline).
const DEV_SUFFIX = /(.*?)[.-]?dev$/i;
const BRANCH = /^v?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?$/i;

/** PHP trim(): " \t\n\r\0\x0B" at both ends. */
function phpTrim(s: string): string {
  return s.replace(/^[ \t\n\r\0\v]+|[ \t\n\r\0\v]+$/g, '');
}

function expandStability(stability: string): string {
  const s = stability.toLowerCase();
  switch (s) {
    case 'a':
      return 'alpha';
    case 'b':
      return 'beta';
    case 'p':
    case 'pl':
      return 'patch';
    case 'rc':
      return 'RC';
    default:
      return s;
  }
}

/** VersionParser::normalizeBranch(). */
export function normalizeComposerBranch(name: string): string {
  name = phpTrim(name);
  const m = BRANCH.exec(name);
  if (m) {
    let version = '';
    for (let i = 1; i < 5; i++) version += m[i] !== undefined ? m[i]!.replace(/[*X]/g, 'x') : '.x';
    return version.replaceAll('x', '9999999') + '-dev';
  }
  return 'dev-' + name;
}

/** VersionParser::normalize(), or undefined where Composer throws UnexpectedValueException. */
export function normalizeComposerVersion(input: string): string | undefined {
  let version = phpTrim(input);
  // Strip off aliasing.
  const alias = ALIAS.exec(version);
  if (alias) version = alias[1]!;
  // Strip off a stability flag.
  const flag = STABILITY_FLAG.exec(version);
  if (flag) version = version.slice(0, version.length - flag[0].length);
  // master/trunk/default were valid constraints in Composer 1.
  if (version === 'master' || version === 'trunk' || version === 'default') version = 'dev-' + version;
  // A branch-like requirement keeps its full name.
  if (version.slice(0, 4).toLowerCase() === 'dev-') return 'dev-' + version.slice(4);
  // Strip off build metadata.
  const build = BUILD.exec(version);
  if (build) version = build[1]!;

  let m = CLASSICAL.exec(version);
  let index: number | undefined;
  if (m) {
    version = m[1]! + (m[2] || '.0') + (m[3] || '.0') + (m[4] || '.0');
    index = 5;
  } else if ((m = DATE.exec(version))) {
    version = m[1]!.replace(/\D/g, '.');
    index = 2;
  }
  if (m && index !== undefined) {
    const stability = m[index];
    if (stability) {
      if (stability === 'stable') return version;
      const number = m[index + 1];
      version += '-' + expandStability(stability) + (number ? number.replace(/^[.-]+/, '') : '');
    }
    if (m[index + 2]) version += '-dev';
    return version;
  }
  // Numeric dev branches (1.x-dev).
  const dev = DEV_SUFFIX.exec(version);
  if (dev) {
    const normalized = normalizeComposerBranch(dev[1]!);
    if (!normalized.includes('dev-')) return normalized;
  }
  return undefined;
}

// PHP's version_compare() (ext/standard/versioning.c), on byte strings that are ASCII here.
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlnum = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const SPECIAL_FORMS: [string, number][] = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];
const LONG_MAX = (1n << 63n) - 1n;

/** php_canonicalize_version(): `-_+` and other non-alphanumerics become `.`, and `.` goes between digits and letters. */
function canonicalize(version: string): string {
  if (version.length === 0) return '';
  const isdig = (x: string): boolean => isDigit(x) && x !== '.';
  const isndig = (x: string): boolean => !isDigit(x) && x !== '.';
  let q = version[0]!;
  let lp = version[0]!;
  for (let i = 1; i < version.length; i++) {
    const p = version[i]!;
    const lq = q[q.length - 1];
    if (p === '-' || p === '_' || p === '+') {
      if (lq !== '.') q += '.';
    } else if ((isndig(lp) && isdig(p)) || (isdig(lp) && isndig(p))) {
      if (lq !== '.') q += '.';
      q += p;
    } else if (!isAlnum(p)) {
      if (lq !== '.') q += '.';
    } else {
      q += p;
    }
    lp = p;
  }
  return q;
}

function specialOrder(form: string): number {
  for (const [name, order] of SPECIAL_FORMS) if (form.startsWith(name)) return order;
  return -1;
}

function compareSpecialForms(a: string, b: string): Ordering {
  return sign(specialOrder(a) - specialOrder(b));
}

/** strtol(p, NULL, 10) on a part that starts with a digit, saturating at LONG_MAX. */
function strtol(p: string): bigint {
  const digits = /^[0-9]*/.exec(p)![0];
  const v = BigInt(digits || '0');
  return v > LONG_MAX ? LONG_MAX : v;
}

/** php_version_compare(). */
export function phpVersionCompare(orig1: string, orig2: string): Ordering {
  if (!orig1 || !orig2) return !orig1 && !orig2 ? 0 : orig1 ? 1 : -1;
  const v1 = orig1[0] === '#' ? orig1 : canonicalize(orig1);
  const v2 = orig2[0] === '#' ? orig2 : canonicalize(orig2);
  let p1 = 0;
  let p2 = 0;
  let n1: number | null = 0;
  let n2: number | null = 0;
  let compare: Ordering = 0;
  while (p1 < v1.length && p2 < v2.length && n1 !== null && n2 !== null) {
    const d1 = v1.indexOf('.', p1);
    const d2 = v2.indexOf('.', p2);
    n1 = d1 >= 0 ? d1 : null;
    n2 = d2 >= 0 ? d2 : null;
    const t1 = v1.slice(p1, n1 ?? v1.length);
    const t2 = v2.slice(p2, n2 ?? v2.length);
    if (isDigit(t1[0]) && isDigit(t2[0])) {
      const l1 = strtol(t1);
      const l2 = strtol(t2);
      compare = l1 < l2 ? -1 : l1 > l2 ? 1 : 0;
    } else if (!isDigit(t1[0]) && !isDigit(t2[0])) {
      compare = compareSpecialForms(t1, t2);
    } else if (isDigit(t1[0])) {
      compare = compareSpecialForms('#N#', t2);
    } else {
      compare = compareSpecialForms(t1, '#N#');
    }
    if (compare !== 0) break;
    if (n1 !== null) p1 = n1 + 1;
    if (n2 !== null) p2 = n2 + 1;
  }
  if (compare === 0) {
    if (n1 !== null) {
      compare = isDigit(v1[p1]) ? 1 : phpVersionCompare(v1.slice(p1), '#N#');
    } else if (n2 !== null) {
      compare = isDigit(v2[p2]) ? -1 : phpVersionCompare('#N#', v2.slice(p2));
    }
  }
  return compare;
}

/** VersionParser::normalizeDefaultBranch(), which Semver::sort() applies: the default branch sorts last. */
function normalizeDefaultBranch(name: string): string {
  return name === 'dev-master' || name === 'dev-default' || name === 'dev-trunk' ? '9999999-dev' : name;
}

/** normalize() then normalizeDefaultBranch(), as Semver::sort() prepares versions. */
function sortKey(v: string): string | undefined {
  const n = normalizeComposerVersion(v);
  return n === undefined ? undefined : normalizeDefaultBranch(n);
}

export const composer: Comparator = {
  ecosystem: 'composer',
  valid(v: string): boolean {
    return normalizeComposerVersion(v) !== undefined;
  },
  compare(a: string, b: string): Ordering {
    const na = sortKey(a);
    const nb = sortKey(b);
    if (na !== undefined && nb !== undefined) return phpVersionCompare(na, nb) || (na.startsWith('dev-') && nb.startsWith('dev-') ? compareStrings(na, nb) : 0);
    if (na !== undefined) return 1;
    if (nb !== undefined) return -1;
    return compareStrings(a, b);
  },
};
