import { PackageURL } from 'packageurl-js';
import type { FileEntry, NpmMetadata } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { lockId, resolveNodeModule, type LockParse, type LockRecord } from './lock-record.js';
import { parsePackageJson } from './parse-package-json.js';
import { parsePackageLock } from './parse-package-lock.js';
import { parsePnpmLock } from './parse-pnpm-lock.js';
import { parseYarnLock } from './parse-yarn-lock.js';

export type { LockParse, LockRecord } from './lock-record.js';
export { parsePackageJson, type PackageJsonRecord } from './parse-package-json.js';
export { parsePackageLock } from './parse-package-lock.js';
export { parsePnpmLock } from './parse-pnpm-lock.js';
export { parseYarnLock } from './parse-yarn-lock.js';

export type LockFormat = 'package-lock' | 'yarn' | 'pnpm';

/** An installed package: one `node_modules/[@scope/]name/package.json`. */
export interface NpmInstalledFact {
  type: 'installed';
  name: string;
  version: string;
  licenses?: string[];
  private?: true;
  /** Names of its runtime dependencies, resolved against the other installed packages in merge. */
  deps?: string[];
}

/** A lockfile's packages (declared). */
export interface NpmLockFact {
  type: 'lock';
  format: LockFormat;
  packages: LockRecord[];
  warnings?: string[];
}

export type NpmFact = NpmInstalledFact | NpmLockFact;

/**
 * Lockfiles of large monorepos reach 10–20 MiB; 32 MiB bounds the parsed document in memory (package.json files
 * are a few KiB, the bound only matters for hostile ones).
 */
const MAX_FILE_SIZE = 32 * 1024 * 1024;
const PACKAGE_JSON = '/package.json';

/** purl spec PURL-TYPES `npm`: the scope is the namespace, `pkg:npm/%40angular/animation@12.3.1`; names lower-cased. */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const namespace = slash === -1 ? undefined : name.slice(0, slash);
  return new PackageURL('npm', namespace, slash === -1 ? name : name.slice(slash + 1), version, undefined, undefined).toString();
}

/**
 * `…node_modules/<name>/package.json` or `…node_modules/@scope/<name>/package.json`: the manifest of an installed
 * package, as Node and `npm ls` see them. package.json files deeper inside a package (test fixtures, "type"
 * markers of sub-folders) are not packages. Called for every file of every layer: index arithmetic only.
 */
export function isInstalledPackageJson(path: string): boolean {
  if (!path.endsWith(PACKAGE_JSON)) return false;
  const end = path.length - PACKAGE_JSON.length;
  const nameSlash = path.lastIndexOf('/', end - 1);
  if (nameSlash < 0) return false;
  const first = path.charCodeAt(nameSlash + 1);
  if (first === 0x40 /* @ */ || first === 0x2e /* . */) return false; // "@scope/package.json", ".bin", ".pnpm"
  let dirEnd = nameSlash;
  const parentSlash = path.lastIndexOf('/', nameSlash - 1);
  if (path.charCodeAt(parentSlash + 1) === 0x40) dirEnd = parentSlash; // scoped: skip the "@scope" segment
  return dirEnd >= 12 && path.startsWith('node_modules', dirEnd - 12) && (dirEnd === 12 || path.charCodeAt(dirEnd - 13) === 0x2f);
}

function endsWithFile(path: string, file: string): boolean {
  return path.endsWith(file) && (path.length === file.length || path.charCodeAt(path.length - file.length - 1) === 0x2f);
}

/**
 * The lockfile format of a path, or undefined. Lockfiles inside node_modules belong to the published packages'
 * own development and say nothing about this install (Trivy skips them the same way).
 */
export function lockFormatOf(path: string): LockFormat | undefined {
  let format: LockFormat | undefined;
  if (endsWithFile(path, 'package-lock.json') || endsWithFile(path, 'npm-shrinkwrap.json')) format = 'package-lock';
  else if (endsWithFile(path, 'yarn.lock')) format = 'yarn';
  else if (endsWithFile(path, 'pnpm-lock.yaml')) format = 'pnpm';
  else return undefined;
  if (path.startsWith('node_modules/') || path.includes('/node_modules/')) return undefined;
  // Debian's module directories hold installed packages (like node_modules); a lockfile there is the upstream
  // project's development lock shipped by accident, not a project of the image.
  if (path.startsWith('usr/share/nodejs/') || path.startsWith('usr/lib/nodejs/')) return undefined;
  return format;
}

const PARSERS: Record<LockFormat, (content: Buffer) => LockParse> = {
  'package-lock': parsePackageLock,
  yarn: parseYarnLock,
  pnpm: parsePnpmLock,
};

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** The project directory owning an install path: what precedes its first node_modules segment. */
function projectOf(path: string): string | undefined {
  if (path.startsWith('node_modules/')) return '';
  const i = path.indexOf('/node_modules/');
  return i === -1 ? undefined : path.slice(0, i);
}

const byPath = <T extends { path: string }>(a: T, b: T): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function mergeInstalled(
  installed: { path: string; fact: NpmInstalledFact }[],
  firstLayer: Map<string, number>,
): PackageDraft[] {
  const purlOfDir = new Map<string, string>();
  for (const { path, fact } of installed) purlOfDir.set(dirOf(path), npmPurl(fact.name, fact.version));
  const byPurl = new Map<string, PackageDraft & { deps: Set<string> }>();
  for (const { path, fact } of installed) {
    const dir = dirOf(path);
    const purl = purlOfDir.get(dir)!;
    let p = byPurl.get(purl);
    if (!p) {
      const layer = firstLayer.get(`i\u0000${purl}`);
      const metadata: NpmMetadata = { kind: 'npm', ...(fact.private ? { private: true } : {}) };
      p = {
        purl,
        type: 'npm',
        name: fact.name,
        version: fact.version,
        licenses: fact.licenses ?? [],
        locations: [],
        ...(layer !== undefined ? { layer } : {}),
        metadata,
        evidence: 'installed',
        deps: new Set(),
      };
      byPurl.set(purl, p);
    }
    p.locations.push(path);
    for (const dep of fact.deps ?? []) {
      const target = resolveNodeModule(dir, dep, (d) => purlOfDir.has(d));
      const to = target === undefined ? undefined : purlOfDir.get(target);
      if (to && to !== purl) p.deps.add(to);
    }
  }
  return [...byPurl.values()].map(({ deps, ...p }) => ({ ...p, ...(deps.size ? { dependsOn: [...deps].sort() } : {}) }));
}

function mergeLock(path: string, fact: NpmLockFact, firstLayer: Map<string, number>): PackageDraft[] {
  const purlOfId = new Map<string, string>();
  for (const r of fact.packages) purlOfId.set(lockId(r.name, r.version), npmPurl(r.name, r.version));
  return fact.packages.map((r): PackageDraft => {
    const purl = purlOfId.get(lockId(r.name, r.version))!;
    const layer = firstLayer.get(`l\u0000${path}\u0000${purl}`);
    const dependsOn = [...new Set((r.dependsOn ?? []).flatMap((id) => (purlOfId.has(id) ? [purlOfId.get(id)!] : [])))];
    const metadata: NpmMetadata = {
      kind: 'npm',
      ...(r.resolved ? { resolved: r.resolved } : {}),
      ...(r.integrity ? { integrity: r.integrity } : {}),
    };
    return {
      purl,
      type: 'npm',
      name: r.name,
      version: r.version,
      licenses: r.licenses ?? [],
      locations: [path],
      ...(layer !== undefined ? { layer } : {}),
      metadata,
      evidence: 'declared',
      ...(r.dev ? { dev: true } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
    };
  });
}

export const analyzer: Analyzer<NpmFact> = {
  id: 'npm',
  version: 2,
  kind: 'lang-pkg',
  maxFileSize: MAX_FILE_SIZE,
  coverage: [
    {
      ecosystem: 'npm',
      what: 'Installed Node.js packages (npm, Yarn, pnpm layouts; global packages)',
      files: ['**/node_modules/<name>/package.json', '**/node_modules/@scope/<name>/package.json'],
      evidence: 'installed',
    },
    {
      ecosystem: 'npm',
      what: 'npm, Yarn (v1, berry) and pnpm (v5–v9) lockfiles of projects without installed node_modules',
      files: ['**/package-lock.json', '**/npm-shrinkwrap.json', '**/yarn.lock', '**/pnpm-lock.yaml'],
      evidence: 'declared',
    },
  ],
  required(path: string): boolean {
    return isInstalledPackageJson(path) || lockFormatOf(path) !== undefined;
  },
  analyze(file: FileEntry): NpmFact | undefined {
    const format = lockFormatOf(file.path);
    if (format === undefined) {
      const r = parsePackageJson(file.content);
      if (!r) return undefined;
      return {
        type: 'installed',
        name: r.name,
        version: r.version,
        ...(r.licenses.length ? { licenses: r.licenses } : {}),
        ...(r.private ? { private: true as const } : {}),
        ...(r.dependencies.length ? { deps: r.dependencies } : {}),
      };
    }
    const parsed = PARSERS[format](file.content);
    if (parsed.packages.length === 0 && parsed.warnings.length === 0) return undefined;
    return { type: 'lock', format, packages: parsed.packages, ...(parsed.warnings.length ? { warnings: parsed.warnings } : {}) };
  },
  merge({ final, history }: MergeInput<NpmFact>): AnalyzerOutput {
    const firstLayer = firstLayerByKey(history, (f) => (f.type === 'installed' ? [`i\u0000${npmPurl(f.name, f.version)}`] : []));
    // Lockfile entries: the earliest layer in which the lockfile at the same path listed the package.
    for (const { path, layer, fact } of history) {
      if (fact.type !== 'lock') continue;
      for (const r of fact.packages) {
        const key = `l\u0000${path}\u0000${npmPurl(r.name, r.version)}`;
        const seen = firstLayer.get(key);
        if (seen === undefined || layer < seen) firstLayer.set(key, layer);
      }
    }
    const installed: { path: string; fact: NpmInstalledFact }[] = [];
    const locks: { path: string; fact: NpmLockFact }[] = [];
    for (const { path, fact } of [...final].sort(byPath)) {
      if (fact.type === 'installed') installed.push({ path, fact });
      else locks.push({ path, fact });
    }
    // Issue rule: a lockfile counts only for a project with nothing installed in its node_modules.
    const installedProjects = new Set<string>();
    for (const { path } of installed) {
      const project = projectOf(path);
      if (project !== undefined) installedProjects.add(project);
    }
    const packages = mergeInstalled(installed, firstLayer);
    const warnings: string[] = [];
    for (const { path, fact } of locks) {
      if (installedProjects.has(dirOf(path))) continue;
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      packages.push(...mergeLock(path, fact, firstLayer));
    }
    return { packages, ...(warnings.length ? { warnings } : {}) };
  },
};
