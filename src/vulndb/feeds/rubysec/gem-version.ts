import { compareGemVersions as compareParsedGem, gem, parseGemVersion } from '../../versions/gem.js';

/**
 * What ruby-advisory-db requirement lists need of RubyGems beyond the gem Comparator: version normalisation,
 * `Gem::Version#bump` and `Gem::Requirement` parsing, as rubygems/lib/rubygems/version.rb and requirement.rb define
 * them (rubygems 3.3).
 */

/** `Gem::Version::VERSION_PATTERN`, anchored like `Gem::Version.correct?`. */
const VERSION = /^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export class GemVersionError extends Error {}

/** `Gem::Version.new(v).to_s`: stripped, "-" spelled ".pre." (1.0.0-rc1 → 1.0.0.pre.rc1). */
export function normaliseGemVersion(v: string): string {
  const s = v.trim();
  if (s === '') return '0';
  if (!VERSION.test(s)) throw new GemVersionError(`malformed version number string ${JSON.stringify(v)}`);
  return s.replace(/-/g, '.pre.');
}

/** `Gem::Version#bump`: "1.2.3" → "1.3", "1" → "2", "3.1.0.rc6" → "3.2". */
export function bumpGemVersion(v: string): string {
  const segs: (bigint | string)[] = (normaliseGemVersion(v).match(/[0-9]+|[a-z]+/gi) ?? []).map((t) => (/^[0-9]/.test(t) ? BigInt(t) : t));
  while (segs.some((s) => typeof s === 'string')) segs.pop();
  if (segs.length > 1) segs.pop();
  segs[segs.length - 1] = (segs[segs.length - 1] as bigint) + 1n;
  return segs.join('.');
}

const parsed = new Map<string, ReturnType<typeof parseGemVersion>>();

/** `Gem::Version#<=>` (the gem Comparator of src/vulndb/versions), parsing each bound once. */
export function compareGemVersions(a: string, b: string): number {
  const pa = parsed.get(a) ?? parseGemVersion(a);
  const pb = parsed.get(b) ?? parseGemVersion(b);
  if (!pa || !pb) return gem.compare(a, b);
  if (parsed.size > 100_000) parsed.clear();
  parsed.set(a, pa).set(b, pb);
  return compareParsedGem(pa, pb);
}

/** `Gem::Requirement::OPS`. */
export type GemOp = '=' | '!=' | '>' | '<' | '>=' | '<=' | '~>';

export interface GemConstraint {
  op: GemOp;
  /** Normalised as `Gem::Version#to_s` writes it. */
  version: string;
}

/** `Gem::Requirement.parse` of one constraint ("~> 1.2.3", ">= 2", "1.0" meaning "= 1.0"). */
export function parseGemConstraint(s: string): GemConstraint {
  const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/.exec(s);
  if (!m) throw new GemVersionError(`illformed requirement ${JSON.stringify(s)}`);
  return { op: (m[1] ?? '=') as GemOp, version: normaliseGemVersion(m[2]!) };
}

/**
 * One ruby-advisory-db requirement string ("~> 2.0, >= 2.2.6.4") as the constraints that must all hold;
 * bundler-audit builds `Gem::Requirement.new(*string.split(', '))` from it.
 */
export function parseGemRequirement(s: string): GemConstraint[] {
  const parts = s.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new GemVersionError(`illformed requirement ${JSON.stringify(s)}`);
  return parts.map(parseGemConstraint);
}
