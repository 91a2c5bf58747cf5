import type { PackageURL } from 'packageurl-js';
import { parseDocument } from 'yaml';
import { UsageError, type Finding, type ScanReport } from '../core/index.js';
import { globToRegExp } from './glob.js';
import { parsePurl, purlConstraintMatches } from './purl-match.js';
import { withSummary } from './summary.js';

/*
 * Trivy's ignore files (https://trivy.dev/latest/docs/configuration/filtering/, aquasecurity/trivy:
 * pkg/result/ignore.go):
 *
 *   .trivyignore        one id per line, `#` comments, optional `exp:YYYY-MM-DD` after the id
 *   .trivyignore.yaml   vulnerabilities: [{id, paths, purls, statement, expired_at}]
 *
 * An entry stops suppressing once its expiry is before now (Trivy: ExpiredAt.Before(now), the date read as
 * 00:00 UTC). Where Tollgate goes beyond Trivy, it says why:
 *  - ids match the finding's id or any alias, case-insensitively (one problem is one finding here, listed under
 *    its CVE; an entry naming its GHSA must still apply);
 *  - text after `#` on an entry line is its statement (common in real files; Trivy drops it);
 *  - what Trivy silently skips is an error: an unreadable date (Trivy warns and drops the line, so the finding is
 *    reported after all: an error says so up front), unknown YAML keys (a misspelt `expired_at` would otherwise
 *    ignore for ever), a second bare id on one line.
 */

export interface IgnoreRule {
  id: string;
  /** doublestar patterns over the package's evidence paths; absent = everywhere. */
  paths?: string[];
  /** purl constraints (Trivy's purl.Match); absent = every package. */
  purls?: string[];
  statement?: string;
  /** "YYYY-MM-DD" or an RFC 3339 time, as written. */
  expiresAt?: string;
  /** Where it is written: "FILE:LINE" or "FILE: vulnerabilities[i]". */
  source: string;
}

interface CompiledRule {
  rule: IgnoreRule;
  id: string;
  paths?: RegExp[];
  purls?: PackageURL[];
  expires?: number;
}

function invalid(message: string): never {
  throw new UsageError('INVALID_CONFIG', message);
}

/** `.yaml`/`.yml` files are the YAML form (Trivy decides by extension too); anything else the line form. */
export function parseIgnoreFile(text: string, file: string): IgnoreRule[] {
  return /\.ya?ml$/i.test(file) ? parseTrivyIgnoreYaml(text, file) : parseTrivyIgnore(text, file);
}

export function parseTrivyIgnore(text: string, file: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const hash = line.search(/\s#/);
    const body = hash >= 0 ? line.slice(0, hash) : line;
    const comment = hash >= 0 ? line.slice(hash).replace(/^\s*#\s*/, '').trim() : '';
    const [id, ...rest] = body.trim().split(/\s+/);
    if (id === undefined || id === '') return;
    const rule: IgnoreRule = { id, source: where };
    for (const field of rest) {
      if (field.startsWith('exp:')) {
        rule.expiresAt = checkDate(field.slice(4), `${where}: ${id}: exp`);
      } else if (!/^[A-Za-z_][\w-]*:/.test(field)) {
        // Trivy reads only the first field as an id; a second one would silently not be ignored.
        invalid(`${where}: unexpected ${JSON.stringify(field)} after ${id}: one id per line, then optional exp:YYYY-MM-DD`);
      }
    }
    if (comment !== '') rule.statement = comment;
    rules.push(rule);
  });
  return rules;
}

const YAML_SECTIONS = new Set(['vulnerabilities', 'misconfigurations', 'secrets', 'licenses']);
const YAML_ENTRY_KEYS = new Set(['id', 'paths', 'purls', 'statement', 'expired_at']);

export function parseTrivyIgnoreYaml(text: string, file: string): IgnoreRule[] {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) invalid(`${file}: not valid YAML: ${doc.errors[0]?.message ?? ''}`.trim());
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return [];
  if (typeof root !== 'object' || Array.isArray(root)) invalid(`${file}: expected a mapping with a "vulnerabilities" list`);
  for (const key of Object.keys(root)) {
    if (!YAML_SECTIONS.has(key)) invalid(`${file}: unknown key ${JSON.stringify(key)}; expected: ${[...YAML_SECTIONS].join(', ')}`);
  }
  const list = (root as Record<string, unknown>).vulnerabilities;
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) invalid(`${file}: "vulnerabilities" must be a list`);
  return list.map((entry: unknown, i): IgnoreRule => {
    const where = `${file}: vulnerabilities[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) invalid(`${where}: expected a mapping with an "id"`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!YAML_ENTRY_KEYS.has(key)) invalid(`${where}: unknown key ${JSON.stringify(key)}; expected: ${[...YAML_ENTRY_KEYS].join(', ')}`);
    }
    if (typeof e.id !== 'string' || e.id.trim() === '') invalid(`${where}: "id" must be a non-empty string`);
    const id = (e.id as string).trim();
    const at = `${where} (${id})`;
    const rule: IgnoreRule = { id, source: where };
    if (e.paths !== undefined && e.paths !== null) {
      rule.paths = stringList(e.paths, `${at}: paths`);
      for (const p of rule.paths) globToRegExp(p, `${at}: paths`);
    }
    if (e.purls !== undefined && e.purls !== null) {
      rule.purls = stringList(e.purls, `${at}: purls`);
      for (const p of rule.purls) if (parsePurl(p) === undefined) invalid(`${at}: purls: not a package URL: ${JSON.stringify(p)}`);
    }
    if (e.statement !== undefined && e.statement !== null) {
      if (typeof e.statement !== 'string') invalid(`${at}: "statement" must be a string`);
      rule.statement = e.statement as string;
    }
    if (e.expired_at !== undefined && e.expired_at !== null) {
      const v = e.expired_at instanceof Date ? e.expired_at.toISOString() : e.expired_at;
      if (typeof v !== 'string') invalid(`${at}: "expired_at" must be a date (YYYY-MM-DD)`);
      rule.expiresAt = checkDate(v as string, `${at}: expired_at`);
    }
    return rule;
  });
}

function stringList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) invalid(`${where}: expected a list of strings`);
  return v as string[];
}

/** YYYY-MM-DD (a real calendar day) or an RFC 3339 time; returned as written. */
function checkDate(s: string, where: string): string {
  if (expiryTime(s) === undefined) invalid(`${where}: not a date: ${JSON.stringify(s)} (expected YYYY-MM-DD)`);
  return s;
}

function expiryTime(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m !== null) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = Date.UTC(y, mo - 1, d);
    const back = new Date(t);
    return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? t : undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/.test(s)) {
    const t = Date.parse(s.replace(' ', 'T'));
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Whether an entry has expired at `now` (Trivy: expiry before now). */
export function isExpired(rule: IgnoreRule, now: Date = new Date()): boolean {
  if (rule.expiresAt === undefined) return false;
  const t = expiryTime(rule.expiresAt);
  return t !== undefined && t < now.getTime();
}

function compile(rule: IgnoreRule): CompiledRule {
  const out: CompiledRule = { rule, id: rule.id.toUpperCase() };
  if (rule.paths !== undefined && rule.paths.length > 0) out.paths = rule.paths.map((p) => globToRegExp(p, rule.source));
  if (rule.purls !== undefined && rule.purls.length > 0) {
    out.purls = rule.purls.map((p) => parsePurl(p) ?? invalid(`${rule.source}: purls: not a package URL: ${JSON.stringify(p)}`));
  }
  return out;
}

function matches(r: CompiledRule, f: Finding): boolean {
  if (f.id.toUpperCase() !== r.id && !f.aliases.some((a) => a.toUpperCase() === r.id)) return false;
  if (r.paths !== undefined) {
    const paths = f.package.paths.map((p) => p.replace(/^\/+/, ''));
    if (!paths.some((p) => r.paths?.some((re) => re.test(p)))) return false;
  }
  if (r.purls !== undefined) {
    const target = parsePurl(f.package.purl);
    if (target === undefined || !r.purls.some((c) => purlConstraintMatches(c, target))) return false;
  }
  return true;
}

/**
 * The report with findings that an unexpired rule names marked `suppressed` (by "ignorefile"); findings already
 * suppressed keep their first reason. `summary` is recounted. Pure.
 */
export function applyIgnoreRules(report: ScanReport, rules: readonly IgnoreRule[], opts: { now?: Date } = {}): ScanReport {
  const now = opts.now ?? new Date();
  const active = rules.filter((r) => !isExpired(r, now)).map(compile);
  if (active.length === 0) return report;
  const targets = report.targets.map((t) => ({
    ...t,
    findings: t.findings.map((f) => {
      if (f.suppressed !== undefined) return f;
      const hit = active.find((r) => matches(r, f));
      if (hit === undefined) return f;
      const { rule } = hit;
      return {
        ...f,
        suppressed: {
          by: 'ignorefile' as const,
          reason: rule.expiresAt !== undefined ? `ignored until ${rule.expiresAt}` : 'ignored',
          ...(rule.statement !== undefined ? { statement: rule.statement } : {}),
          source: rule.source,
        },
      };
    }),
  }));
  return withSummary(report, targets);
}
