/**
 * Alpine package versions, exactly as apk-tools 3 compares them (src/version.c, master 90b974f):
 * `digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}`.
 *
 *  - numbers compare numerically (unsigned 64-bit, wrapping like apk's parser), except a non-initial number where
 *    either side has a leading zero: then the digit strings compare as strings (Gentoo rule, 1.01 < 1.1);
 *  - one lowercase letter may follow the numbers (1.2a > 1.2);
 *  - suffixes: _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p, each with an optional number;
 *  - `~hash` (apk 3): a commit hash, compared as a string;
 *  - `-rN`: the package revision.
 * When one version runs out of tokens first, it is the older one, unless the other continues with a pre-release
 * suffix (_alpha, _beta, _pre, _rc).
 *
 * Validity: `valid` is apk_version_validate(). apk-tools itself compares invalid versions with the same token walk
 * (up to the first invalid token), and so does `compare`: that is the reference behaviour.
 */
import type { Comparator, Ordering } from './comparator.js';
import { compareStrings } from './comparator.js';

const enum Token {
  InitialDigit,
  Digit,
  Letter,
  Suffix,
  SuffixNo,
  CommitHash,
  RevisionNo,
  End,
  Invalid,
}

// Suffix order of DECLARE_SUFFIXES (INVALID first, NONE between the pre-release and post-release ones).
const SUFFIXES = ['', 'alpha', 'beta', 'pre', 'rc', '', 'cvs', 'svn', 'git', 'hg', 'p'];
const SUFFIX_INVALID = 0;
const SUFFIX_NONE = 5;

interface TokenState {
  token: Token;
  suffix: number;
  number: bigint;
  value: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isHex = (c: string | undefined): boolean => isDigit(c) || (c !== undefined && c >= 'a' && c <= 'f');

/** suffix_value(): the suffix must be spelled exactly. */
function suffixValue(suf: string): number {
  if (suf.length === 0) return SUFFIX_INVALID;
  let val: number;
  switch (suf[0]) {
    case 'a':
      val = 1;
      break;
    case 'b':
      val = 2;
      break;
    case 'c':
      val = 6;
      break;
    case 'g':
      val = 8;
      break;
    case 'h':
      val = 9;
      break;
    case 'p':
      val = suf.length > 1 ? 3 : 10;
      break;
    case 'r':
      val = 4;
      break;
    case 's':
      val = 7;
      break;
    default:
      return SUFFIX_INVALID;
  }
  return SUFFIXES[val] === suf ? val : SUFFIX_INVALID;
}

/** A cursor over the version string (apk_blob_t). */
class Cursor {
  constructor(
    readonly s: string,
    public pos = 0,
  ) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string | undefined {
    return this.s[this.pos];
  }
  span(pred: (c: string | undefined) => boolean): string {
    const start = this.pos;
    while (this.pos < this.s.length && pred(this.s[this.pos])) this.pos++;
    return this.s.slice(start, this.pos);
  }
}

/** token_parse_digits(): apk_blob_pull_uint() wraps modulo 2^64. */
function parseDigits(t: TokenState, b: Cursor): void {
  t.value = b.span(isDigit);
  t.number = t.value.length ? BigInt.asUintN(64, BigInt(t.value)) : 0n;
  if (t.value.length === 0) t.token = Token.Invalid;
}

function tokenFirst(t: TokenState, b: Cursor): void {
  t.token = Token.InitialDigit;
  parseDigits(t, b);
}

function tokenNext(t: TokenState, b: Cursor): void {
  if (b.done) {
    t.token = Token.End;
    return;
  }
  const c = b.peek()!;
  if (isLower(c)) {
    if (t.token > Token.Digit) return invalid(t);
    t.value = c;
    t.token = Token.Letter;
    b.pos++;
    return;
  }
  if (c === '.' || isDigit(c)) {
    if (c === '.') {
      if (t.token > Token.Digit) return invalid(t);
      b.pos++;
    }
    switch (t.token) {
      case Token.InitialDigit:
      case Token.Digit:
        t.token = Token.Digit;
        break;
      case Token.Suffix:
        t.token = Token.SuffixNo;
        break;
      default:
        return invalid(t);
    }
    parseDigits(t, b);
    return;
  }
  if (c === '_') {
    if (t.token > Token.SuffixNo) return invalid(t);
    b.pos++;
    t.value = b.span(isLower);
    t.suffix = suffixValue(t.value);
    if (t.suffix === SUFFIX_INVALID) return invalid(t);
    t.token = Token.Suffix;
    return;
  }
  if (c === '~') {
    if (t.token >= Token.CommitHash) return invalid(t);
    b.pos++;
    t.value = b.span(isHex);
    if (t.value.length === 0) return invalid(t);
    t.token = Token.CommitHash;
    return;
  }
  if (c === '-') {
    if (t.token >= Token.RevisionNo) return invalid(t);
    if (b.s.slice(b.pos, b.pos + 2) !== '-r') return invalid(t);
    b.pos += 2;
    t.token = Token.RevisionNo;
    parseDigits(t, b);
    return;
  }
  invalid(t);
}

function invalid(t: TokenState): void {
  t.token = Token.Invalid;
}

/** apk_blob_sort(): memcmp of the common prefix, then the shorter first (the values are ASCII here). */
function blobSort(a: string, b: string): Ordering {
  return compareStrings(a, b);
}

function tokenCmp(ta: TokenState, tb: TokenState): Ordering {
  let a: bigint;
  let b: bigint;
  switch (ta.token) {
    case Token.Digit:
    case Token.InitialDigit:
    case Token.SuffixNo:
    case Token.RevisionNo:
      // A non-initial number with a leading zero on either side compares as a string, like Gentoo.
      if (ta.token === Token.Digit && (ta.value[0] === '0' || tb.value[0] === '0')) return blobSort(ta.value, tb.value);
      a = ta.number;
      b = tb.number;
      break;
    case Token.Letter:
      a = BigInt(ta.value.charCodeAt(0));
      b = BigInt(tb.value.charCodeAt(0));
      break;
    case Token.Suffix:
      a = BigInt(ta.suffix);
      b = BigInt(tb.suffix);
      break;
    default:
      return blobSort(ta.value, tb.value);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function newState(): TokenState {
  return { token: Token.InitialDigit, suffix: 0, number: 0n, value: '' };
}

/** apk_version_validate(). */
export function apkVersionValid(v: string): boolean {
  const t = newState();
  const b = new Cursor(v);
  for (tokenFirst(t, b); t.token < Token.End; tokenNext(t, b));
  return t.token === Token.End;
}

/** apk_version_compare() (apk_version_compare_fuzzy without fuzzy matching). */
export function compareApkVersions(a: string, b: string): Ordering {
  const ta = newState();
  const tb = newState();
  const ca = new Cursor(a);
  const cb = new Cursor(b);
  for (tokenFirst(ta, ca), tokenFirst(tb, cb); ta.token === tb.token && ta.token < Token.End; tokenNext(ta, ca), tokenNext(tb, cb)) {
    const r = tokenCmp(ta, tb);
    if (r !== 0) return r;
  }
  // Both have TOKEN_END or TOKEN_INVALID next.
  if (ta.token === tb.token) return 0;
  // The leading components are equal: the longer version is newer, unless it continues with a pre-release suffix.
  if (ta.token === Token.Suffix && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.token === Token.Suffix && tb.suffix < SUFFIX_NONE) return 1;
  if (ta.token > tb.token) return -1;
  if (tb.token > ta.token) return 1;
  return 0;
}

export const apk: Comparator = {
  ecosystem: 'apk',
  valid: apkVersionValid,
  compare: compareApkVersions,
};
