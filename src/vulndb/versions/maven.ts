/**
 * Maven versions, exactly as maven-artifact's `ComparableVersion` orders them (Maven 3.8.7 – 3.9.x; the
 * MNG-7644 rule "1.0.0.X1 < 1.0.0-X2" is in both): a version is a list of items split at `.`, `-` and
 * digit/letter transitions, a `-` (or a letter run after a dot) opening a sub-list; trailing "null" items
 * (0, "", ga/final/release, empty lists) are dropped; numbers compare numerically (int < long < BigInteger by
 * digit count, as in Java), qualifiers as alpha = a < beta = b < milestone = m < rc = cr < snapshot <
 * "" = ga = final = release < sp < unknown qualifiers (case-insensitive, lexical); a number is newer than a
 * qualifier or a sub-list, a sub-list newer than a qualifier.
 *
 * Like Java, the parser walks UTF-16 code units, lowercases with the root locale and takes any Unicode decimal digit
 * (Character.isDigit) as a digit.
 *
 * Validity: ComparableVersion accepts every string; `valid` only rejects the empty string and strings with
 * whitespace or control characters, which no Maven coordinate holds. `compare` orders every string.
 */
import type { Comparator, Ordering } from './comparator.js';
import { compareStrings, sign } from './comparator.js';

type NumberKind = 0 | 1 | 2; // IntItem < LongItem < BigIntegerItem
interface NumberItem {
  kind: 'number';
  size: NumberKind;
  value: bigint;
}
interface StringItem {
  kind: 'string';
  value: string;
}
interface ListItem {
  kind: 'list';
  items: Item[];
}
type Item = NumberItem | StringItem | ListItem;

const MAX_INTITEM_LENGTH = 9;
const MAX_LONGITEM_LENGTH = 18;
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const RELEASE_VERSION_INDEX = String(QUALIFIERS.indexOf(''));
const ND = /\p{Nd}/u;

/** Character.isDigit for one UTF-16 code unit. */
function isDigit(c: string): boolean {
  return (c >= '0' && c <= '9') || (c > '\x7f' && ND.test(c));
}

/** Character.digit(c, 10): Unicode decimal digits come in runs of ten starting at zero. */
function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  let k = 0;
  while (ND.test(String.fromCharCode(code - k - 1))) k++;
  return k % 10;
}

function parseNumber(digits: string): bigint {
  let v = 0n;
  for (const c of digits) v = v * 10n + BigInt(digitValue(c));
  return v;
}

function stripLeadingZeroes(buf: string): string {
  if (buf.length === 0) return '0';
  for (let i = 0; i < buf.length; i++) if (buf[i] !== '0') return buf.slice(i);
  return buf;
}

function stringItem(value: string, followedByDigit: boolean): StringItem {
  if (followedByDigit && value.length === 1) {
    // a1 = alpha-1, b1 = beta-1, m1 = milestone-1
    if (value === 'a') value = 'alpha';
    else if (value === 'b') value = 'beta';
    else if (value === 'm') value = 'milestone';
  }
  return { kind: 'string', value: ALIASES[value] ?? value };
}

function parseItem(isDigitRun: boolean, buf: string): Item {
  if (isDigitRun) {
    const s = stripLeadingZeroes(buf);
    const size: NumberKind = s.length <= MAX_INTITEM_LENGTH ? 0 : s.length <= MAX_LONGITEM_LENGTH ? 1 : 2;
    return { kind: 'number', size, value: parseNumber(s) };
  }
  return stringItem(buf, false);
}

function comparableQualifier(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i === -1 ? `${QUALIFIERS.length}-${q}` : String(i);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'number':
      return item.value === 0n;
    case 'string':
      return comparableQualifier(item.value) === RELEASE_VERSION_INDEX;
    case 'list':
      return item.items.length === 0;
  }
}

/** ListItem.normalize(): drop trailing null items, looking through trailing sub-lists. */
function normalize(list: ListItem): void {
  for (let i = list.items.length - 1; i >= 0; i--) {
    const last = list.items[i]!;
    if (isNull(last)) list.items.splice(i, 1);
    else if (last.kind !== 'list') break;
  }
}

/** ComparableVersion.parseVersion(). */
export function parseMavenVersion(version: string): ListItem {
  const items: ListItem = { kind: 'list', items: [] };
  const v = version.toLowerCase();
  let list = items;
  const stack: ListItem[] = [list];
  const push = (): void => {
    const next: ListItem = { kind: 'list', items: [] };
    list.items.push(next);
    list = next;
    stack.push(list);
  };
  let isDigitRun = false;
  let startIndex = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '.') {
      list.items.push(i === startIndex ? { kind: 'number', size: 0, value: 0n } : parseItem(isDigitRun, v.slice(startIndex, i)));
      startIndex = i + 1;
    } else if (c === '-') {
      list.items.push(i === startIndex ? { kind: 'number', size: 0, value: 0n } : parseItem(isDigitRun, v.slice(startIndex, i)));
      startIndex = i + 1;
      push();
    } else if (isDigit(c)) {
      if (!isDigitRun && i > startIndex) {
        // MNG-7644: 1.0.0.X1 < 1.0.0-X2, treat .X as -X for any string qualifier X.
        if (list.items.length > 0) push();
        list.items.push(stringItem(v.slice(startIndex, i), true));
        startIndex = i;
        push();
      }
      isDigitRun = true;
    } else {
      if (isDigitRun && i > startIndex) {
        list.items.push(parseItem(true, v.slice(startIndex, i)));
        startIndex = i;
        push();
      }
      isDigitRun = false;
    }
  }
  if (v.length > startIndex) {
    if (!isDigitRun && list.items.length > 0) push();
    list.items.push(parseItem(isDigitRun, v.slice(startIndex)));
  }
  while (stack.length) normalize(stack.pop()!);
  return items;
}

/** item.compareTo(other), `other` undefined standing for Java's null (a missing item). */
function compareItem(item: Item, other: Item | undefined): Ordering {
  switch (item.kind) {
    case 'number':
      if (other === undefined) return item.value === 0n ? 0 : 1; // 1.0 == 1, 1.1 > 1
      if (other.kind === 'number') {
        if (item.size !== other.size) return sign(item.size - other.size);
        return item.value < other.value ? -1 : item.value > other.value ? 1 : 0;
      }
      return 1; // 1.1 > 1-sp, 1.1 > 1-1
    case 'string':
      if (other === undefined) return compareStrings(comparableQualifier(item.value), RELEASE_VERSION_INDEX); // 1-rc < 1, 1-ga > 1
      if (other.kind === 'number') return -1; // 1.any < 1.1
      if (other.kind === 'list') return -1; // 1.any < 1-1
      return compareStrings(comparableQualifier(item.value), comparableQualifier(other.value));
    case 'list':
      if (other === undefined) {
        // Compare the whole list with null, not just its first item (MNG-6964).
        for (const i of item.items) {
          const r = compareItem(i, undefined);
          if (r !== 0) return r;
        }
        return 0;
      }
      if (other.kind === 'number') return -1; // 1-1 < 1.0.x
      if (other.kind === 'string') return 1; // 1-1 > 1-sp
      for (let i = 0; i < Math.max(item.items.length, other.items.length); i++) {
        const l = item.items[i];
        const r = other.items[i];
        // If this list is shorter, invert the comparison of the other side.
        const result = l === undefined ? (r === undefined ? 0 : (-compareItem(r, undefined) as Ordering)) : compareItem(l, r);
        if (result !== 0) return result;
      }
      return 0;
  }
}

/** ComparableVersion.getCanonical(). */
export function canonicalMavenVersion(version: string): string {
  const str = (list: ListItem): string => {
    let buffer = '';
    for (const item of list.items) {
      if (buffer.length > 0) buffer += item.kind === 'list' ? '-' : '.';
      buffer += item.kind === 'list' ? str(item) : String(item.value);
    }
    return buffer;
  };
  return str(parseMavenVersion(version));
}

export function compareMavenVersions(a: string, b: string): Ordering {
  return compareItem(parseMavenVersion(a), parseMavenVersion(b));
}

export const maven: Comparator = {
  ecosystem: 'maven',
  valid(v: string): boolean {
    return v.length > 0 && !/[\s\x00-\x1f\x7f]/.test(v);
  },
  compare: compareMavenVersions,
};
