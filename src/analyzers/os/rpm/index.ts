import { AnalysisError, type FileEntry, type OperatingSystem, type RpmMetadata } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type Located, type PackageDraft } from '../../analyzer.js';
import { osPurl } from '../../purl.js';
import { addOwnedPath, isLanguageEvidencePath } from '../owned-paths.js';
import { WarningList, type BlobList } from './blob.js';
import { parseHeaderBlob, parseHeaderFiles, type RpmHeader } from './parse-header.js';
import { readBdbBlobs } from './read-bdb.js';
import { readNdbBlobs } from './read-ndb.js';
import { readSqliteBlobs } from './read-sqlite.js';

export { parseHeaderBlob, parseHeaderFiles, RpmFileTag, RpmTag, type RpmHeader } from './parse-header.js';
export { readBdbBlobs } from './read-bdb.js';
export { readNdbBlobs } from './read-ndb.js';
export { readSqliteBlobs } from './read-sqlite.js';
export type { BlobList, RpmBlob } from './blob.js';

/** Which rpm database format a file is in (rpm's `%_db_backend`). */
export type RpmBackend = 'sqlite' | 'ndb' | 'bdb';

/** One installed package: a header with the identifying tags present. */
export type RpmRecord = RpmHeader & { name: string; version: string; release: string };

/** The cached fact for one rpm database file. */
export interface RpmFact {
  backend: RpmBackend;
  packages: RpmRecord[];
  /** Records that were skipped, and why (at most 50, then a count). */
  warnings: string[];
}

/**
 * Database locations (Trivy pkg/fanal/analyzer/pkg/rpm/rpm.go requiredFiles): Fedora ≥ 36 and SUSE moved the
 * database to usr/lib/sysimage/rpm and keep var/lib/rpm as a symlink; older distributions use var/lib/rpm.
 */
const DB_PATHS = new Set([
  'var/lib/rpm/rpmdb.sqlite',
  'usr/lib/sysimage/rpm/rpmdb.sqlite',
  'var/lib/rpm/Packages.db',
  'usr/lib/sysimage/rpm/Packages.db',
  'var/lib/rpm/Packages',
  'usr/lib/sysimage/rpm/Packages',
]);

/** When an image holds several databases (e.g. a stale BerkeleyDB next to the current SQLite one), the newest format wins. */
const BACKEND_RANK: Record<RpmBackend, number> = { sqlite: 0, ndb: 1, bdb: 2 };

export const analyzer: Analyzer<RpmFact> = {
  id: 'rpm',
  version: 2,
  coverage: [
    {
      ecosystem: 'rpm',
      what: 'rpm database (SQLite, NDB, BerkeleyDB), with file lists for language packages owned by an rpm',
      files: ['/var/lib/rpm/rpmdb.sqlite', '/var/lib/rpm/Packages', '/usr/lib/sysimage/rpm/{rpmdb.sqlite,Packages.db,Packages}'],
      evidence: 'installed',
    },
  ],
  kind: 'os-pkg',
  required: (path) => DB_PATHS.has(path),
  analyze: (file) => analyzeRpmDatabase(file),
  merge: ({ final, history, os }) => mergeRpmFacts(final, history, os),
};

/**
 * Reads one database file. The format is recognised by its magic, not its name. A file that is not a readable
 * database throws AnalysisError; unreadable records are skipped with a warning. An empty file yields nothing.
 */
export async function analyzeRpmDatabase(file: FileEntry): Promise<RpmFact | undefined> {
  const bytes = file.content;
  if (bytes.length === 0) return undefined;
  const backend = detectBackend(bytes);
  let list: BlobList;
  try {
    list = backend === 'sqlite' ? await readSqliteBlobs(bytes) : backend === 'ndb' ? readNdbBlobs(bytes) : readBdbBlobs(bytes);
  } catch (e) {
    if (!(e instanceof AnalysisError)) throw e;
    throw new AnalysisError(e.code, `${file.path}: ${e.message}`, { cause: e });
  }

  const warnings = new WarningList();
  for (const w of list.warnings) warnings.add(`${file.path}: ${w}`);
  const packages: RpmRecord[] = [];
  for (const { instance, data } of list.blobs) {
    let header: RpmHeader;
    try {
      header = parseHeaderBlob(data);
    } catch (e) {
      if (!(e instanceof AnalysisError)) throw e;
      warnings.add(`${file.path}: header ${instance}: ${e.message}; skipped`);
      continue;
    }
    // gpg-pubkey entries are imported signing keys, not software (Trivy and Syft skip them too).
    if (header.name === 'gpg-pubkey') continue;
    const { name, version, release } = header;
    if (!name || version === undefined || release === undefined) {
      warnings.add(`${file.path}: header ${instance}: no NAME, VERSION or RELEASE; skipped`);
      continue;
    }
    const record: RpmRecord = { ...header, name, version, release };
    try {
      // Only files that can be evidence of language packages: the pipeline marks those packages as this one's.
      const files = parseHeaderFiles(data, isLanguageEvidencePath);
      if (files.length) record.files = files;
    } catch (e) {
      if (!(e instanceof AnalysisError)) throw e;
      // The package itself is intact; only its ownership of language packages is lost.
      warnings.add(`${file.path}: header ${instance} (${name}): ${e.message}; its files are not listed`);
    }
    packages.push(record);
  }
  return { backend, packages, warnings: warnings.toArray() };
}

function detectBackend(bytes: Buffer): RpmBackend {
  if (bytes.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') return 'sqlite';
  if (bytes.subarray(0, 4).toString('latin1') === 'RpmP') return 'ndb';
  return 'bdb';
}

/** Identity of an installed package in the final view: (name, epoch, version, release, arch). */
function recordKey(r: RpmRecord): string {
  return JSON.stringify([r.name, r.epoch ?? null, r.version, r.release, r.arch ?? '']);
}

export function mergeRpmFacts(
  final: Located<RpmFact>[],
  history: Located<RpmFact>[],
  os: OperatingSystem | undefined,
): AnalyzerOutput {
  if (final.length === 0) return {};
  const bestRank = Math.min(...final.map((f) => BACKEND_RANK[f.fact.backend]));
  const chosen = final
    .filter((f) => BACKEND_RANK[f.fact.backend] === bestRank)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Attribution looks at every backend: a package converted from BerkeleyDB to SQLite was still installed earlier.
  const firstLayer = firstLayerByKey(history, (fact) => fact.packages.map(recordKey));

  const byKey = new Map<string, PackageDraft>();
  const owned = new Map<string, string>();
  const warnings: string[] = [];
  for (const { path, fact } of chosen) {
    warnings.push(...fact.warnings);
    for (const record of fact.packages) {
      const key = recordKey(record);
      const seen = byKey.get(key);
      if (seen) {
        if (!seen.locations.includes(path)) seen.locations.push(path);
        continue;
      }
      const draft = toDraft(record, path, os, firstLayer.get(key));
      byKey.set(key, draft);
      // Files shared by several packages (multilib, -common splits): the first package in database order owns them.
      for (const f of record.files ?? []) addOwnedPath(owned, f, draft.purl);
    }
  }
  return {
    packages: [...byKey.values()],
    ...(warnings.length ? { warnings } : {}),
    ...(owned.size ? { ownedFiles: Object.fromEntries(owned) } : {}),
  };
}

function toDraft(r: RpmRecord, path: string, os: OperatingSystem | undefined, layer: number | undefined): PackageDraft {
  const source = r.sourceRpm ? splitSourceRpm(r.sourceRpm) : undefined;
  const metadata: RpmMetadata = {
    kind: 'rpm',
    ...(r.epoch !== undefined ? { epoch: r.epoch } : {}),
    version: r.version,
    release: r.release,
    arch: r.arch ?? '',
    ...(r.sourceRpm ? { sourceRpm: r.sourceRpm } : {}),
    ...(source ? { sourceName: source.name, sourceVersion: source.version, sourceRelease: source.release } : {}),
    ...(r.vendor ? { vendor: r.vendor } : {}),
    ...(r.modularityLabel ? { modularityLabel: r.modularityLabel } : {}),
    ...(r.size !== undefined ? { installedSize: r.size } : {}),
  };
  return {
    purl: osPurl('rpm', os, r.name, `${r.version}-${r.release}`, { arch: r.arch, epoch: r.epoch?.toString() }),
    type: 'rpm',
    name: r.name,
    version: `${r.epoch !== undefined ? `${r.epoch}:` : ''}${r.version}-${r.release}`,
    // The LICENSE tag is one expression ("GPLv2+ and LGPLv2+"): keep it whole rather than guess at tokens.
    licenses: r.license ? [r.license] : [],
    locations: [path],
    ...(layer !== undefined ? { layer } : {}),
    metadata,
  };
}

/**
 * Splits a SOURCERPM file name `name-version-release.arch.rpm` (arch is `src` or `nosrc`). Names may contain
 * dashes, versions and releases may not (rpm build rules), so the split is from the right.
 */
export function splitSourceRpm(sourceRpm: string): { name: string; version: string; release: string } | undefined {
  if (!sourceRpm.endsWith('.rpm')) return undefined;
  const stem = sourceRpm.slice(0, -'.rpm'.length);
  const archDot = stem.lastIndexOf('.');
  if (archDot <= 0) return undefined;
  const nvr = stem.slice(0, archDot);
  const relDash = nvr.lastIndexOf('-');
  if (relDash <= 0) return undefined;
  const verDash = nvr.lastIndexOf('-', relDash - 1);
  if (verDash <= 0) return undefined;
  const name = nvr.slice(0, verDash);
  const version = nvr.slice(verDash + 1, relDash);
  const release = nvr.slice(relDash + 1);
  if (!version || !release) return undefined;
  return { name, version, release };
}
