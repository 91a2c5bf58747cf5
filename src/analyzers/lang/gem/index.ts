import { PackageURL } from 'packageurl-js';
import type { FileEntry, GemMetadata } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { parseGemfileLock } from './parse-gemfile-lock.js';
import { parseGemspec } from './parse-gemspec.js';

export { parseGemspec, type GemspecParse, type GemspecRecord } from './parse-gemspec.js';
export { parseGemfileLock, type GemfileLock, type GemLockSpec, type GemSource } from './parse-gemfile-lock.js';

/** One gem as merge needs it (facts are cached per layer as JSON, so only this is kept). */
export interface GemFactPackage {
  name: string;
  version: string;
  purl: string;
  platform?: string;
  licenses?: string[];
  /** purls of direct dependencies in the same lockfile. */
  dependsOn?: string[];
}

export interface GemFact {
  /** 'installed' for a specification, 'declared' for a lockfile. */
  evidence: 'installed' | 'declared';
  packages: GemFactPackage[];
  warnings?: string[];
}

/** Installed specifications are small; 4 MiB leaves room for gems listing thousands of files, and bounds a lockfile. */
const MAX_FILE_SIZE = 4 * 1024 * 1024;

/** purl spec PURL-TYPES `gem`: no namespace; `platform` qualifier for non-"ruby" platforms (e.g. java). */
export function gemPurl(name: string, version: string, platform?: string): string {
  return new PackageURL('gem', undefined, name, version, platform ? { platform } : undefined, undefined).toString();
}

function isSpecification(path: string): boolean {
  // Any gem home: usr/local/bundle, var/lib/gems/<v>, usr/lib/ruby/gems/<v>, usr/share/rubygems-integration/<v>,
  // including RubyGems' default gems under specifications/default/.
  return path.endsWith('.gemspec') && (path.startsWith('specifications/') || path.includes('/specifications/'));
}

function isLockfile(path: string): boolean {
  if (!(path.endsWith('Gemfile.lock') || path.endsWith('gems.locked'))) return false;
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (base !== 'Gemfile.lock' && base !== 'gems.locked') return false;
  return !insideInstalledGem(path);
}

/**
 * `<gem home>/gems/<gem>-<version>/…/Gemfile.lock` (and Bundler's git checkouts `bundler/gems/<repo>/…`) is the
 * lockfile of that gem's own development, shipped by accident: it names what its authors tested with, not what the
 * image runs, so it is not read.
 */
function insideInstalledGem(path: string): boolean {
  const parts = path.split('/');
  // A `gems` directory with at least one more directory between it and the file.
  for (let i = 0; i < parts.length - 2; i++) if (parts[i] === 'gems') return true;
  return false;
}

function specificationFact(file: FileEntry): GemFact {
  const { gem, warnings } = parseGemspec(file.content);
  const pkg: GemFactPackage = {
    name: gem.name,
    version: gem.version,
    purl: gemPurl(gem.name, gem.version, gem.platform),
    ...(gem.platform ? { platform: gem.platform } : {}),
    ...(gem.licenses.length ? { licenses: gem.licenses } : {}),
  };
  return { evidence: 'installed', packages: [pkg], ...(warnings.length ? { warnings } : {}) };
}

function lockfileFact(file: FileEntry): GemFact | undefined {
  const lock = parseGemfileLock(file.content);
  const byName = new Map<string, string[]>();
  const seen = new Set<string>();
  const packages: GemFactPackage[] = [];
  const deps: string[][] = [];
  for (const spec of lock.specs) {
    const purl = gemPurl(spec.name, spec.version, spec.platform);
    // The same gem can be listed by two sources (rare); one package per purl and lockfile.
    if (seen.has(purl)) continue;
    seen.add(purl);
    const list = byName.get(spec.name) ?? [];
    list.push(purl);
    byName.set(spec.name, list);
    packages.push({ name: spec.name, version: spec.version, purl, ...(spec.platform ? { platform: spec.platform } : {}) });
    deps.push(spec.dependencies);
  }
  packages.forEach((p, i) => {
    // A dependency resolves to every platform variant of that gem the lockfile holds (Bundler picks one at install).
    const dependsOn = deps[i]!.flatMap((name) => (name === p.name ? [] : (byName.get(name) ?? [])));
    if (dependsOn.length) p.dependsOn = [...new Set(dependsOn)];
  });
  if (packages.length === 0 && lock.warnings.length === 0) return undefined;
  return { evidence: 'declared', packages, ...(lock.warnings.length ? { warnings: lock.warnings } : {}) };
}

function keyOf(evidence: string, p: GemFactPackage): string {
  return `${evidence}\u0000${p.purl}`;
}

export const analyzer: Analyzer<GemFact> = {
  id: 'gem',
  version: 1,
  kind: 'lang-pkg',
  maxFileSize: MAX_FILE_SIZE,
  coverage: [
    {
      ecosystem: 'gem',
      what: 'installed gem specifications',
      files: ['**/specifications/*.gemspec', '**/specifications/default/*.gemspec'],
      evidence: 'installed',
    },
    { ecosystem: 'gem', what: 'Bundler lockfile', files: ['**/Gemfile.lock', '**/gems.locked'], evidence: 'declared' },
  ],
  required(path: string): boolean {
    return isSpecification(path) || isLockfile(path);
  },
  analyze(file: FileEntry): GemFact | undefined {
    return file.path.endsWith('.gemspec') ? specificationFact(file) : lockfileFact(file);
  },
  merge({ final, history }: MergeInput<GemFact>): AnalyzerOutput {
    const firstLayer = firstLayerByKey(history, (f) => f.packages.map((p) => keyOf(f.evidence, p)));
    const warnings: string[] = [];
    const packages: PackageDraft[] = [];
    for (const { path, fact } of [...final].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      for (const p of fact.packages) {
        const layer = firstLayer.get(keyOf(fact.evidence, p));
        const metadata: GemMetadata = { kind: 'gem', ...(p.platform ? { platform: p.platform } : {}) };
        packages.push({
          purl: p.purl,
          type: 'gem',
          name: p.name,
          version: p.version,
          licenses: p.licenses ?? [],
          locations: [path],
          ...(layer !== undefined ? { layer } : {}),
          metadata,
          evidence: fact.evidence,
          ...(p.dependsOn ? { dependsOn: p.dependsOn } : {}),
        });
      }
    }
    return { packages, ...(warnings.length ? { warnings } : {}) };
  },
};
