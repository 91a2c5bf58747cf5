import { PackageURL } from 'packageurl-js';
import type { FileEntry, NugetMetadata } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { parseDepsJson, parsePackagesConfig, parsePackagesLock, type NugetParse } from './parse-nuget.js';

export { parseDepsJson, parsePackagesConfig, parsePackagesLock, type NugetDependencyRef, type NugetParse, type NugetRecord } from './parse-nuget.js';

/** One package as merge needs it (facts are cached per layer as JSON). */
export interface NugetFactPackage {
  name: string;
  version: string;
  purl: string;
  sha512?: string;
  dev?: boolean;
  dependsOn?: string[];
}

export interface NugetFact {
  /** 'installed' for *.deps.json, 'declared' for packages.lock.json and packages.config. */
  evidence: 'installed' | 'declared';
  packages: NugetFactPackage[];
  warnings?: string[];
}

/** deps.json of large apps is a few hundred KiB; 8 MiB bounds the parsed JSON in memory. */
const MAX_FILE_SIZE = 8 * 1024 * 1024;

/** purl spec PURL-TYPES `nuget`: no namespace, name case preserved, `pkg:nuget/EnterpriseLibrary.Common@6.0.1304`. */
export function nugetPurl(name: string, version: string): string {
  return new PackageURL('nuget', undefined, name, version, undefined, undefined).toString();
}

function baseIs(path: string, base: string): boolean {
  return path.endsWith(base) && (path.length === base.length || path[path.length - base.length - 1] === '/');
}

function toFact(evidence: 'installed' | 'declared', parsed: NugetParse): NugetFact | undefined {
  const packages = parsed.packages.map((r): NugetFactPackage => {
    const dependsOn = r.dependencies.map((d) => nugetPurl(d.name, d.version));
    return {
      name: r.name,
      version: r.version,
      purl: nugetPurl(r.name, r.version),
      ...(r.sha512 ? { sha512: r.sha512 } : {}),
      ...(r.dev ? { dev: true } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
    };
  });
  if (packages.length === 0 && parsed.warnings.length === 0) return undefined;
  return { evidence, packages, ...(parsed.warnings.length ? { warnings: parsed.warnings } : {}) };
}

function keyOf(evidence: string, p: NugetFactPackage): string {
  return `${evidence}\u0000${p.purl}`;
}

export const analyzer: Analyzer<NugetFact> = {
  id: 'nuget',
  version: 1,
  kind: 'lang-pkg',
  maxFileSize: MAX_FILE_SIZE,
  coverage: [
    { ecosystem: 'nuget', what: '.NET application dependencies (runtime packages)', files: ['**/*.deps.json'], evidence: 'installed' },
    { ecosystem: 'nuget', what: 'NuGet lockfile and packages.config', files: ['**/packages.lock.json', '**/packages.config'], evidence: 'declared' },
  ],
  required(path: string): boolean {
    return path.endsWith('.deps.json') || baseIs(path, 'packages.lock.json') || baseIs(path, 'packages.config');
  },
  analyze(file: FileEntry): NugetFact | undefined {
    if (file.path.endsWith('.deps.json')) return toFact('installed', parseDepsJson(file.content));
    if (file.path.endsWith('packages.config')) return toFact('declared', parsePackagesConfig(file.content));
    return toFact('declared', parsePackagesLock(file.content));
  },
  merge({ final, history }: MergeInput<NugetFact>): AnalyzerOutput {
    const firstLayer = firstLayerByKey(history, (f) => f.packages.map((p) => keyOf(f.evidence, p)));
    const warnings: string[] = [];
    const packages: PackageDraft[] = [];
    for (const { path, fact } of [...final].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      for (const p of fact.packages) {
        const layer = firstLayer.get(keyOf(fact.evidence, p));
        const metadata: NugetMetadata = { kind: 'nuget', ...(p.sha512 ? { sha512: p.sha512 } : {}) };
        packages.push({
          purl: p.purl,
          type: 'nuget',
          name: p.name,
          version: p.version,
          licenses: [],
          locations: [path],
          ...(layer !== undefined ? { layer } : {}),
          metadata,
          evidence: fact.evidence,
          ...(p.dev ? { dev: true } : {}),
          ...(p.dependsOn ? { dependsOn: p.dependsOn } : {}),
        });
      }
    }
    return { packages, ...(warnings.length ? { warnings } : {}) };
  },
};
