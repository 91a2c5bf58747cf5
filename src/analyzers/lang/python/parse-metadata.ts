/**
 * Python core metadata: a wheel's `*.dist-info/METADATA`, a setuptools `*.egg-info/PKG-INFO` (or single-file
 * `*.egg-info`), and setuptools' `requires.txt`.
 *
 * Core metadata (https://packaging.python.org/en/latest/specifications/core-metadata/) is an RFC 822 / email
 * header block: `Key: value` lines, continuation lines starting with whitespace, repeated keys for multi-valued
 * fields (Classifier, Requires-Dist), and since Metadata 2.1 the description as the body after the first blank
 * line. Only the header block is read: descriptions can be megabytes. As Python's email parser does
 * (email/feedparser.py), a line that is neither a header nor a continuation ends the header block.
 */
import { AnalysisError } from '../../../core/index.js';
import { classifierLicense, freeTextLicense } from './license-names.js';
import { parseRequirementRef } from './requirement.js';
import { splitLines } from './text.js';

/** Header blocks are a few KiB; the cap bounds the work on a file without a blank line. */
export const MAX_HEADER_BYTES = 1024 * 1024;
/** A `License:` value longer than this (or on several lines) is the license text itself, not a name. */
const MAX_LICENSE_NAME = 200;
const MAX_SUMMARY = 512;
const MAX_AUTHOR = 256;
const MAX_LICENSES = 32;

export interface DistMetadata {
  /** `Name` exactly as written (trimmed). */
  name: string;
  version: string;
  /** License-Expression, else License / Classifier as described in licensesOf. */
  licenses: string[];
  summary?: string;
  author?: string;
  requiresPython?: string;
  /**
   * PEP 503-normalised names of the unconditional `Requires-Dist` entries (those without an `extra` marker);
   * undefined when the file has no Requires-Dist at all (egg-info then lists requirements in requires.txt, which is
   * where importlib.metadata looks next).
   */
  requires?: string[];
}

export interface DistMetadataParse {
  metadata: DistMetadata;
  warnings: string[];
}

/** Header name (lower-cased) → values in file order. */
export type Headers = Map<string, string[]>;

/** Reads the header block. `truncated` is set when it did not end within MAX_HEADER_BYTES. */
export function parseHeaders(content: Buffer): { headers: Headers; truncated: boolean } {
  const truncated = content.length > MAX_HEADER_BYTES;
  const text = content.subarray(0, MAX_HEADER_BYTES).toString('utf8');
  const headers: Headers = new Map();
  let last: string[] | undefined;
  let ended = false;
  const lines = splitLines(text);
  // The cut falls inside a line (or just after one): that last piece is beyond the cap and is not read.
  if (truncated) lines.pop();
  for (const line of lines) {
    if (line === '') {
      ended = true;
      break;
    }
    const c = line.charCodeAt(0);
    if (c === 0x20 || c === 0x09) {
      // Continuation: folded onto the previous value (RFC 822 §3.1.1).
      if (last && last.length) last[last.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !isFieldName(line, colon)) {
      ended = true;
      break;
    }
    const key = line.slice(0, colon).toLowerCase();
    let values = headers.get(key);
    if (!values) headers.set(key, (values = []));
    values.push(line.slice(colon + 1).trim());
    last = values;
  }
  return { headers, truncated: truncated && !ended };
}

/** RFC 822 field-name: printable ASCII except space and ":". */
function isFieldName(line: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

function first(headers: Headers, key: string): string | undefined {
  const v = headers.get(key)?.[0];
  return v === undefined || v === '' ? undefined : v;
}

function singleLine(v: string | undefined, max: number): string | undefined {
  if (v === undefined) return undefined;
  const line = v.split('\n', 1)[0]!.trim();
  if (line === '' || line === 'UNKNOWN') return undefined;
  return line.length > max ? line.slice(0, max) : line;
}

/**
 * Licenses in order of reliability:
 *   1. `License-Expression` (PEP 639): an SPDX expression by definition;
 *   2. `License` when it is a common spelling of one SPDX license ("MIT", "Apache 2.0");
 *   3. license classifiers (a closed vocabulary; exact ones mapped to SPDX ids);
 *   4. `License` as written when it is a short single line.
 * setuptools writes "UNKNOWN" when no license was declared: that is no license, not a license name. A multi-line
 * or very long `License` is the license text pasted into the field, which names nothing.
 */
export function licensesOf(headers: Headers): string[] {
  const expression = first(headers, 'license-expression');
  if (expression) return [expression.replace(/\s+/g, ' ')];
  const raw = first(headers, 'license');
  const text = raw !== undefined && !raw.includes('\n') && raw.length <= MAX_LICENSE_NAME && raw !== 'UNKNOWN' ? raw : undefined;
  const mapped = text !== undefined ? freeTextLicense(text) : undefined;
  if (mapped) return [mapped];
  const fromClassifiers: string[] = [];
  for (const c of headers.get('classifier') ?? []) {
    const l = classifierLicense(c);
    if (l !== undefined && !fromClassifiers.includes(l)) fromClassifiers.push(l);
    // A real package has a handful; the bound keeps a hostile file linear.
    if (fromClassifiers.length >= MAX_LICENSES) break;
  }
  if (fromClassifiers.length) return fromClassifiers;
  return text !== undefined ? [text] : [];
}

export function parseDistMetadata(content: Buffer): DistMetadataParse {
  const { headers, truncated } = parseHeaders(content);
  const warnings: string[] = [];
  if (truncated) warnings.push(`metadata headers exceed ${MAX_HEADER_BYTES} bytes; the rest is ignored`);
  const name = first(headers, 'name');
  const version = first(headers, 'version');
  if (name === undefined || version === undefined) {
    throw new AnalysisError('MALFORMED_FILE', `Python metadata without ${name === undefined ? 'a Name' : 'a Version'} field`);
  }
  const specs = headers.get('requires-dist');
  const requires = new Set<string>();
  for (const spec of specs ?? []) {
    const ref = parseRequirementRef(spec);
    if (ref && !ref.extra) requires.add(ref.name);
  }
  const summary = singleLine(first(headers, 'summary'), MAX_SUMMARY);
  const author = singleLine(first(headers, 'author') ?? first(headers, 'author-email') ?? first(headers, 'maintainer'), MAX_AUTHOR);
  const requiresPython = singleLine(first(headers, 'requires-python'), MAX_SUMMARY);
  return {
    metadata: {
      name: name.split('\n', 1)[0]!.trim(),
      version: version.split('\n', 1)[0]!.trim(),
      licenses: licensesOf(headers),
      ...(summary !== undefined ? { summary } : {}),
      ...(author !== undefined ? { author } : {}),
      ...(requiresPython !== undefined ? { requiresPython } : {}),
      ...(specs !== undefined ? { requires: [...requires] } : {}),
    },
    warnings,
  };
}

/**
 * setuptools' `*.egg-info/requires.txt` (pkg_resources "requirements file" format): requirements before the
 * first `[section]` are unconditional; `[extra]` and `[extra:marker]` sections belong to optional features;
 * `[:marker]` sections are unconditional apart from the environment marker. Returns normalised names.
 */
export function parseRequiresTxt(content: Buffer): string[] {
  const out = new Set<string>();
  let optional = false;
  for (const raw of splitLines(content.subarray(0, MAX_HEADER_BYTES).toString('utf8'))) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      optional = !line.startsWith('[:');
      continue;
    }
    if (optional) continue;
    const ref = parseRequirementRef(line);
    if (ref) out.add(ref.name);
  }
  return [...out];
}
