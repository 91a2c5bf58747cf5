/**
 * Debian versions, exactly as dpkg compares them: `[epoch:]upstream[-revision]` (deb-version(5)), parsed as
 * lib/dpkg/parsehelp.c `parseversion()` does and compared with lib/dpkg/version.c `dpkg_version_compare()` /
 * `verrevcmp()`.
 *
 * dpkg works on C strings: the comparison here is on the UTF-8 bytes, each taken as a *signed* char as on amd64, so
 * non-ASCII bytes sort after letters and before other punctuation, like `dpkg --compare-versions` does.
 *
 * Validity: `valid` is true when parseversion() accepts the string without error or warning. Versions with only a
 * warning (not starting with a digit, unexpected characters) are compared anyway, as `dpkg --compare-versions` does.
 * Versions dpkg refuses (empty, embedded spaces, bad epoch, empty revision...: it exits with status 2) sort before
 * every version it accepts, and among themselves by verrevcmp() of the raw strings.
 */
import type { Comparator, Ordering } from './comparator.js';
import { sign } from './comparator.js';

export interface DebVersion {
  epoch: number;
  upstream: Uint8Array;
  revision: Uint8Array;
}

export interface DebParse {
  version?: DebVersion;
  /** parseversion() error: dpkg refuses the version. */
  error?: string;
  /** parseversion() warning: dpkg compares the version but calls its syntax bad. */
  warning?: string;
}

const INT_MAX = 2147483647;
const isBlank = (c: string): boolean => c === ' ' || c === '\t';
const isDigitByte = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlphaByte = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigitChar = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlphaChar = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

const utf8 = new TextEncoder();

/** parseversion() (lib/dpkg/parsehelp.c). */
export function parseDebVersion(input: string): DebParse {
  // C strings end at the first NUL.
  const nul = input.indexOf('\0');
  let s = nul >= 0 ? input.slice(0, nul) : input;
  let i = 0;
  while (i < s.length && isBlank(s[i]!)) i++;
  s = s.slice(i);
  if (s.length === 0) return { error: 'version string is empty' };
  let end = 0;
  while (end < s.length && !isBlank(s[end]!)) end++;
  let p = end;
  while (p < s.length && isBlank(s[p]!)) p++;
  if (p < s.length) return { error: 'version string has embedded spaces' };

  let epoch = 0;
  let start = 0;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    // strtol(string, &eepochcolon, 10): optional space, sign, digits.
    let q = 0;
    while (q < s.length && ' \t\n\v\f\r'.includes(s[q]!)) q++;
    let negative = false;
    if (s[q] === '+' || s[q] === '-') {
      negative = s[q] === '-';
      q++;
    }
    const digitsStart = q;
    while (isDigitChar(s[q])) q++;
    if (q === digitsStart) return { error: 'epoch in version is empty' };
    if (q !== colon) return { error: 'epoch in version is not number' };
    const value = BigInt(s.slice(digitsStart, q));
    if (negative && value !== 0n) return { error: 'epoch in version is negative' };
    if (value > BigInt(INT_MAX)) return { error: 'epoch in version is too big' };
    if (colon + 1 >= s.length) return { error: 'nothing after colon in version number' };
    epoch = Number(value);
    start = colon + 1;
  }
  const versionStr = s.slice(start, end);
  const hyphen = versionStr.lastIndexOf('-');
  let upstream = versionStr;
  let revision = '';
  if (hyphen >= 0) {
    upstream = versionStr.slice(0, hyphen);
    revision = versionStr.slice(hyphen + 1);
    if (revision.length === 0) return { error: 'revision number is empty' };
  }
  if (upstream.length === 0) return { error: 'version number is empty' };
  const version: DebVersion = { epoch, upstream: utf8.encode(upstream), revision: utf8.encode(revision) };
  if (!isDigitChar(upstream[0])) return { version, warning: 'version number does not start with digit' };
  for (const c of upstream.slice(1)) {
    if (!isDigitChar(c) && !isAlphaChar(c) && !'.-+~:'.includes(c)) return { version, warning: 'invalid character in version number' };
  }
  for (const c of revision) {
    if (!isDigitChar(c) && !isAlphaChar(c) && !'.+~'.includes(c)) return { version, warning: 'invalid character in revision number' };
  }
  return { version };
}

/** order() of lib/dpkg/version.c, for a byte read as a signed char (0 for the end of the string). */
function order(byte: number | undefined): number {
  if (byte === undefined || byte === 0) return 0;
  if (isDigitByte(byte)) return 0;
  if (isAlphaByte(byte)) return byte;
  if (byte === 0x7e) return -1;
  const signed = byte >= 0x80 ? byte - 256 : byte;
  return signed + 256;
}

/** verrevcmp() of lib/dpkg/version.c. */
export function verrevcmp(a: Uint8Array, b: Uint8Array): Ordering {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigitByte(a[i]!)) || (j < b.length && !isDigitByte(b[j]!))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return sign(ac - bc);
      i++;
      j++;
    }
    while (a[i] === 0x30) i++;
    while (b[j] === 0x30) j++;
    while (i < a.length && j < b.length && isDigitByte(a[i]!) && isDigitByte(b[j]!)) {
      if (!firstDiff) firstDiff = a[i]! - b[j]!;
      i++;
      j++;
    }
    if (i < a.length && isDigitByte(a[i]!)) return 1;
    if (j < b.length && isDigitByte(b[j]!)) return -1;
    if (firstDiff) return sign(firstDiff);
  }
  return 0;
}

/** dpkg_version_compare(). */
export function compareDebVersions(a: DebVersion, b: DebVersion): Ordering {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

export const deb: Comparator = {
  ecosystem: 'deb',
  valid(v: string): boolean {
    const p = parseDebVersion(v);
    return p.error === undefined && p.warning === undefined;
  },
  compare(a: string, b: string): Ordering {
    // A version with only a warning still has `version`; an error leaves it undefined.
    const va = parseDebVersion(a).version;
    const vb = parseDebVersion(b).version;
    if (va && vb) return compareDebVersions(va, vb);
    if (va) return 1;
    if (vb) return -1;
    return verrevcmp(utf8.encode(a), utf8.encode(b));
  },
};
