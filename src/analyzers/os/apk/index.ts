import type { ApkMetadata, FileEntry } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { osPurl } from '../../purl.js';
import { addOwnedPath, isLanguageEvidencePath } from '../owned-paths.js';
import { parseApkInstalled, splitApkLicense, type ApkRecord } from './parse-apk-installed.js';

export type { ApkRecord } from './parse-apk-installed.js';

export interface ApkFact {
  packages: ApkRecord[];
  warnings?: string[];
}

/** apk-tools 2 keeps its database under lib/; usr-merged Alpine (apk-tools 3) under usr/lib/ (Trivy reads both). */
const INSTALLED = ['lib/apk/db/installed', 'usr/lib/apk/db/installed'];

function keyOf(p: ApkRecord): string {
  return `${p.name}\u0000${p.version}\u0000${p.arch}`;
}

export const analyzer: Analyzer<ApkFact> = {
  id: 'apk',
  version: 2,
  coverage: [{ ecosystem: 'apk', what: 'Alpine/Wolfi apk database', files: ['/lib/apk/db/installed', '/usr/lib/apk/db/installed'], evidence: 'installed' }],
  kind: 'os-pkg',
  required(path: string): boolean {
    return INSTALLED.includes(path);
  },
  analyze(file: FileEntry): ApkFact | undefined {
    const { packages, warnings } = parseApkInstalled(file.content, { keepFile: isLanguageEvidencePath });
    if (packages.length === 0 && warnings.length === 0) return undefined;
    return warnings.length ? { packages, warnings } : { packages };
  },
  merge({ final, history, os }: MergeInput<ApkFact>): AnalyzerOutput {
    const firstLayer = firstLayerByKey(history, (f) => f.packages.map(keyOf));
    const warnings: string[] = [];
    const seen = new Map<string, PackageDraft>();
    const owned = new Map<string, string>();
    // Both paths may hold a copy of the same database; read them in a fixed order so the first listing wins.
    const ordered = [...final].sort((a, b) => INSTALLED.indexOf(a.path) - INSTALLED.indexOf(b.path));
    for (const { path, fact } of ordered) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      for (const rec of fact.packages) {
        const id = `${rec.name}\u0000${rec.arch}`;
        const prior = seen.get(id);
        if (prior) {
          if (prior.version !== rec.version || prior.locations[0] === path)
            warnings.push(`${path}: ${rec.name} (${rec.arch}) ${rec.version} ignored, ${prior.version} already listed in ${prior.locations[0]}`);
          continue;
        }
        const metadata: ApkMetadata = {
          kind: 'apk',
          arch: rec.arch,
          // Very old databases have no o: line; the package is then its own origin.
          origin: rec.origin ?? rec.name,
          ...(rec.commit !== undefined ? { commit: rec.commit } : {}),
          ...(rec.maintainer !== undefined ? { maintainer: rec.maintainer } : {}),
          ...(rec.installedSize !== undefined ? { installedSize: rec.installedSize } : {}),
        };
        const layer = firstLayer.get(keyOf(rec));
        const purl = osPurl('apk', os, rec.name, rec.version, { arch: rec.arch });
        for (const f of rec.files ?? []) addOwnedPath(owned, f, purl);
        seen.set(id, {
          purl,
          type: 'apk',
          name: rec.name,
          version: rec.version,
          licenses: rec.license !== undefined ? splitApkLicense(rec.license) : [],
          locations: [path],
          ...(layer !== undefined ? { layer } : {}),
          metadata,
        });
      }
    }
    return {
      packages: [...seen.values()],
      ...(warnings.length ? { warnings } : {}),
      ...(owned.size ? { ownedFiles: Object.fromEntries(owned) } : {}),
    };
  },
};
