/**
 * RPM versions, exactly as rpm compares them: EVR strings `[epoch:]version[-release]` split as rpmio/rpmver.c
 * `parseEVR()` does and compared with `rpmverCmp()` (what the Lua `rpm.vercmp()` and Python `rpm.ver` use), each
 * part with rpmio/rpmvercmp.c `rpmvercmp()` (alphanumeric segments, `~` sorts before everything, `^` after the
 * base version but before anything else appended).
 *
 * rpm works on C strings and ASCII character classes: bytes outside [0-9A-Za-z~^] are separators.
 *
 * Validity: rpm accepts every non-empty string (rpmverParse() returns NULL only for ""). The empty string, which
 * rpm refuses ("invalid version"), sorts before every version.
 */
import type { Comparator, Ordering } from './comparator.js';

const TILDE = 0x7e;
const CARET = 0x5e;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);

const utf8 = new TextEncoder();

function cBytes(s: string): Uint8Array {
  const nul = s.indexOf('\0');
  return utf8.encode(nul >= 0 ? s.slice(0, nul) : s);
}

/** rpmvercmp() of rpmio/rpmvercmp.c. */
export function rpmvercmp(aStr: string, bStr: string): Ordering {
  const a = cBytes(aStr);
  const b = cBytes(bStr);
  if (a.length === b.length && a.every((c, k) => c === b[k])) return 0;
  let one = 0;
  let two = 0;
  while (one < a.length || two < b.length) {
    while (one < a.length && !isAlnum(a[one]!) && a[one] !== TILDE && a[one] !== CARET) one++;
    while (two < b.length && !isAlnum(b[two]!) && b[two] !== TILDE && b[two] !== CARET) two++;

    // The tilde separator sorts before everything else.
    if (a[one] === TILDE || b[two] === TILDE) {
      if (a[one] !== TILDE) return 1;
      if (b[two] !== TILDE) return -1;
      one++;
      two++;
      continue;
    }
    // The caret: like tilde, except that when one string ends (the base version), the other is higher.
    if (a[one] === CARET || b[two] === CARET) {
      if (one >= a.length) return -1;
      if (two >= b.length) return 1;
      if (a[one] !== CARET) return 1;
      if (b[two] !== CARET) return -1;
      one++;
      two++;
      continue;
    }
    if (!(one < a.length && two < b.length)) break;

    let str1 = one;
    let str2 = two;
    let isnum: boolean;
    if (isDigit(a[str1]!)) {
      while (str1 < a.length && isDigit(a[str1]!)) str1++;
      while (str2 < b.length && isDigit(b[str2]!)) str2++;
      isnum = true;
    } else {
      while (str1 < a.length && isAlpha(a[str1]!)) str1++;
      while (str2 < b.length && isAlpha(b[str2]!)) str2++;
      isnum = false;
    }
    if (one === str1) return -1; // cannot happen: the first string has a segment
    // Different segment types: numeric segments are newer than alpha ones.
    if (two === str2) return isnum ? 1 : -1;
    if (isnum) {
      while (one < str1 && a[one] === 0x30) one++;
      while (two < str2 && b[two] === 0x30) two++;
      const onelen = str1 - one;
      const twolen = str2 - two;
      if (onelen > twolen) return 1;
      if (twolen > onelen) return -1;
    }
    // strcmp() of the two segments.
    const n = Math.min(str1 - one, str2 - two);
    for (let k = 0; k < n; k++) {
      const d = a[one + k]! - b[two + k]!;
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    if (str1 - one !== str2 - two) return str1 - one < str2 - two ? -1 : 1;
    one = str1;
    two = str2;
  }
  if (one >= a.length && two >= b.length) return 0;
  return one >= a.length ? -1 : 1;
}

export interface Evr {
  /** undefined when the string has no `epoch:` (rpmverCmp() then uses "0"). */
  epoch?: string;
  version: string;
  release?: string;
}

/** parseEVR() of rpmio/rpmver.c. */
export function parseEvr(evr: string): Evr {
  let s = 0;
  while (s < evr.length && evr[s]! >= '0' && evr[s]! <= '9') s++;
  const dash = evr.lastIndexOf('-');
  const se = dash >= s ? dash : -1; // strrchr(s, '-')
  let epoch: string | undefined;
  let versionStart = 0;
  if (evr[s] === ':') {
    epoch = evr.slice(0, s) || '0';
    versionStart = s + 1;
  }
  const version = se >= 0 ? evr.slice(versionStart, se) : evr.slice(versionStart);
  const release = se >= 0 ? evr.slice(se + 1) : undefined;
  return { epoch, version, release };
}

/** compare_values() of rpmio/rpmver.c: a missing part is older than any present one. */
function compareValues(a: string | undefined, b: string | undefined): Ordering {
  if (a === undefined && b === undefined) return 0;
  if (b === undefined) return 1;
  if (a === undefined) return -1;
  return rpmvercmp(a, b);
}

/** rpmverCmp() of rpmio/rpmver.c. */
export function compareEvr(a: Evr, b: Evr): Ordering {
  return compareValues(a.epoch ?? '0', b.epoch ?? '0') || compareValues(a.version, b.version) || compareValues(a.release, b.release);
}

function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}

export const rpm: Comparator = {
  ecosystem: 'rpm',
  valid(v: string): boolean {
    return cString(v).length > 0;
  },
  compare(a: string, b: string): Ordering {
    const ca = cString(a);
    const cb = cString(b);
    const ea = ca.length > 0;
    const eb = cb.length > 0;
    if (ea && eb) return compareEvr(parseEvr(ca), parseEvr(cb));
    return ea ? 1 : eb ? -1 : 0;
  },
};
