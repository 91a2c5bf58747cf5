/**
 * NuGet package versions, exactly as NuGet.Versioning parses (`NuGetVersion.TryParse`) and orders them
 * (`VersionComparer.Default`): one to four numeric parts (`1`, `1.2`, `1.2.3`, legacy `1.2.3.4`; missing parts
 * are 0, leading zeros and spaces around parts allowed, each part ≤ int.MaxValue), SemVer 2.0 release labels
 * (`-beta.2`: numeric labels numerically and before alphanumeric ones, alphanumeric labels case-insensitively),
 * build metadata (`+sha.abc`) ignored.
 *
 * Fallback: strings NuGet cannot parse sort before every valid version, and among themselves by code units.
 */
import type { Comparator, Ordering } from './comparator.js';
import { compareParsed, compareStrings, sign } from './comparator.js';

export interface NuGetVersion {
  parts: [number, number, number, number];
  labels: string[];
  metadata: string;
}

const INT_MAX = 2147483647;
// .NET char.IsWhiteSpace.
const isWhiteSpace = (c: string): boolean => /[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** String.Trim(): .NET white space at both ends. */
function trim(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && isWhiteSpace(s[i]!)) i++;
  while (j > i && isWhiteSpace(s[j - 1]!)) j--;
  return s.slice(i, j);
}

/** SemanticVersion.ParseSections(): version / release labels / metadata. */
function parseSections(value: string): { versionString?: string; releaseLabels?: string[]; buildMetadata?: string } {
  let versionString: string | undefined;
  let releaseLabels: string[] | undefined;
  let buildMetadata: string | undefined;
  let dashPos = -1;
  let plusPos = -1;
  for (let i = 0; i < value.length; i++) {
    const end = i === value.length - 1;
    if (dashPos < 0) {
      if (end || value[i] === '-' || value[i] === '+') {
        versionString = value.slice(0, i + (end ? 1 : 0));
        dashPos = i;
        if (value[i] === '+') plusPos = i;
      }
    } else if (plusPos < 0) {
      if (end || value[i] === '+') {
        releaseLabels = value.slice(dashPos + 1, i + (end ? 1 : 0)).split('.');
        plusPos = i;
      }
    } else if (end) {
      buildMetadata = value.slice(plusPos + 1, i + 1);
    }
  }
  return { versionString, releaseLabels, buildMetadata };
}

/** NuGetVersion.TryGetNormalizedVersion(): up to four int sections, white space allowed around each. */
function normalizedVersion(str: string): [number, number, number, number] | undefined {
  if (trim(str).length === 0) return undefined;
  const out: number[] = [];
  let pos = 0;
  for (let section = 0; section < 4; section++) {
    if (pos === str.length) {
      out.push(0);
      continue;
    }
    let end = pos;
    for (; end < str.length; end++) {
      const c = str[end]!;
      if (!isWhiteSpace(c)) {
        if (isDigit(c)) break;
        return undefined;
      }
    }
    let done = false;
    let digitFound = false;
    let value = 0;
    for (; end < str.length; end++) {
      const c = str[end]!;
      if (isDigit(c)) {
        digitFound = true;
        value = value * 10 + (c.charCodeAt(0) - 48);
        if (value > INT_MAX) return undefined;
      } else if (c === '.') {
        end++;
        if (end === str.length) return undefined; // ends with '.'
        done = true;
        break;
      } else if (isWhiteSpace(c)) {
        break;
      } else {
        return undefined;
      }
    }
    if (!digitFound) return undefined;
    if (end === str.length) done = true;
    if (!done) {
      for (; end < str.length; end++) {
        const c = str[end]!;
        if (!isWhiteSpace(c)) {
          if (c === '.') {
            end++;
            if (end === str.length) return undefined;
            break;
          }
          return undefined;
        }
      }
    }
    out.push(value);
    pos = end;
  }
  if (pos !== str.length) return undefined; // more than four sections
  return [out[0]!, out[1]!, out[2]!, out[3]!];
}

/** SemanticVersionFactory.IsValidPart(). */
function isValidPart(s: string, allowLeadingZeros: boolean): boolean {
  if (s.length === 0) return false;
  if (!allowLeadingZeros && s.length > 1 && s[0] === '0' && /^[0-9]+$/.test(s)) return false;
  return /^[0-9A-Za-z-]+$/.test(s);
}

/** NuGetVersion.TryParse(). */
export function parseNuGetVersion(value: string): NuGetVersion | undefined {
  const { versionString, releaseLabels, buildMetadata } = parseSections(trim(value));
  if (!versionString) return undefined;
  const parts = normalizedVersion(versionString);
  if (!parts) return undefined;
  if (releaseLabels && !releaseLabels.every((l) => isValidPart(l, false))) return undefined;
  if (buildMetadata !== undefined && !buildMetadata.split('.').every((p) => isValidPart(p, true))) return undefined;
  return { parts, labels: releaseLabels ?? [], metadata: buildMetadata ?? '' };
}

/** int.TryParse on a label (labels are [0-9A-Za-z-], so an optional minus and digits). */
function labelNumber(label: string): number | undefined {
  if (!/^-?[0-9]+$/.test(label)) return undefined;
  const n = Number(label);
  return n >= -2147483648 && n <= INT_MAX ? n : undefined;
}

/** StringComparer.OrdinalIgnoreCase on ASCII labels. */
function compareIgnoreCase(a: string, b: string): Ordering {
  return compareStrings(a.toUpperCase(), b.toUpperCase());
}

/** VersionComparer.CompareRelease(). */
function compareRelease(a: string, b: string): Ordering {
  const na = labelNumber(a);
  const nb = labelNumber(b);
  if (na !== undefined && nb !== undefined) return sign(na - nb);
  if (na !== undefined) return -1; // numeric labels come before alpha labels
  if (nb !== undefined) return 1;
  return compareIgnoreCase(a, b);
}

/** VersionComparer.Compare() in VersionComparison.Default mode. */
export function compareNuGetVersions(x: NuGetVersion, y: NuGetVersion): Ordering {
  for (let i = 0; i < 4; i++) {
    const r = sign(x.parts[i]! - y.parts[i]!);
    if (r) return r;
  }
  const xPre = x.labels.length > 0;
  const yPre = y.labels.length > 0;
  if (xPre && !yPre) return -1;
  if (!xPre && yPre) return 1;
  for (let i = 0; i < Math.max(x.labels.length, y.labels.length); i++) {
    if (i >= x.labels.length) return -1;
    if (i >= y.labels.length) return 1;
    const r = compareRelease(x.labels[i]!, y.labels[i]!);
    if (r) return r;
  }
  return 0;
}

export const nuget: Comparator = {
  ecosystem: 'nuget',
  valid(v: string): boolean {
    return parseNuGetVersion(v) !== undefined;
  },
  compare(a: string, b: string): Ordering {
    return compareParsed(a, b, parseNuGetVersion, compareNuGetVersions);
  },
};
