import { parse as parseToml } from 'smol-toml';
import type { Advisory, AffectedPackage, CvssScore } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import { cvssBaseScore, parseCvss } from '../../cvss.js';
import { cargoAffectedRanges, CargoRequirementError } from './cargo-requirement.js';

/**
 * One RustSec advisory (https://github.com/rustsec/advisory-db#advisory-format): Markdown whose first block is a
 * ```toml fence with
 *   [advisory]  id, package, date, aliases, related, cvss (vector), url, references, informational, withdrawn
 *   [versions]  patched, unaffected (Cargo requirements: a version is affected iff it matches none of them)
 *   [affected]  functions {path: [requirements]}, os, arch
 * followed by "# Title" and the description.
 *
 * Informational advisories (informational = "unmaintained" | "unsound" | "notice") are not vulnerabilities:
 * cargo-audit reports them as warnings, never as vulnerabilities. They are returned with `informational` set and
 * the feed does not turn them into records (see index.ts).
 */

export interface RustsecAdvisory {
  advisory: Advisory;
  /** RustSec's informational kind, when the advisory is not a vulnerability. */
  informational?: string;
}

type Obj = Record<string, unknown>;

class FieldError extends Error {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  return isObj(v) ? 'a table' : `${typeof v} ${JSON.stringify(v)}`;
}

function table(d: Obj, field: string, required: boolean): Obj | undefined {
  const v = d[field];
  if (v === undefined && !required) return undefined;
  if (!isObj(v)) throw new FieldError(`[${field}]`, v === undefined ? 'missing' : `expected a table, found ${describe(v)}`);
  return v;
}

function str(d: Obj, field: string, where: string, required: true): string;
function str(d: Obj, field: string, where: string, required: false): string | undefined;
function str(d: Obj, field: string, where: string, required: boolean): string | undefined {
  let v = d[field];
  // TOML local dates ("date = 2021-01-01" unquoted) parse to dates; the advisory format writes them quoted.
  if (v instanceof Date) v = v.toISOString().slice(0, 10);
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') throw new FieldError(`${where}.${field}`, v === undefined ? 'missing' : `expected a string, found ${describe(v)}`);
  return v;
}

function strings(d: Obj, field: string, where: string): string[] {
  const v = d[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new FieldError(`${where}.${field}`, `expected an array, found ${describe(v)}`);
  return v.map((x, i) => {
    if (typeof x !== 'string') throw new FieldError(`${where}.${field}[${i}]`, `expected a string, found ${describe(x)}`);
    return x;
  });
}

/** `rel` is the mirror-relative path (or "<archive>: entry <name>") used in error messages. */
export function parseRustsecAdvisory(rel: string, data: Buffer | string): RustsecAdvisory {
  const text = (typeof data === 'string' ? data : data.toString('utf8')).replace(/\r\n/g, '\n');
  const fileId = (rel.split('/').pop() ?? rel).replace(/\.md$/i, '');
  const fence = /^\s*```toml\n([\s\S]*?)\n```[^\n]*(?:\n|$)/.exec(text);
  if (!fence) throw new VulnDbError('MALFORMED_FEED', `rustsec: ${rel}: ${fileId}: no \`\`\`toml front matter at the start of the file`);
  let doc: Obj;
  try {
    doc = parseToml(fence[1]!) as Obj;
  } catch (e) {
    throw new VulnDbError('MALFORMED_FEED', `rustsec: ${rel}: ${fileId}: invalid TOML: ${String((e as Error).message).split('\n')[0]}`, { cause: e });
  }
  let id = fileId;
  try {
    const adv = table(doc, 'advisory', true)!;
    id = str(adv, 'id', 'advisory', true);
    return toAdvisory(adv, doc, text.slice(fence[0].length));
  } catch (e) {
    if (e instanceof FieldError || e instanceof CargoRequirementError) {
      throw new VulnDbError('MALFORMED_FEED', `rustsec: ${rel}: ${id}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function toAdvisory(adv: Obj, doc: Obj, markdown: string): RustsecAdvisory {
  const id = str(adv, 'id', 'advisory', true);
  const pkg = str(adv, 'package', 'advisory', true);
  const date = str(adv, 'date', 'advisory', true);
  const withdrawn = str(adv, 'withdrawn', 'advisory', false);
  const informational = str(adv, 'informational', 'advisory', false);
  const aliasIds = strings(adv, 'aliases', 'advisory');
  const aliases = [...aliasIds.filter((a) => a.startsWith('CVE-')), ...aliasIds.filter((a) => !a.startsWith('CVE-'))];
  const related = strings(adv, 'related', 'advisory');
  const references = [str(adv, 'url', 'advisory', false), ...strings(adv, 'references', 'advisory')].filter((u): u is string => !!u);

  // RustSec rates with a CVSS vector only; it is kept as such (source "rustsec") and no vendor severity is set.
  const cvss: CvssScore[] = [];
  const vector = str(adv, 'cvss', 'advisory', false);
  if (vector) {
    const parsed = parseCvss(vector);
    const score = parsed ? cvssBaseScore(vector) : undefined;
    if (!parsed) throw new FieldError('advisory.cvss', `not a CVSS vector: ${JSON.stringify(vector)}`);
    if (score !== undefined) cvss.push({ version: parsed.version, vector, score, source: 'rustsec' });
  }

  // The [versions] table; advisories of the V1 format kept patched_versions/unaffected_versions in [advisory].
  const versions = table(doc, 'versions', false) ?? {};
  const patched = [...strings(versions, 'patched', 'versions'), ...strings(adv, 'patched_versions', 'advisory')];
  const unaffected = [...strings(versions, 'unaffected', 'versions'), ...strings(adv, 'unaffected_versions', 'advisory')];
  const ranges = cargoAffectedRanges([...patched, ...unaffected]);

  const notes: string[] = [];
  const aff = table(doc, 'affected', false);
  if (aff) {
    const functions = table(aff, 'functions', false);
    if (functions) notes.push(`affected functions: ${Object.keys(functions).join(', ')}`);
    const os = strings(aff, 'os', 'affected');
    if (os.length) notes.push(`only on ${os.join(', ')}`);
    const arch = strings(aff, 'arch', 'affected');
    if (arch.length) notes.push(`only on ${arch.join(', ')} processors`);
  }
  // ranges is empty when the requirements leave nothing affected (`unaffected = [">= 0"]`, a retired advisory).
  const affected: AffectedPackage[] = ranges.length
    ? [{ ecosystem: 'cargo', name: pkg, status: 'affected', ranges, ...(notes.length ? { note: notes.join('; ') } : {}) }]
    : [];

  const body = markdown.trim();
  const title = /^#\s+(.+)$/m.exec(body);
  const summary = title?.[1]?.trim();
  const details = title ? body.slice(title.index + title[0].length).trim() : body;
  return {
    advisory: {
      id,
      source: 'rustsec',
      aliases: aliases.filter((a) => a !== id),
      ...(related.length ? { related } : {}),
      ...(summary ? { summary } : {}),
      ...(details ? { details } : {}),
      published: date,
      ...(withdrawn ? { withdrawn } : {}),
      ...(cvss.length ? { cvss } : {}),
      ...(references.length ? { references } : {}),
      affected,
    },
    ...(informational ? { informational } : {}),
  };
}
