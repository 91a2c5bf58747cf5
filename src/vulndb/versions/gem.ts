/**
 * RubyGems versions, exactly as `Gem::Version#<=>` orders them (rubygems 3.3, lib/rubygems/version.rb): a `-`
 * becomes `.pre.`; the version splits into numeric and letter segments (`/[0-9]+|[a-z]+/i`); trailing zeros are
 * dropped from the numeric prefix and from the part after the first letter segment; segments then compare pairwise,
 * a missing segment counting as 0, a letter segment (a pre-release) sorting before any number, letter segments
 * comparing as byte strings.
 *
 * Validity: `Gem::Version.correct?` (ANCHORED_VERSION_PATTERN); a blank string is version "0" as in RubyGems.
 * Fallback: malformed versions (Gem::Version raises ArgumentError) sort before every valid one, and among
 * themselves by code units.
 */
import type { Comparator, Ordering } from './comparator.js';
import { compareParsed, compareStrings } from './comparator.js';

// Ruby's \s is [ \t\r\n\f\v].
const ANCHORED_VERSION_PATTERN = /^[ \t\r\n\f\v]*(?:[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?[ \t\r\n\f\v]*$/;

type Segment = bigint | string;

interface GemVersion {
  version: string;
  canonical: Segment[];
}

function segments(version: string): Segment[] {
  return (version.match(/[0-9]+|[a-z]+/gi) ?? []).map((s) => (/^[0-9]/.test(s) ? BigInt(s) : s));
}

function dropTrailingZeros(s: Segment[]): Segment[] {
  let n = s.length;
  while (n > 0 && s[n - 1] === 0n) n--;
  return s.slice(0, n);
}

export function parseGemVersion(input: string): GemVersion | undefined {
  if (!ANCHORED_VERSION_PATTERN.test(input)) return undefined;
  // A blank version is "0"; otherwise String#strip (which also drops trailing NULs) and "-" -> ".pre.".
  const version = /^[ \t\r\n\f\v]*$/.test(input) ? '0' : input.replace(/^[ \t\r\n\f\v\0]+|[ \t\r\n\f\v\0]+$/g, '').replaceAll('-', '.pre.');
  const segs = segments(version);
  const firstString = segs.findIndex((s) => typeof s === 'string');
  const numeric = firstString < 0 ? segs : segs.slice(0, firstString);
  const rest = firstString < 0 ? [] : segs.slice(firstString);
  return { version, canonical: [...dropTrailingZeros(numeric), ...dropTrailingZeros(rest)] };
}

export function compareGemVersions(a: GemVersion, b: GemVersion): Ordering {
  if (a.version === b.version) return 0;
  const l = a.canonical;
  const r = b.canonical;
  for (let i = 0; i < Math.max(l.length, r.length); i++) {
    const lhs = l[i] ?? 0n;
    const rhs = r[i] ?? 0n;
    if (lhs === rhs) continue;
    if (typeof lhs === 'string' && typeof rhs !== 'string') return -1;
    if (typeof lhs !== 'string' && typeof rhs === 'string') return 1;
    if (typeof lhs === 'string' && typeof rhs === 'string') return compareStrings(lhs, rhs);
    return lhs < rhs ? -1 : 1;
  }
  return 0;
}

export const gem: Comparator = {
  ecosystem: 'gem',
  valid(v: string): boolean {
    return parseGemVersion(v) !== undefined;
  },
  compare(a: string, b: string): Ordering {
    return compareParsed(a, b, parseGemVersion, compareGemVersions);
  },
};
