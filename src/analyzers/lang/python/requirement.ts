/**
 * The small pieces of the Python packaging specifications shared by every Python parser:
 *   - PEP 503 name normalisation (https://peps.python.org/pep-0503/#normalized-names);
 *   - PEP 508 project names and the name of a dependency specifier
 *     (https://packaging.python.org/en/latest/specifications/dependency-specifiers/);
 *   - PEP 440 version syntax (https://packaging.python.org/en/latest/specifications/version-specifiers/),
 *     to refuse what is not a version (templating placeholders, quoted strings) in hand-written files.
 */

/** PEP 503: lower-case, every run of "-", "_" and "." becomes one "-". */
export function normalizeName(name: string): string {
  let out = '';
  let run = false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '-' || c === '_' || c === '.') {
      if (!run) out += '-';
      run = true;
    } else {
      out += c;
      run = false;
    }
  }
  return out.toLowerCase();
}

function isAlnum(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isNameChar(code: number): boolean {
  return isAlnum(code) || code === 0x2d || code === 0x2e || code === 0x5f;
}

/** PEP 508 `identifier`: ASCII letters and digits, with "-", "_" and "." inside (not at either end). */
export function isValidName(name: string): boolean {
  const n = name.length;
  if (n === 0 || n > MAX_NAME) return false;
  if (!isAlnum(name.charCodeAt(0)) || !isAlnum(name.charCodeAt(n - 1))) return false;
  for (let i = 1; i < n - 1; i++) if (!isNameChar(name.charCodeAt(i))) return false;
  return true;
}

/** Longer names or versions are not real ones; the bound also keeps the version regex cheap. */
const MAX_NAME = 256;
const MAX_VERSION = 128;

/**
 * PEP 440 public version with optional local label, in the permissive spelling `packaging` accepts (leading "v",
 * "-"/"_"/"." separators, implicit post releases "1.0-1"). Every quantified part is separated by a literal or a
 * distinct character class, so matching is linear; the input is bounded by MAX_VERSION anyway.
 */
const PEP440 =
  /^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/i;

export function isValidVersion(version: string): boolean {
  return version.length > 0 && version.length <= MAX_VERSION && PEP440.test(version);
}

/** A PEP 508 dependency specifier reduced to what dependency graphs need. */
export interface RequirementRef {
  /** PEP 503-normalised name. */
  name: string;
  /** The environment marker mentions `extra`: the dependency only applies when an optional feature is requested. */
  extra: boolean;
}

/**
 * The name of a dependency specifier such as `requests[security] (>=2.8.1) ; extra == "socks"` (the old
 * parenthesised form appears in Metadata 1.x/2.1 `Requires-Dist`), or undefined when it does not start with one.
 */
export function parseRequirementRef(spec: string): RequirementRef | undefined {
  const s = spec.trim();
  let end = 0;
  while (end < s.length && isNameChar(s.charCodeAt(end))) end++;
  const name = s.slice(0, end);
  if (!isValidName(name)) return undefined;
  const semi = s.indexOf(';', end);
  return { name: normalizeName(name), extra: semi !== -1 && /\bextra\b/.test(s.slice(semi + 1)) };
}
