/**
 * Go module versions, exactly as golang.org/x/mod/semver (`semver.Compare`) orders them: semantic versions with the
 * mandatory `v` prefix, the shorthands `vMAJOR` and `vMAJOR.MINOR` (= .0), pre-releases per SemVer 2.0 (so
 * pseudo-versions `v0.0.0-20210101000000-abcdef123456` order by their timestamp), and build metadata
 * (`+incompatible`) ignored for precedence.
 *
 * Fallback (x/mod/semver's own): an invalid version is less than every valid one, and two invalid versions are
 * equal.
 */
import type { Comparator, Ordering } from './comparator.js';

interface Parsed {
  major: string;
  minor: string;
  patch: string;
  prerelease: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentChar = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c) || c === '-';

function isBadNum(v: string): boolean {
  let i = 0;
  while (i < v.length && isDigit(v[i])) i++;
  return i === v.length && i > 1 && v[0] === '0';
}

function isNum(v: string): boolean {
  let i = 0;
  while (i < v.length && isDigit(v[i])) i++;
  return i === v.length;
}

/** parseInt() of x/mod/semver: [digits, rest], or undefined. */
function parseNumber(v: string): [string, string] | undefined {
  if (!isDigit(v[0])) return undefined;
  let i = 1;
  while (i < v.length && isDigit(v[i])) i++;
  if (v[0] === '0' && i !== 1) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parsePrerelease(v: string): [string, string] | undefined {
  if (v[0] !== '-') return undefined;
  let i = 1;
  let start = 1;
  while (i < v.length && v[i] !== '+') {
    if (!isIdentChar(v[i]!) && v[i] !== '.') return undefined;
    if (v[i] === '.') {
      if (start === i || isBadNum(v.slice(start, i))) return undefined;
      start = i + 1;
    }
    i++;
  }
  if (start === i || isBadNum(v.slice(start, i))) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parseBuild(v: string): [string, string] | undefined {
  if (v[0] !== '+') return undefined;
  let i = 1;
  let start = 1;
  while (i < v.length) {
    if (!isIdentChar(v[i]!) && v[i] !== '.') return undefined;
    if (v[i] === '.') {
      if (start === i) return undefined;
      start = i + 1;
    }
    i++;
  }
  if (start === i) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

/** parse() of golang.org/x/mod/semver. */
function parse(version: string): Parsed | undefined {
  if (version[0] !== 'v') return undefined;
  const major = parseNumber(version.slice(1));
  if (!major) return undefined;
  let v = major[1];
  if (v === '') return { major: major[0], minor: '0', patch: '0', prerelease: '' };
  if (v[0] !== '.') return undefined;
  const minor = parseNumber(v.slice(1));
  if (!minor) return undefined;
  v = minor[1];
  if (v === '') return { major: major[0], minor: minor[0], patch: '0', prerelease: '' };
  if (v[0] !== '.') return undefined;
  const patch = parseNumber(v.slice(1));
  if (!patch) return undefined;
  v = patch[1];
  let prerelease = '';
  if (v[0] === '-') {
    const pre = parsePrerelease(v);
    if (!pre) return undefined;
    [prerelease, v] = pre;
  }
  if (v[0] === '+') {
    const build = parseBuild(v);
    if (!build) return undefined;
    v = build[1];
  }
  if (v !== '') return undefined;
  return { major: major[0], minor: minor[0], patch: patch[0], prerelease };
}

function compareInt(x: string, y: string): Ordering {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

function nextIdent(x: string): [string, string] {
  let i = 0;
  while (i < x.length && x[i] !== '.') i++;
  return [x.slice(0, i), x.slice(i)];
}

function comparePrerelease(x: string, y: string): Ordering {
  if (x === y) return 0;
  if (x === '') return 1;
  if (y === '') return -1;
  while (x !== '' && y !== '') {
    x = x.slice(1); // skip - or .
    y = y.slice(1);
    let dx: string;
    let dy: string;
    [dx, x] = nextIdent(x);
    [dy, y] = nextIdent(y);
    if (dx !== dy) {
      const ix = isNum(dx);
      const iy = isNum(dy);
      if (ix !== iy) return ix ? -1 : 1;
      if (ix && dx.length !== dy.length) return dx.length < dy.length ? -1 : 1;
      return dx < dy ? -1 : 1;
    }
  }
  return x === '' ? -1 : 1;
}

/** semver.Compare(v, w). */
export function compareGoVersions(v: string, w: string): Ordering {
  const pv = parse(v);
  const pw = parse(w);
  if (!pv && !pw) return 0;
  if (!pv) return -1;
  if (!pw) return 1;
  return compareInt(pv.major, pw.major) || compareInt(pv.minor, pw.minor) || compareInt(pv.patch, pw.patch) || comparePrerelease(pv.prerelease, pw.prerelease);
}

export const golang: Comparator = {
  ecosystem: 'golang',
  valid(v: string): boolean {
    return parse(v) !== undefined;
  },
  compare: compareGoVersions,
};
