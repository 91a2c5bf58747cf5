import { PackageURL } from 'packageurl-js';
import type { ComposerMetadata, FileEntry } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { parseComposerInstalled, parseComposerLock, type ComposerParse } from './parse-composer.js';

export { parseComposerInstalled, parseComposerLock, type ComposerParse, type ComposerRecord } from './parse-composer.js';

/** One package as merge needs it (facts are cached per layer as JSON). */
export interface ComposerFactPackage {
  name: string;
  version: string;
  purl: string;
  licenses?: string[];
  type?: string;
  dev?: boolean;
  dependsOn?: string[];
}

export interface ComposerFact {
  /** 'installed' for vendor/composer/installed.json, 'declared' for composer.lock. */
  evidence: 'installed' | 'declared';
  packages: ComposerFactPackage[];
  warnings?: string[];
}

/** Large Drupal/Magento projects reach a few MiB; 8 MiB bounds the parsed JSON in memory. */
const MAX_FILE_SIZE = 8 * 1024 * 1024;
const INSTALLED = 'vendor/composer/installed.json';

/** purl spec PURL-TYPES `composer`: the vendor is the namespace, `pkg:composer/laravel/laravel@5.5.0`. */
export function composerPurl(name: string, version: string): string {
  const slash = name.indexOf('/');
  const namespace = slash === -1 ? undefined : name.slice(0, slash);
  return new PackageURL('composer', namespace, slash === -1 ? name : name.slice(slash + 1), version, undefined, undefined).toString();
}

function isInstalled(path: string): boolean {
  return path.endsWith(INSTALLED) && (path.length === INSTALLED.length || path[path.length - INSTALLED.length - 1] === '/');
}

/**
 * composer.lock anywhere, except inside an installed package (`vendor/<vendor>/<name>/composer.lock`): that one is
 * the package's own development lock, shipped by accident, and says nothing about the image.
 */
function isLock(path: string): boolean {
  if (!(path === 'composer.lock' || path.endsWith('/composer.lock'))) return false;
  return !(path.startsWith('vendor/') || path.includes('/vendor/'));
}

function toFact(evidence: 'installed' | 'declared', parsed: ComposerParse): ComposerFact | undefined {
  const purlByName = new Map<string, string>();
  for (const r of parsed.packages) if (!purlByName.has(r.name)) purlByName.set(r.name, composerPurl(r.name, r.version));
  const packages = parsed.packages.map((r): ComposerFactPackage => {
    const dependsOn = [...new Set(r.require.flatMap((n) => (n !== r.name && purlByName.has(n) ? [purlByName.get(n)!] : [])))];
    return {
      name: r.name,
      version: r.version,
      purl: composerPurl(r.name, r.version),
      ...(r.licenses.length ? { licenses: r.licenses } : {}),
      ...(r.type !== undefined ? { type: r.type } : {}),
      ...(r.dev !== undefined ? { dev: r.dev } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
    };
  });
  if (packages.length === 0 && parsed.warnings.length === 0) return undefined;
  return { evidence, packages, ...(parsed.warnings.length ? { warnings: parsed.warnings } : {}) };
}

function keyOf(evidence: string, p: ComposerFactPackage): string {
  return `${evidence}\u0000${p.purl}`;
}

export const analyzer: Analyzer<ComposerFact> = {
  id: 'composer',
  version: 1,
  kind: 'lang-pkg',
  maxFileSize: MAX_FILE_SIZE,
  coverage: [
    { ecosystem: 'composer', what: 'Composer installed packages (v1 and v2)', files: ['**/vendor/composer/installed.json'], evidence: 'installed' },
    { ecosystem: 'composer', what: 'Composer lockfile', files: ['**/composer.lock'], evidence: 'declared' },
  ],
  required(path: string): boolean {
    return isInstalled(path) || isLock(path);
  },
  analyze(file: FileEntry): ComposerFact | undefined {
    return isInstalled(file.path)
      ? toFact('installed', parseComposerInstalled(file.content))
      : toFact('declared', parseComposerLock(file.content));
  },
  merge({ final, history }: MergeInput<ComposerFact>): AnalyzerOutput {
    const firstLayer = firstLayerByKey(history, (f) => f.packages.map((p) => keyOf(f.evidence, p)));
    const warnings: string[] = [];
    const packages: PackageDraft[] = [];
    for (const { path, fact } of [...final].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      for (const p of fact.packages) {
        const layer = firstLayer.get(keyOf(fact.evidence, p));
        const metadata: ComposerMetadata = { kind: 'composer', ...(p.type !== undefined ? { packageType: p.type } : {}) };
        packages.push({
          purl: p.purl,
          type: 'composer',
          name: p.name,
          version: p.version,
          licenses: p.licenses ?? [],
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
