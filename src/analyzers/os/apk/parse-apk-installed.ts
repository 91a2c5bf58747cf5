/**
 * Parser for apk-tools' installed database, lib/apk/db/installed: one package per blank-line-separated record,
 * one `X:value` line per field, the key a single character (apk-tools doc/apk-v2.5 "installed database";
 * https://wiki.alpinelinux.org/wiki/Apk_spec). File lists (F: directory, then R: files in it) are only kept for
 * the paths an optional `keepFile` predicate accepts, so memory stays small.
 */
import { normalizeOwnedPath } from '../owned-paths.js';

export interface ApkRecord {
  /** P: */
  name: string;
  /** V: `pkgver-rN` */
  version: string;
  /** A: ("" when absent) */
  arch: string;
  /** o: origin (the aport); absent in very old databases. */
  origin?: string;
  /** L: as written. */
  license?: string;
  /** c: aports commit. */
  commit?: string;
  /** m: */
  maintainer?: string;
  /** I: installed size in bytes. */
  installedSize?: number;
  /** F:/R: paths (no leading "/") that the parser's `keepFile` predicate accepted; absent when none. */
  files?: string[];
}

export interface ApkParseOptions {
  /** Which files of the F:/R: lists to keep (none without it). */
  keepFile?: (path: string) => boolean;
}

/** More kept files per package than any real package has; beyond it files are counted, not kept. */
export const MAX_KEPT_FILES = 20_000;

export interface ApkInstalledParse {
  packages: ApkRecord[];
  warnings: string[];
}

const MAX_WARNINGS = 20;
const LINE = /^([A-Za-z]):(.*)$/;

export function parseApkInstalled(input: string | Buffer, options: ApkParseOptions = {}): ApkInstalledParse {
  const keepFile = options.keepFile;
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const packages: ApkRecord[] = [];
  const warnings: string[] = [];
  let dropped = 0;
  const warn = (msg: string): void => {
    if (warnings.length < MAX_WARNINGS) warnings.push(msg);
    else dropped++;
  };

  let cur = new Map<string, string>();
  let recordLine = 0; // 0: no field seen yet in the current record
  let malformed = 0;
  let dir: string | undefined;
  let files: string[] = [];
  let droppedFiles = 0;
  const flush = (): void => {
    if (recordLine > 0) {
      const rec = toRecord(cur, recordLine, warn);
      if (rec) {
        if (files.length) rec.files = files;
        packages.push(rec);
      }
    }
    cur = new Map();
    recordLine = 0;
    dir = undefined;
    files = [];
  };

  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      flush();
      continue;
    }
    const m = LINE.exec(line);
    if (!m) {
      malformed++;
      continue;
    }
    const k = m[1] as string;
    // A second P: without a blank line in between starts a new package rather than renaming this one.
    if (k === 'P' && cur.has('P')) flush();
    if (recordLine === 0) recordLine = lineNo;
    if (keepFile !== undefined && (k === 'F' || k === 'R')) {
      const value = m[2] as string;
      if (k === 'F') dir = normalizeOwnedPath(value);
      else {
        // R: names a file in the directory of the last F: (none before the first F: means the root).
        const path = normalizeOwnedPath(dir ? `${dir}/${value}` : value);
        if (path !== '' && keepFile(path)) {
          if (files.length < MAX_KEPT_FILES) files.push(path);
          else droppedFiles++;
        }
      }
      continue;
    }
    if (KEPT.has(k) && !cur.has(k)) cur.set(k, (m[2] as string).trim());
  }
  flush();

  if (malformed > 0) warn(`${malformed} line(s) not of the form "X:value" were ignored`);
  if (droppedFiles > 0) warn(`${droppedFiles} file path(s) beyond the ${MAX_KEPT_FILES}-per-package limit were ignored`);
  if (dropped > 0) warnings.push(`… and ${dropped} more warning(s)`);
  return { packages, warnings };
}

const KEPT = new Set(['P', 'V', 'A', 'o', 'L', 'c', 'm', 'I']);

function toRecord(f: Map<string, string>, line: number, warn: (m: string) => void): ApkRecord | undefined {
  const name = f.get('P') ?? '';
  const version = f.get('V') ?? '';
  if (name === '') {
    warn(`record at line ${line}: no P: (package name), skipped`);
    return undefined;
  }
  if (version === '' || /\s/.test(version)) {
    warn(`package ${name} (line ${line}): ${version === '' ? 'no V: (version)' : `invalid version ${JSON.stringify(version)}`}, skipped`);
    return undefined;
  }
  const rec: ApkRecord = { name, version, arch: f.get('A') ?? '' };
  const origin = f.get('o');
  if (origin) rec.origin = origin;
  const license = f.get('L');
  if (license) rec.license = license;
  const commit = f.get('c');
  if (commit) rec.commit = commit;
  const maintainer = f.get('m');
  if (maintainer) rec.maintainer = maintainer;
  const size = f.get('I');
  if (size && /^\d+$/.test(size)) rec.installedSize = Number(size);
  return rec;
}

/** Legacy Alpine license names (pre-SPDX APKBUILDs) whose SPDX id is certain. */
const LEGACY_TO_SPDX: Readonly<Record<string, string>> = {
  mit: 'MIT',
  isc: 'ISC',
  zlib: 'Zlib',
  openssl: 'OpenSSL',
};
const GNU_VERSIONED = /^(A?GPL|LGPL)-?(\d+(?:\.\d+)?)(\+|-only|-or-later)?$/i;

function normalizeToken(token: string): string {
  const g = GNU_VERSIONED.exec(token);
  if (g) {
    const version = (g[2] as string).includes('.') ? (g[2] as string) : `${g[2]}.0`;
    const later = g[3] === '+' || g[3]?.toLowerCase() === '-or-later';
    return `${(g[1] as string).toUpperCase()}-${version}-${later ? 'or-later' : 'only'}`;
  }
  return LEGACY_TO_SPDX[token.toLowerCase()] ?? token;
}

/**
 * Splits an `L:` value. Modern Alpine writes SPDX expressions ("MIT AND BSD-2-Clause", "(Apache-2.0 OR MIT) AND
 * MPL-2.0"): those are kept whole, because splitting would lose the AND/OR meaning. Older APKBUILDs wrote a
 * space-separated list of names ("MIT BSD GPL2+"): those are split, and names with a certain SPDX id mapped
 * ("GPL2" → "GPL-2.0-only"); uncertain ones ("GPL", "BSD") stay as written.
 */
export function splitApkLicense(value: string): string[] {
  const v = value.trim().replace(/\s+/g, ' ');
  if (v === '') return [];
  if (/[()]|\s(?:AND|OR|WITH)\s/.test(v)) return [v.replace(/\(\s+/g, '(').replace(/\s+\)/g, ')')];
  return [...new Set(v.split(/[\s,]+/).filter(Boolean).map(normalizeToken))];
}
