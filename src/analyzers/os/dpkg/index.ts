import type { DpkgMetadata, FileEntry } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type Located, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { osPurl } from '../../purl.js';
import { parseCopyright } from './parse-copyright.js';
import { parseDpkgStatus, type DpkgRecord } from './parse-dpkg-status.js';

export type { DpkgRecord } from './parse-dpkg-status.js';

export type DpkgFact =
  /** var/lib/dpkg/status or one distroless var/lib/dpkg/status.d/<name> file. */
  | { kind: 'status'; packages: DpkgRecord[]; warnings?: string[] }
  /** usr/share/doc/<package>/copyright (the package name is in the path). */
  | { kind: 'copyright'; licenses: string[] };

const STATUS = 'var/lib/dpkg/status';
const STATUS_D = 'var/lib/dpkg/status.d/';
/**
 * Distroless status.d holds one control file per package plus, for some, `<name>.md5sums` and maintainer
 * scripts; only the control files are stanzas. Package names may contain dots (libssl1.1), so exclude by suffix.
 */
const STATUS_D_NOT_STANZAS = /\.(?:md5sums|sha256sums|preinst|postinst|prerm|postrm|list|conffiles|triggers|shlibs|symbols|templates|config)$/;
const COPYRIGHT = /^usr\/share\/doc\/([^/]+)\/copyright$/;

function isStatusFile(path: string): boolean {
  if (path === STATUS) return true;
  if (!path.startsWith(STATUS_D)) return false;
  const name = path.slice(STATUS_D.length);
  return name !== '' && !name.includes('/') && !name.startsWith('.') && !STATUS_D_NOT_STANZAS.test(name);
}

function keyOf(p: Pick<DpkgRecord, 'name' | 'version' | 'arch'>): string {
  return `${p.name}\u0000${p.version}\u0000${p.arch}`;
}

export const analyzer: Analyzer<DpkgFact> = {
  id: 'dpkg',
  version: 1,
  coverage: [
    { ecosystem: 'deb', what: 'dpkg status database', files: ['/var/lib/dpkg/status', '/var/lib/dpkg/status.d/*'], evidence: 'installed' },
    { ecosystem: 'deb', what: 'package licenses', files: ['/usr/share/doc/*/copyright'], evidence: 'installed' },
  ],
  kind: 'os-pkg',
  required(path: string): boolean {
    return isStatusFile(path) || COPYRIGHT.test(path);
  },
  analyze(file: FileEntry): DpkgFact | undefined {
    if (isStatusFile(file.path)) {
      const { packages, warnings } = parseDpkgStatus(file.content);
      if (packages.length === 0 && warnings.length === 0) return undefined;
      return warnings.length ? { kind: 'status', packages, warnings } : { kind: 'status', packages };
    }
    if (COPYRIGHT.test(file.path)) {
      const licenses = parseCopyright(file.content);
      return licenses.length ? { kind: 'copyright', licenses } : undefined;
    }
    return undefined;
  },
  merge({ final, history, os }: MergeInput<DpkgFact>): AnalyzerOutput {
    const firstLayer = firstLayerByKey(history, (f) => (f.kind === 'status' ? f.packages.map(keyOf) : []));
    const licensesByPath = new Map<string, string[]>();
    const statusFacts: Located<Extract<DpkgFact, { kind: 'status' }>>[] = [];
    for (const located of final) {
      if (located.fact.kind === 'copyright') licensesByPath.set(located.path, located.fact.licenses);
      else statusFacts.push(located as Located<Extract<DpkgFact, { kind: 'status' }>>);
    }
    // The status file first, then status.d files in path order: deterministic whatever order the walk produced.
    statusFacts.sort((a, b) => (a.path === STATUS ? -1 : b.path === STATUS ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

    const warnings: string[] = [];
    const seen = new Map<string, PackageDraft>();
    for (const { path, fact } of statusFacts) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      for (const rec of fact.packages) {
        // One package per (name, arch): dpkg's own identity for a multi-arch installation.
        const id = `${rec.name}\u0000${rec.arch}`;
        const prior = seen.get(id);
        if (prior) {
          if (prior.version !== rec.version) warnings.push(`${path}: ${rec.name}:${rec.arch} ${rec.version} ignored, ${prior.version} already listed in ${prior.locations[0]}`);
          continue;
        }
        const copyrightPath = `usr/share/doc/${rec.name}/copyright`;
        const licenses = licensesByPath.get(copyrightPath) ?? [];
        const metadata: DpkgMetadata = {
          kind: 'dpkg',
          arch: rec.arch,
          sourceName: rec.sourceName,
          sourceVersion: rec.sourceVersion,
          ...(rec.maintainer !== undefined ? { maintainer: rec.maintainer } : {}),
          ...(rec.installedSize !== undefined ? { installedSize: rec.installedSize } : {}),
          ...(path !== STATUS ? { statusD: true } : {}),
        };
        const layer = firstLayer.get(keyOf(rec));
        seen.set(id, {
          purl: osPurl('deb', os, rec.name, rec.version, { arch: rec.arch }),
          type: 'deb',
          name: rec.name,
          version: rec.version,
          licenses,
          locations: licenses.length ? [path, copyrightPath] : [path],
          ...(layer !== undefined ? { layer } : {}),
          metadata,
        });
      }
    }
    return { packages: [...seen.values()], ...(warnings.length ? { warnings } : {}) };
  },
};
