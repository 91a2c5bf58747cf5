/**
 * Parsers for Composer's package lists:
 *   - `vendor/composer/installed.json`, what `composer install` put in vendor/: Composer 1 writes a bare array of
 *     package objects, Composer 2 `{ "packages": [...], "dev": bool, "dev-package-names": [...] }`
 *     (composer src/Composer/Repository/FilesystemRepository.php);
 *   - `composer.lock`, the project's resolved dependencies: `packages` and `packages-dev`
 *     (composer src/Composer/Package/Locker.php).
 * Each package object follows the composer.json schema (`name`, `version`, `license`, `type`, `require`).
 * Only those fields are kept. Versions are kept as written ("v1.8.1" stays, as Composer, Syft and Trivy report it).
 */
import { AnalysisError } from '../../../core/index.js';

export interface ComposerRecord {
  /** "vendor/name", lower-case as Composer normalises it. */
  name: string;
  version: string;
  licenses: string[];
  /** Package type ("library", "composer-plugin", "metapackage", …). */
  type?: string;
  /** True for packages-dev (lock) or dev-package-names (installed.json v2); absent when the file does not say. */
  dev?: boolean;
  /** Names of required packages (lower-case), platform requirements (php, ext-*, lib-*, composer-*) left out. */
  require: string[];
}

export interface ComposerParse {
  packages: ComposerRecord[];
  warnings: string[];
}

const MAX_WARNINGS = 20;

function parseJson(input: string | Buffer, what: string): unknown {
  let text = typeof input === 'string' ? input : input.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new AnalysisError('MALFORMED_FILE', `${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Platform packages are provided by the PHP runtime, never installed by Composer (composer PlatformRepository). */
function isPlatform(name: string): boolean {
  return (
    name === 'php' ||
    name.startsWith('php-') ||
    name.startsWith('ext-') ||
    name.startsWith('lib-') ||
    name === 'hhvm' ||
    name === 'composer' ||
    name === 'composer-plugin-api' ||
    name === 'composer-runtime-api'
  );
}

class Collector {
  readonly packages: ComposerRecord[] = [];
  readonly warnings: string[] = [];
  private dropped = 0;
  private readonly seen = new Set<string>();

  warn(msg: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(msg);
    else this.dropped++;
  }

  add(list: unknown, where: string, dev: (name: string) => boolean | undefined): void {
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) {
      this.warn(`${where} is not an array; ignored`);
      return;
    }
    list.forEach((entry: unknown, i) => {
      const rec = toRecord(entry, `${where}[${i}]`, (m) => this.warn(m));
      if (!rec) return;
      const key = `${rec.name}\u0000${rec.version}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
      const d = dev(rec.name);
      this.packages.push(d === undefined ? rec : { ...rec, dev: d });
    });
  }

  result(): ComposerParse {
    if (this.dropped) this.warnings.push(`${this.dropped} more warnings not shown`);
    return { packages: this.packages, warnings: this.warnings };
  }
}

function toRecord(entry: unknown, where: string, warn: (m: string) => void): ComposerRecord | undefined {
  if (!isObject(entry)) {
    warn(`${where} is not an object; ignored`);
    return undefined;
  }
  const { name, version } = entry;
  if (typeof name !== 'string' || name.trim() === '') {
    warn(`${where} has no name; ignored`);
    return undefined;
  }
  if (typeof version !== 'string' || version.trim() === '') {
    warn(`${where} (${name}) has no version; ignored`);
    return undefined;
  }
  const licenses: string[] = [];
  const lic = entry.license;
  for (const l of typeof lic === 'string' ? [lic] : Array.isArray(lic) ? lic : []) {
    if (typeof l !== 'string') continue;
    const expr = licenseExpression(l);
    if (expr !== '' && !licenses.includes(expr)) licenses.push(expr);
  }
  const require: string[] = [];
  if (isObject(entry.require)) {
    for (const dep of Object.keys(entry.require)) {
      const n = dep.toLowerCase();
      if (!isPlatform(n) && n.includes('/')) require.push(n);
    }
  }
  return {
    name: name.trim().toLowerCase(),
    version: version.trim(),
    licenses,
    ...(typeof entry.type === 'string' && entry.type !== '' ? { type: entry.type } : {}),
    require,
  };
}

/**
 * Composer writes a disjunction either as an array (one entry per license) or as one string with lower-case
 * operators, "(LGPL-2.1-only or GPL-3.0-or-later)" (composer doc/04-schema.md#license). The string form becomes the
 * SPDX expression it stands for ("LGPL-2.1-only OR GPL-3.0-or-later"); anything else is kept as declared.
 */
export function licenseExpression(declared: string): string {
  let s = declared.trim();
  if (!/\s(?:or|and)\s/i.test(s)) return s;
  if (s.startsWith('(') && s.endsWith(')') && s.indexOf('(', 1) === -1) s = s.slice(1, -1).trim();
  return s.replace(/\s+or\s+/gi, ' OR ').replace(/\s+and\s+/gi, ' AND ');
}

export function parseComposerInstalled(input: string | Buffer): ComposerParse {
  const doc = parseJson(input, 'installed.json');
  const out = new Collector();
  if (Array.isArray(doc)) {
    // Composer 1: no record of which packages are dev-only.
    out.add(doc, 'packages', () => undefined);
  } else if (isObject(doc)) {
    const devNames = Array.isArray(doc['dev-package-names'])
      ? new Set(doc['dev-package-names'].filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase()))
      : undefined;
    out.add(doc.packages, 'packages', (name) => (devNames ? devNames.has(name) : undefined));
  } else {
    throw new AnalysisError('MALFORMED_FILE', 'installed.json is neither an array (Composer 1) nor an object (Composer 2)');
  }
  return out.result();
}

export function parseComposerLock(input: string | Buffer): ComposerParse {
  const doc = parseJson(input, 'composer.lock');
  if (!isObject(doc)) throw new AnalysisError('MALFORMED_FILE', 'composer.lock is not a JSON object');
  const out = new Collector();
  out.add(doc.packages, 'packages', () => false);
  out.add(doc['packages-dev'], 'packages-dev', () => true);
  return out.result();
}
