import { AnalysisError, type DpkgMetadata, type FileEntry } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type Located, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { osPurl } from '../../purl.js';
import { addOwnedPath, isLanguageEvidencePath } from '../owned-paths.js';
import { parseCopyright } from './parse-copyright.js';
import { parseDpkgFileList } from './parse-dpkg-file-list.js';
import { parseDpkgStatus, type DpkgRecord } from './parse-dpkg-status.js';

export type { DpkgRecord } from './parse-dpkg-status.js';

export type DpkgFact =
  /** var/lib/dpkg/status or one distroless var/lib/dpkg/status.d/<name> file. */
  | { kind: 'status'; packages: DpkgRecord[]; warnings?: string[] }
  /** usr/share/doc/<package>/copyright (the package name is in the path). */
  | { kind: 'copyright'; licenses: string[] }
  /**
   * var/lib/dpkg/info/<name>[:<arch>].list, or a distroless var/lib/dpkg/status.d/<name>.md5sums: the package's
   * files that can be evidence of language packages (isLanguageEvidencePath); the package is named by the path.
   */
  | { kind: 'files'; paths: string[]; warnings?: string[] };

const STATUS = 'var/lib/dpkg/status';
const STATUS_D = 'var/lib/dpkg/status.d/';
/**
 * Distroless status.d holds one control file per package plus, for some, `<name>.md5sums` and maintainer
 * scripts; only the control files are stanzas. Package names may contain dots (libssl1.1), so exclude by suffix.
 */
const STATUS_D_NOT_STANZAS = /\.(?:md5sums|sha256sums|preinst|postinst|prerm|postrm|list|conffiles|triggers|shlibs|symbols|templates|config)$/;
const COPYRIGHT = /^usr\/share\/doc\/([^/]+)\/copyright$/;
const INFO = 'var/lib/dpkg/info/';
const LIST = '.list';
const MD5SUMS = '.md5sums';

/** var/lib/dpkg/info/<name>[:<arch>].list: dpkg's record of the files a package installed. */
function isListFile(path: string): boolean {
  return path.endsWith(LIST) && path.startsWith(INFO) && path.length > INFO.length + LIST.length && path.indexOf('/', INFO.length) === -1;
}

/** Distroless images have no .list files; status.d/<name>.md5sums lists the package's regular files. */
function isStatusDMd5sums(path: string): boolean {
  return path.endsWith(MD5SUMS) && path.startsWith(STATUS_D) && path.length > STATUS_D.length + MD5SUMS.length && path.indexOf('/', STATUS_D.length) === -1;
}

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
  version: 3,
  coverage: [
    { ecosystem: 'deb', what: 'dpkg status database', files: ['/var/lib/dpkg/status', '/var/lib/dpkg/status.d/*'], evidence: 'installed' },
    { ecosystem: 'deb', what: 'package licenses', files: ['/usr/share/doc/*/copyright'], evidence: 'installed' },
    {
      ecosystem: 'deb',
      what: 'file lists (language packages owned by a deb)',
      files: ['/var/lib/dpkg/info/*.list', '/var/lib/dpkg/status.d/*.md5sums'],
      evidence: 'installed',
    },
  ],
  kind: 'os-pkg',
  required(path: string): boolean {
    if (path.startsWith(INFO)) return isListFile(path);
    return isStatusFile(path) || isStatusDMd5sums(path) || COPYRIGHT.test(path);
  },
  analyze(file: FileEntry): DpkgFact | undefined {
    if (isStatusFile(file.path)) {
      const { packages, warnings } = parseDpkgStatus(file.content);
      if (packages.length === 0 && warnings.length === 0) return undefined;
      // Content but not one readable stanza: not a status file at all. Throwing makes it a gap of the inventory
      // (LayerCollector), so a scan over it is incomplete instead of clean.
      if (packages.length === 0) throw new AnalysisError('MALFORMED_FILE', `${file.path} is not a dpkg status file (${warnings[0]})`);
      return warnings.length ? { kind: 'status', packages, warnings } : { kind: 'status', packages };
    }
    if (COPYRIGHT.test(file.path)) {
      const licenses = parseCopyright(file.content);
      return licenses.length ? { kind: 'copyright', licenses } : undefined;
    }
    const format = isListFile(file.path) ? 'list' : isStatusDMd5sums(file.path) ? 'md5sums' : undefined;
    if (format !== undefined) {
      const { paths, warnings } = parseDpkgFileList(file.content, format, isLanguageEvidencePath);
      if (paths.length === 0 && warnings.length === 0) return undefined;
      return warnings.length ? { kind: 'files', paths, warnings } : { kind: 'files', paths };
    }
    return undefined;
  },
  merge({ final, history, os }: MergeInput<DpkgFact>): AnalyzerOutput {
    const firstLayer = firstLayerByKey(history, (f) => (f.kind === 'status' ? f.packages.map(keyOf) : []));
    const licensesByPath = new Map<string, string[]>();
    const statusFacts: Located<Extract<DpkgFact, { kind: 'status' }>>[] = [];
    const fileFacts: Located<Extract<DpkgFact, { kind: 'files' }>>[] = [];
    for (const located of final) {
      if (located.fact.kind === 'copyright') licensesByPath.set(located.path, located.fact.licenses);
      else if (located.fact.kind === 'files') fileFacts.push(located as Located<Extract<DpkgFact, { kind: 'files' }>>);
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
    const ownedFiles = fileOwners(fileFacts, statusFacts, seen, warnings);
    return {
      packages: [...seen.values()],
      ...(warnings.length ? { warnings } : {}),
      ...(ownedFiles.size ? { ownedFiles: Object.fromEntries(ownedFiles) } : {}),
    };
  },
};

/**
 * Maps the kept paths of each file list to the purl of the installed package that owns it. The package is named
 * by the list's file name: info/<name>.list, or info/<name>:<arch>.list for Multi-Arch: same packages (dpkg
 * src/main/filesdb.c, pkg_infodb_get_file), or status.d/<name>.md5sums next to the status.d/<name> control file.
 * A list without an installed package (left behind, or its stanza skipped) owns nothing.
 */
function fileOwners(
  fileFacts: Located<Extract<DpkgFact, { kind: 'files' }>>[],
  statusFacts: Located<Extract<DpkgFact, { kind: 'status' }>>[],
  installed: Map<string, PackageDraft>,
  warnings: string[],
): Map<string, string> {
  const owned = new Map<string, string>();
  if (fileFacts.length === 0) return owned;
  const byName = new Map<string, PackageDraft>();
  for (const p of installed.values()) if (!byName.has(p.name)) byName.set(p.name, p);
  const statusFiles = new Map(statusFacts.map((s) => [s.path, s.fact.packages]));

  const ownerOf = (path: string): PackageDraft | undefined => {
    if (path.startsWith(INFO)) {
      const stem = path.slice(INFO.length, -LIST.length);
      const colon = stem.indexOf(':');
      if (colon === -1) return byName.get(stem);
      return installed.get(`${stem.slice(0, colon)}\u0000${stem.slice(colon + 1)}`);
    }
    const stem = path.slice(STATUS_D.length, -MD5SUMS.length);
    // The control file of the same name says which package it is (its name may differ from the file's).
    const records = statusFiles.get(`${STATUS_D}${stem}`);
    if (records?.length === 1) {
      const [rec] = records as [DpkgRecord];
      return installed.get(`${rec.name}\u0000${rec.arch}`);
    }
    return byName.get(stem);
  };

  // Sorted so that, when two lists name the same file (diversions, replaced packages), the owner is deterministic.
  for (const { path, fact } of [...fileFacts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
    const owner = ownerOf(path);
    if (owner === undefined) continue;
    for (const p of fact.paths) addOwnedPath(owned, p, owner.purl);
  }
  return owned;
}
