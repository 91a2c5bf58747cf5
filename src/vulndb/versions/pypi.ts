/**
 * Python package versions: PEP 440, exactly as pypa/packaging's `packaging.version.Version` parses, normalises and
 * orders them (the regex and `_cmpkey` of packaging 23): epochs (`1!2.0`), release segments compared with trailing
 * zeros removed, pre-releases (a/b/rc and their spellings alpha/beta/c/pre/preview), post-releases (`.post1`,
 * `-1`, `rev`, `r`), dev releases (`1.0.dev0` sorts before `1.0a0`), local versions (`+ubuntu.1`: numeric parts
 * numerically and after alphanumeric ones), case and separator normalisation, a leading `v`, surrounding spaces.
 *
 * Fallback: a string that is not a PEP 440 version is a `LegacyVersion` as packaging < 22 treated it: it sorts
 * before every PEP 440 version, and legacy versions order among themselves by setuptools' old `parse_version` key
 * (packaging 21.3 `_legacy_cmpkey`).
 */
import type { Comparator, Ordering } from './comparator.js';
import { sign } from './comparator.js';

// Python's `\s` (str.isspace()) rather than JS's.
const WS = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

// packaging's VERSION_PATTERN, anchored as Version._regex is (re.VERBOSE | re.IGNORECASE).
const VERSION_RE = new RegExp(
  `^${WS}*v?(?:` +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>(?:a|b|c|rc|alpha|beta|pre|preview))[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    ')' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?' +
    `${WS}*$`,
  'i',
);

type Letter = [letter: string, n: bigint];
type LocalPart = bigint | string;

export interface PypiVersion {
  epoch: bigint;
  release: bigint[];
  pre?: Letter;
  post?: Letter;
  dev?: Letter;
  local?: LocalPart[];
}

/** _parse_letter_version(). */
function letterVersion(letter: string | undefined, number: string | undefined): Letter | undefined {
  if (letter) {
    let l = letter.toLowerCase();
    if (l === 'alpha') l = 'a';
    else if (l === 'beta') l = 'b';
    else if (l === 'c' || l === 'pre' || l === 'preview') l = 'rc';
    else if (l === 'rev' || l === 'r') l = 'post';
    return [l, BigInt(number ?? '0')];
  }
  // An implicit post release (1.0-1).
  if (number) return ['post', BigInt(number)];
  return undefined;
}

/** Version(v), or undefined where packaging raises InvalidVersion. */
export function parsePypiVersion(v: string): PypiVersion | undefined {
  const m = VERSION_RE.exec(v);
  if (!m?.groups) return undefined;
  const g = m.groups;
  return {
    epoch: g.epoch ? BigInt(g.epoch) : 0n,
    release: g.release!.split('.').map((x) => BigInt(x)),
    pre: letterVersion(g.pre_l, g.pre_n),
    post: letterVersion(g.post_l, g.post_n1 ?? g.post_n2),
    dev: letterVersion(g.dev_l, g.dev_n),
    local: g.local === undefined ? undefined : g.local.split(/[._-]/).map((p) => (/^[0-9]+$/.test(p) ? BigInt(p) : p.toLowerCase())),
  };
}

/** str(Version(v)): the normalised form (PEP 440 "Normalization"), or undefined for an invalid version. */
export function normalizePypiVersion(v: string): string | undefined {
  const p = parsePypiVersion(v);
  if (!p) return undefined;
  let s = p.epoch !== 0n ? `${p.epoch}!` : '';
  s += p.release.join('.');
  if (p.pre) s += `${p.pre[0]}${p.pre[1]}`;
  if (p.post) s += `.post${p.post[1]}`;
  if (p.dev) s += `.dev${p.dev[1]}`;
  if (p.local) s += `+${p.local.join('.')}`;
  return s;
}

// _cmpkey() with Infinity / NegativeInfinity as sentinels.
const NEG = -1;
const POS = 1;
type Bound = typeof NEG | typeof POS;

function compareBigints(a: bigint, b: bigint): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Code point order, as Python compares str. */
function compareCodePoints(a: string, b: string): Ordering {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return sign(d);
  }
  return sign(x.length - y.length);
}

function compareLetter(a: Letter | Bound, b: Letter | Bound): Ordering {
  if (typeof a === 'number' || typeof b === 'number') {
    const av = typeof a === 'number' ? a : 0;
    const bv = typeof b === 'number' ? b : 0;
    // Two equal sentinels compare equal; a sentinel against a tuple is decided by the sentinel.
    return sign(av - bv);
  }
  return compareCodePoints(a[0], b[0]) || compareBigints(a[1], b[1]);
}

function trimZeros(release: bigint[]): bigint[] {
  let n = release.length;
  while (n > 0 && release[n - 1] === 0n) n--;
  return release.slice(0, n);
}

function compareLocalPart(a: LocalPart, b: LocalPart): Ordering {
  // (i, "") for integers, (NegativeInfinity, s) for strings: strings sort first, integers numerically.
  if (typeof a === 'bigint' && typeof b === 'bigint') return compareBigints(a, b);
  if (typeof a === 'bigint') return 1;
  if (typeof b === 'bigint') return -1;
  return compareCodePoints(a, b);
}

export function comparePypiVersions(a: PypiVersion, b: PypiVersion): Ordering {
  let r = compareBigints(a.epoch, b.epoch);
  if (r) return r;
  const ra = trimZeros(a.release);
  const rb = trimZeros(b.release);
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    r = compareBigints(ra[i]!, rb[i]!);
    if (r) return r;
  }
  r = sign(ra.length - rb.length);
  if (r) return r;
  // 1.0.dev0 sorts before 1.0a0: a dev release without pre or post abuses the pre slot as -Infinity.
  const preKey = (v: PypiVersion): Letter | Bound => (v.pre === undefined && v.post === undefined && v.dev !== undefined ? NEG : (v.pre ?? POS));
  r = compareLetter(preKey(a), preKey(b));
  if (r) return r;
  r = compareLetter(a.post ?? NEG, b.post ?? NEG);
  if (r) return r;
  r = compareLetter(a.dev ?? POS, b.dev ?? POS);
  if (r) return r;
  if (a.local === undefined || b.local === undefined) return a.local === b.local ? 0 : a.local === undefined ? -1 : 1;
  for (let i = 0; i < Math.min(a.local.length, b.local.length); i++) {
    r = compareLocalPart(a.local[i]!, b.local[i]!);
    if (r) return r;
  }
  return sign(a.local.length - b.local.length);
}

// packaging 21.3 LegacyVersion: _legacy_cmpkey() / _parse_version_parts().
const LEGACY_COMPONENT = /(\p{Nd}+|[a-z]+|\.|-)/u;
const LEGACY_REPLACEMENTS: Record<string, string> = { pre: 'c', preview: 'c', '-': 'final-', rc: 'c', dev: '@' };

export function legacyKey(version: string): string[] {
  const parts: string[] = [];
  const pieces = version.toLowerCase().split(LEGACY_COMPONENT);
  const yielded: string[] = [];
  for (let piece of pieces) {
    piece = LEGACY_REPLACEMENTS[piece] ?? piece;
    if (!piece || piece === '.') continue;
    if ('0123456789'.includes(piece[0]!)) yielded.push(piece.padStart(8, '0'));
    else yielded.push(`*${piece}`);
  }
  yielded.push('*final');
  for (const part of yielded) {
    if (part.startsWith('*')) {
      // Remove "-" before a pre-release tag.
      if (compareCodePoints(part, '*final') < 0) while (parts.length && parts[parts.length - 1] === '*final-') parts.pop();
      // Remove trailing zeros from each series of numeric parts.
      while (parts.length && parts[parts.length - 1] === '00000000') parts.pop();
    }
    parts.push(part);
  }
  return parts;
}

function compareLegacy(a: string, b: string): Ordering {
  const ka = legacyKey(a);
  const kb = legacyKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const r = compareCodePoints(ka[i]!, kb[i]!);
    if (r) return r;
  }
  return sign(ka.length - kb.length);
}

export const pypi: Comparator = {
  ecosystem: 'pypi',
  valid(v: string): boolean {
    return parsePypiVersion(v) !== undefined;
  },
  compare(a: string, b: string): Ordering {
    const pa = parsePypiVersion(a);
    const pb = parsePypiVersion(b);
    if (pa && pb) return comparePypiVersions(pa, pb);
    // A LegacyVersion has epoch -1: before every PEP 440 version.
    if (pa) return 1;
    if (pb) return -1;
    return compareLegacy(a, b);
  },
};
