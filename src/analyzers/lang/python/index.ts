import { PackageURL } from 'packageurl-js';
import type { FileEntry, PythonMetadata } from '../../../core/index.js';
import type { Analyzer, AnalyzerOutput, MergeInput, PackageDraft } from '../../analyzer.js';
import type { LockPackage } from './lock-record.js';
import { parseDirectUrl } from './parse-direct-url.js';
import { parseDistMetadata, parseRequiresTxt } from './parse-metadata.js';
import { parsePipfileLock } from './parse-pipfile-lock.js';
import { parsePoetryLock } from './parse-poetry-lock.js';
import { parsePyproject } from './parse-pyproject.js';
import { parseRequirements } from './parse-requirements.js';
import { parseUvLock } from './parse-uv-lock.js';
import { normalizeName } from './requirement.js';

export type { LockPackage, LockParse } from './lock-record.js';
export { parseDirectUrl } from './parse-direct-url.js';
export { licensesOf, parseDistMetadata, parseHeaders, parseRequiresTxt, MAX_HEADER_BYTES, type DistMetadata } from './parse-metadata.js';
export { parsePipfileLock } from './parse-pipfile-lock.js';
export { parsePoetryLock } from './parse-poetry-lock.js';
export { parsePyproject, type PyprojectDeps } from './parse-pyproject.js';
export { parseRequirementLine, parseRequirements, type RequirementRecord } from './parse-requirements.js';
export { parseUvLock } from './parse-uv-lock.js';
export { isValidName, isValidVersion, normalizeName } from './requirement.js';

export type LockFormat = 'requirements' | 'poetry' | 'pipenv' | 'uv';

/** What one file contributes (cached per layer as JSON: only what merge needs). */
export type PythonFact =
  /** An installed distribution: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, or a single-file `*.egg-info`. */
  | {
      kind: 'dist';
      name: string;
      version: string;
      licenses?: string[];
      summary?: string;
      author?: string;
      requiresPython?: string;
      /** Normalised names of its unconditional requirements; absent when the file has no Requires-Dist. */
      requires?: string[];
      warnings?: string[];
    }
  /** `*.egg-info/requires.txt`: the requirements of the egg-info's distribution (PKG-INFO does not list them). */
  | { kind: 'requires'; requires: string[] }
  /** `*.dist-info/direct_url.json` of a VCS install. */
  | { kind: 'direct-url'; vcsUrl: string }
  /** A requirements file or lockfile (declared). */
  | { kind: 'lock'; format: LockFormat; packages: LockPackage[]; warnings?: string[] }
  /** pyproject.toml: direct dependencies, to flag the dev packages of a poetry.lock beside it. */
  | { kind: 'pyproject'; main: string[]; dev: string[] };

type FileKind = 'metadata' | 'egg-info-file' | 'requires' | 'direct-url' | 'requirements' | 'poetry' | 'pipenv' | 'uv' | 'pyproject';

/** Lockfiles of large projects are a few MiB; METADATA is read up to MAX_HEADER_BYTES whatever its size. */
const MAX_FILE_SIZE = 32 * 1024 * 1024;

/** purl spec PURL-TYPES `pypi`: PEP 503-normalised name; `vcs_url` for VCS installs, as Syft writes it. */
export function pypiPurl(name: string, version: string, vcsUrl?: string): string {
  const n = normalizeName(name);
  const q = vcsUrl !== undefined ? { vcs_url: vcsUrl } : undefined;
  try {
    return new PackageURL('pypi', undefined, n, version, q, undefined).toString();
  } catch {
    // Only hostile metadata has a name packageurl-js refuses; encode it rather than lose the file.
    return `pkg:pypi/${encodeURIComponent(n)}@${encodeURIComponent(version)}`;
  }
}

/** Whether the directory segment ending at `end` (exclusive) ends with `suffix` (lower case), case-insensitively. */
function dirEndsWith(path: string, end: number, suffix: string): boolean {
  return end >= suffix.length && path.slice(end - suffix.length, end).toLowerCase() === suffix;
}

function inSitePackages(path: string): boolean {
  return path.includes('site-packages/') || path.includes('dist-packages/');
}

/** Whether the directory segment ending at `slash` is exactly "requirements". */
function isRequirementsDir(path: string, slash: number): boolean {
  const start = slash - 'requirements'.length;
  return start >= 0 && path.startsWith('requirements', start) && (start === 0 || path.charCodeAt(start - 1) === 0x2f);
}

function isName(path: string, name: string): boolean {
  return path === name || (path.endsWith(name) && path.charCodeAt(path.length - name.length - 1) === 0x2f);
}

/**
 * Which Python file this is. Called for every file of every layer: a switch on the last character, then
 * endsWith / lastIndexOf; strings are only sliced once a suffix matched.
 *   - `…dist-info/METADATA` and `…egg-info/PKG-INFO` (directory names compared case-insensitively: Syft's
 *     fixtures have `DIST-INFO/`, and eggs have `EGG-INFO/`), single-file `*.egg-info`, anywhere (as Trivy and Syft);
 *   - requirements files: a name containing "requirements" and ending ".txt" (Syft's `*requirements*.txt`, a
 *     superset of Trivy's `requirements.txt`) or any `.txt` in a `requirements/` directory (pip-tools layout);
 *   - poetry.lock, Pipfile.lock, uv.lock and pyproject.toml.
 * Project files inside site-packages / dist-packages belong to installed distributions (test data, vendored
 * sources): those are reported from their metadata, so such files are not read.
 */
function classify(path: string): FileKind | undefined {
  const n = path.length;
  switch (path.charCodeAt(n - 1)) {
    case 0x41: // "A"
      if (path.endsWith('/METADATA') && dirEndsWith(path, n - 9, 'dist-info')) return 'metadata';
      return undefined;
    case 0x4f: // "O"
      if (path.endsWith('/PKG-INFO') && dirEndsWith(path, n - 9, 'egg-info')) return 'metadata';
      return undefined;
    case 0x6f: // "o"
      return path.endsWith('.egg-info') ? 'egg-info-file' : undefined;
    case 0x6e: // "n"
      return path.endsWith('/direct_url.json') && dirEndsWith(path, n - 16, 'dist-info') ? 'direct-url' : undefined;
    case 0x74: {
      // "t"
      if (!path.endsWith('.txt')) return undefined;
      if (path.endsWith('/requires.txt') && dirEndsWith(path, n - 13, 'egg-info')) return 'requires';
      const slash = path.lastIndexOf('/');
      const named = path.indexOf('requirements', slash + 1) !== -1 || isRequirementsDir(path, slash);
      return named && !inSitePackages(path) ? 'requirements' : undefined;
    }
    case 0x6b: // "k"
      if (isName(path, 'poetry.lock')) return inSitePackages(path) ? undefined : 'poetry';
      if (isName(path, 'Pipfile.lock')) return inSitePackages(path) ? undefined : 'pipenv';
      if (isName(path, 'uv.lock')) return inSitePackages(path) ? undefined : 'uv';
      return undefined;
    case 0x6c: // "l"
      return isName(path, 'pyproject.toml') && !inSitePackages(path) ? 'pyproject' : undefined;
    default:
      return undefined;
  }
}

function withWarnings<T extends object>(fact: T, warnings: string[]): T & { warnings?: string[] } {
  return warnings.length ? { ...fact, warnings } : fact;
}

function distFact(content: Buffer): PythonFact {
  const { metadata: m, warnings } = parseDistMetadata(content);
  return withWarnings(
    {
      kind: 'dist' as const,
      name: m.name,
      version: m.version,
      ...(m.licenses.length ? { licenses: m.licenses } : {}),
      ...(m.summary !== undefined ? { summary: m.summary } : {}),
      ...(m.author !== undefined ? { author: m.author } : {}),
      ...(m.requiresPython !== undefined ? { requiresPython: m.requiresPython } : {}),
      ...(m.requires !== undefined ? { requires: m.requires } : {}),
    },
    warnings,
  );
}

function lockFact(format: LockFormat, parse: { packages: LockPackage[]; warnings: string[] }): PythonFact | undefined {
  if (parse.packages.length === 0 && parse.warnings.length === 0) return undefined;
  return withWarnings({ kind: 'lock' as const, format, packages: parse.packages }, parse.warnings);
}

function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

function byPath<T extends { path: string }>(a: T, b: T): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Packages reachable from `starts` over `deps`. */
function reachable(packages: LockPackage[], starts: Iterable<number>): Set<number> {
  const seen = new Set<number>();
  const stack = [...starts];
  while (stack.length) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const j of packages[i]?.deps ?? []) stack.push(j);
  }
  return seen;
}

/**
 * poetry.lock with a pyproject.toml beside it: a package is for development when no runtime dependency of the
 * project reaches it (Trivy's rule; it also covers lock-version 2.0 files, which record no groups). Without a
 * pyproject declaring dependencies, the lockfile's own `category` / `groups` decide.
 */
function poetryDev(packages: LockPackage[], project: { main: string[]; dev: string[] } | undefined): (i: number) => boolean {
  if (!project || (project.main.length === 0 && project.dev.length === 0)) return (i) => packages[i]!.dev === true;
  const main = new Set(project.main);
  const runtime = reachable(
    packages,
    packages.flatMap((p, i) => (main.has(normalizeName(p.name)) ? [i] : [])),
  );
  return (i) => !runtime.has(i);
}

export const analyzer: Analyzer<PythonFact> = {
  id: 'python',
  version: 1,
  kind: 'lang-pkg',
  maxFileSize: MAX_FILE_SIZE,
  coverage: [
    {
      ecosystem: 'pypi',
      what: 'Installed distributions: wheel METADATA, egg-info PKG-INFO (directory or single file); requires, direct_url.json (VCS installs)',
      files: ['**/*.dist-info/METADATA', '**/*.egg-info/PKG-INFO', '**/*.egg-info', '**/*.egg/EGG-INFO/PKG-INFO'],
      evidence: 'installed',
    },
    { ecosystem: 'pypi', what: 'pip requirements files (pinned == / === requirements only)', files: ['**/*requirements*.txt', '**/requirements/*.txt'], evidence: 'declared' },
    { ecosystem: 'pypi', what: 'Poetry lockfile v1/v2 (dev groups via pyproject.toml)', files: ['**/poetry.lock', '**/pyproject.toml'], evidence: 'declared' },
    { ecosystem: 'pypi', what: 'Pipenv lockfile (default / develop)', files: ['**/Pipfile.lock'], evidence: 'declared' },
    { ecosystem: 'pypi', what: 'uv lockfile (dev groups, workspaces)', files: ['**/uv.lock'], evidence: 'declared' },
  ],
  required(path: string): boolean {
    return classify(path) !== undefined;
  },
  analyze(file: FileEntry): PythonFact | undefined {
    switch (classify(file.path)) {
      case 'metadata':
      case 'egg-info-file':
        return distFact(file.content);
      case 'requires': {
        const requires = parseRequiresTxt(file.content);
        return requires.length ? { kind: 'requires', requires } : undefined;
      }
      case 'direct-url': {
        const vcsUrl = parseDirectUrl(file.content);
        return vcsUrl !== undefined ? { kind: 'direct-url', vcsUrl } : undefined;
      }
      case 'requirements': {
        const packages = parseRequirements(file.content).map((r) => ({ name: r.name, version: r.version }));
        return lockFact('requirements', { packages, warnings: [] });
      }
      case 'poetry':
        return lockFact('poetry', parsePoetryLock(file.content));
      case 'pipenv':
        return lockFact('pipenv', parsePipfileLock(file.content));
      case 'uv':
        return lockFact('uv', parseUvLock(file.content));
      case 'pyproject': {
        const deps = parsePyproject(file.content);
        return deps.main.length || deps.dev.length ? { kind: 'pyproject', ...deps } : undefined;
      }
      default:
        return undefined;
    }
  },
  merge({ final, history }: MergeInput<PythonFact>): AnalyzerOutput {
    const warnings: string[] = [];
    const packages: PackageDraft[] = [];
    // Layer attribution per file: the earliest layer in which this path described this package.
    const firstLayer = new Map<string, number>();
    const note = (path: string, purl: string, layer: number): void => {
      const k = `${path}\u0000${purl}`;
      const seen = firstLayer.get(k);
      if (seen === undefined || layer < seen) firstLayer.set(k, layer);
    };

    const vcsUrls = new Map<string, string>();
    const requiresTxt = new Map<string, string[]>();
    const projects = new Map<string, { main: string[]; dev: string[] }>();
    for (const { path, fact } of final) {
      if (fact.kind === 'direct-url') vcsUrls.set(dirName(path), fact.vcsUrl);
      else if (fact.kind === 'requires') requiresTxt.set(dirName(path), fact.requires);
      else if (fact.kind === 'pyproject') projects.set(dirName(path), { main: fact.main, dev: fact.dev });
    }
    const distPurl = (path: string, f: Extract<PythonFact, { kind: 'dist' }>): string =>
      pypiPurl(f.name, f.version, path.endsWith('.egg-info') ? undefined : vcsUrls.get(dirName(path)));
    for (const { path, layer, fact } of history) {
      if (fact.kind === 'dist') note(path, distPurl(path, fact), layer);
      else if (fact.kind === 'lock') for (const p of fact.packages) note(path, pypiPurl(p.name, p.version), layer);
    }

    // Installed distributions: requirements resolve against the distributions of the same directory (a
    // site-packages, dist-packages, or a virtual environment's), as importlib.metadata would find them.
    const dists = final.filter((l): l is typeof l & { fact: Extract<PythonFact, { kind: 'dist' }> } => l.fact.kind === 'dist').sort(byPath);
    // The directory holding the metadata directory (or file); for an unzipped egg, `x.egg/EGG-INFO/PKG-INFO`, the
    // directory holding the egg.
    const siteOf = (path: string): string => {
      if (path.endsWith('.egg-info')) return dirName(path);
      const metaDir = dirName(path);
      return metaDir.endsWith('.egg/EGG-INFO') ? dirName(dirName(metaDir)) : dirName(metaDir);
    };
    const bySite = new Map<string, Map<string, string[]>>();
    const purls = new Map<string, string>();
    for (const { path, fact } of dists) {
      const purl = distPurl(path, fact);
      purls.set(path, purl);
      const site = siteOf(path);
      let names = bySite.get(site);
      if (!names) bySite.set(site, (names = new Map()));
      const k = normalizeName(fact.name);
      const same = names.get(k);
      if (same) same.push(purl);
      else names.set(k, [purl]);
    }
    for (const { path, fact } of dists) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      const purl = purls.get(path)!;
      const names = bySite.get(siteOf(path))!;
      const requires = fact.requires ?? (path.endsWith('.egg-info') ? undefined : requiresTxt.get(dirName(path))) ?? [];
      const dependsOn = [...new Set(requires.flatMap((r) => names.get(r) ?? []))].filter((d) => d !== purl);
      const layer = firstLayer.get(`${path}\u0000${purl}`);
      const metadata: PythonMetadata = {
        kind: 'python',
        declaredName: fact.name,
        ...(fact.summary !== undefined ? { summary: fact.summary } : {}),
        ...(fact.author !== undefined ? { author: fact.author } : {}),
        ...(fact.requiresPython !== undefined ? { requiresPython: fact.requiresPython } : {}),
      };
      packages.push({
        purl,
        type: 'pypi',
        name: normalizeName(fact.name),
        version: fact.version,
        licenses: fact.licenses ?? [],
        locations: [path],
        ...(layer !== undefined ? { layer } : {}),
        metadata,
        evidence: 'installed',
        ...(dependsOn.length ? { dependsOn } : {}),
      });
    }

    const locks = final.filter((l): l is typeof l & { fact: Extract<PythonFact, { kind: 'lock' }> } => l.fact.kind === 'lock').sort(byPath);
    for (const { path, fact } of locks) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      const list = fact.packages;
      const lockPurls = list.map((p) => pypiPurl(p.name, p.version));
      const isDev = fact.format === 'poetry' ? poetryDev(list, projects.get(dirName(path))) : (i: number) => list[i]!.dev === true;
      list.forEach((p, i) => {
        const purl = lockPurls[i]!;
        const dependsOn = [...new Set((p.deps ?? []).map((j) => lockPurls[j]).filter((d): d is string => d !== undefined && d !== purl))];
        const layer = firstLayer.get(`${path}\u0000${purl}`);
        packages.push({
          purl,
          type: 'pypi',
          name: normalizeName(p.name),
          version: p.version,
          licenses: [],
          locations: [path],
          ...(layer !== undefined ? { layer } : {}),
          metadata: { kind: 'python', declaredName: p.name },
          evidence: 'declared',
          ...(isDev(i) ? { dev: true } : {}),
          ...(dependsOn.length ? { dependsOn } : {}),
        });
      });
    }
    return { packages, ...(warnings.length ? { warnings } : {}) };
  },
};
