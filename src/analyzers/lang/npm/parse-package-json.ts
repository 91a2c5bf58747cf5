/**
 * Parser for an installed package's `package.json` (https://docs.npmjs.com/cli/v10/configuring-npm/package-json),
 * plus the JSON and license helpers shared by the lockfile parsers.
 *
 * Only `name`, `version`, the license fields, `private` and the names of the runtime dependencies are kept.
 * License forms accepted (npm's normalize-package-data reads the same):
 *   - `"license": "MIT"` or an SPDX expression `"(MIT OR Apache-2.0)"`, kept as written;
 *   - legacy `"license": { "type": "ISC", "url": … }`;
 *   - legacy arrays `"licenses": [{ "type": "MIT", … }]` and the same array under `license`;
 *   - `"licenses": ["MIT"]` (strings instead of objects; Syft drops these, the text is a license all the same).
 * Anything else (numbers, null, objects without `type`, empty strings) yields no license.
 */
import { AnalysisError } from '../../../core/index.js';

export interface PackageJsonRecord {
  name: string;
  version: string;
  licenses: string[];
  private?: boolean;
  /** Names under dependencies / optionalDependencies / peerDependencies (what `npm ls` links). */
  dependencies: string[];
}

/** Bounds on what one record may carry (hostile package.json files). */
const MAX_LICENSES = 16;
const MAX_LICENSE_LENGTH = 256;
const MAX_DEPENDENCIES = 2000;
const MAX_NAME_LENGTH = 214; // npm's own limit on package names (validate-npm-package-name)
const MAX_VERSION_LENGTH = 256;

export function parseJsonText(input: string | Buffer, what: string): unknown {
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new AnalysisError('MALFORMED_FILE', `${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A plausible npm package name: non-empty, bounded, no whitespace or control characters. */
export function validName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) <= 0x20 || name.charCodeAt(i) === 0x7f) return false;
  // Only scoped names have a slash, exactly one: "@scope/name".
  const slash = name.indexOf('/');
  return slash === -1 || (name.startsWith('@') && slash > 1 && slash < name.length - 1 && name.indexOf('/', slash + 1) === -1);
}

export function validVersion(version: unknown): version is string {
  if (typeof version !== 'string' || version.length === 0 || version.length > MAX_VERSION_LENGTH) return false;
  for (let i = 0; i < version.length; i++) if (version.charCodeAt(i) < 0x20) return false;
  return true;
}

function licenseText(v: unknown): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t && t.length <= MAX_LICENSE_LENGTH ? t : undefined;
  }
  if (isObject(v)) return licenseText(v['type']);
  return undefined;
}

/** The licenses of a package.json (or package-lock v2+ entry) in any of npm's legacy forms. */
export function declaredLicenses(pkg: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    const t = licenseText(v);
    if (t !== undefined && !out.includes(t) && out.length < MAX_LICENSES) out.push(t);
  };
  for (const field of ['license', 'licenses']) {
    const v = pkg[field];
    if (Array.isArray(v)) for (const item of v.slice(0, MAX_LICENSES * 4)) add(item);
    else add(v);
    if (out.length) break; // `license` wins over the legacy `licenses`
  }
  return out;
}

/** Keys of the object-valued fields, bounded. */
export function dependencyNames(pkg: Record<string, unknown>, fields: readonly string[]): string[] {
  const names = new Set<string>();
  for (const f of fields) {
    const deps = pkg[f];
    if (!isObject(deps)) continue;
    for (const n of Object.keys(deps)) {
      if (names.size >= MAX_DEPENDENCIES) break;
      if (validName(n)) names.add(n);
    }
  }
  return [...names];
}

export const RUNTIME_DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

/**
 * One installed package.json → a record, or undefined when the file is not a package (no name or no version:
 * npm writes package.json files without them for `"type": "module"` sub-folders, test fixtures, …).
 */
export function parsePackageJson(input: string | Buffer): PackageJsonRecord | undefined {
  const doc = parseJsonText(input, 'package.json');
  if (!isObject(doc)) throw new AnalysisError('MALFORMED_FILE', 'package.json is not a JSON object');
  const { name, version } = doc;
  if (!validName(name) || !validVersion(version)) return undefined;
  return {
    name,
    version: version.trim(),
    licenses: declaredLicenses(doc),
    ...(doc['private'] === true ? { private: true } : {}),
    dependencies: dependencyNames(doc, RUNTIME_DEPENDENCY_FIELDS),
  };
}
