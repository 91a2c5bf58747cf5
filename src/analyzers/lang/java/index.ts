import { PackageURL } from 'packageurl-js';
import { AnalysisError, type FileEntry, type JavaMetadata } from '../../../core/index.js';
import { firstLayerByKey, type Analyzer, type AnalyzerOutput, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { isArchiveName, parseJavaArchive } from './parse-archive.js';
import { parsePomXml } from './parse-pom-xml.js';

export {
  DEFAULT_LIMITS,
  coordinatesFromManifest,
  isArchiveName,
  isSafeEntryName,
  parseArchiveFileName,
  parseJavaArchive,
  sbomMavenComponents,
  type ArchiveLimits,
  type ArchiveParse,
  type ArtifactSource,
  type JavaArtifact,
} from './parse-archive.js';
export { manifestValue, parseManifest, type Manifest, type ManifestSection } from './parse-manifest.js';
export { parsePomProperties, parseProperties, type PomProperties } from './parse-pom-properties.js';
export { parsePomLicenses, parsePomXml, type PomCoordinates, type PomDependency, type PomXml } from './parse-pom-xml.js';
export { forEachEntry, readDirectory, readEntry, isReadFailure, type ReadFailure, type ZipDirectory, type ZipEntry } from './zip.js';

/** One artifact as merge needs it (facts are cached per layer as JSON, so only this is kept). */
export interface JavaFactPackage {
  /** '' when unknown (an archive named only by its file name). */
  groupId: string;
  artifactId: string;
  version: string;
  /** The archive (nested: "app.jar!/BOOT-INF/lib/x.jar") or pom.xml the package was found in. */
  archive: string;
  sha1?: string;
  source: JavaMetadata['source'];
  licenses?: string[];
  /** pom.xml: test-scoped dependency. */
  dev?: boolean;
}

export interface JavaFact {
  /** 'installed' for archives, 'declared' for pom.xml. */
  evidence: 'installed' | 'declared';
  packages: JavaFactPackage[];
  warnings?: string[];
}

/** Fat jars reach 100+ MB; the whole file is held in memory while it is read, so this also bounds memory. */
const MAX_ARCHIVE_SIZE = 256 * 1024 * 1024;
/** A pom.xml is a few KiB to a few hundred KiB. */
const MAX_POM_SIZE = 4 * 1024 * 1024;

/**
 * purl spec PURL-TYPES `maven`: namespace = groupId, name = artifactId (`pkg:maven/org.apache.logging.log4j/log4j-api@2.19.0`).
 * An archive whose group is unknown gets its artifactId as namespace, as Syft does, because the type needs one.
 */
export function mavenPurl(groupId: string, artifactId: string, version: string): string {
  return new PackageURL('maven', groupId || artifactId, artifactId, version, undefined, undefined).toString();
}

function isPomXml(path: string): boolean {
  if (!path.endsWith('pom.xml')) return false;
  if (path.length !== 7 && path.charCodeAt(path.length - 8) !== 47) return false;
  // META-INF/maven/<g>/<a>/pom.xml on disk belongs to an exploded archive: a copy of the artifact's own POM, not a
  // project whose dependencies are declared here.
  return !path.includes('META-INF/maven/');
}

function archiveFact(file: FileEntry): JavaFact | undefined {
  const { artifacts, warnings } = parseJavaArchive(file.path, file.content);
  const packages = artifacts.map(
    (a): JavaFactPackage => ({
      groupId: a.groupId,
      artifactId: a.artifactId,
      version: a.version,
      archive: a.archive,
      ...(a.sha1 ? { sha1: a.sha1 } : {}),
      source: a.source,
      ...(a.licenses?.length ? { licenses: a.licenses } : {}),
    }),
  );
  if (packages.length === 0 && warnings.length === 0) return undefined;
  return { evidence: 'installed', packages, ...(warnings.length ? { warnings } : {}) };
}

function pomFact(file: FileEntry): JavaFact | undefined {
  if (file.content.length > MAX_POM_SIZE) {
    throw new AnalysisError('MALFORMED_FILE', `${file.content.length} bytes is more than the ${MAX_POM_SIZE}-byte limit for a pom.xml`);
  }
  const pom = parsePomXml(file.content);
  const packages = pom.dependencies.map(
    (d): JavaFactPackage => ({
      groupId: d.groupId,
      artifactId: d.artifactId,
      version: d.version,
      archive: file.path,
      source: 'pom.xml',
      ...(d.scope === 'test' ? { dev: true } : {}),
    }),
  );
  const warnings: string[] = [];
  if (pom.unresolved.length) {
    const shown = pom.unresolved.slice(0, 5).join(', ');
    warnings.push(
      `${pom.unresolved.length} declared dependenc${pom.unresolved.length === 1 ? 'y has' : 'ies have'} no version resolvable without the parent POM or BOMs, not reported: ${shown}${pom.unresolved.length > 5 ? ', …' : ''}`,
    );
  }
  if (packages.length === 0 && warnings.length === 0) return undefined;
  return { evidence: 'declared', packages, ...(warnings.length ? { warnings } : {}) };
}

function keyOf(evidence: string, p: JavaFactPackage): string {
  return `${evidence}\u0000${p.groupId}:${p.artifactId}:${p.version}`;
}

export const analyzer: Analyzer<JavaFact> = {
  id: 'java',
  version: 1,
  kind: 'lang-pkg',
  maxFileSize: MAX_ARCHIVE_SIZE,
  coverage: [
    {
      ecosystem: 'maven',
      what: 'Java archives and the archives nested in them (pom.properties, MANIFEST.MF, file name, embedded CycloneDX SBOM)',
      files: ['**/*.jar', '**/*.war', '**/*.ear', '**/*.par', '**/*.jpi', '**/*.hpi'],
      evidence: 'installed',
    },
    { ecosystem: 'maven', what: 'Maven project manifest (direct dependencies, offline)', files: ['**/pom.xml'], evidence: 'declared' },
  ],
  required(path: string): boolean {
    return isArchiveName(path) || isPomXml(path);
  },
  analyze(file: FileEntry): JavaFact | undefined {
    return isArchiveName(file.path) ? archiveFact(file) : pomFact(file);
  },
  merge({ final, history }: MergeInput<JavaFact>): AnalyzerOutput {
    const firstLayer = firstLayerByKey(history, (f) => f.packages.map((p) => keyOf(f.evidence, p)));
    const warnings: string[] = [];
    const packages: PackageDraft[] = [];
    for (const { path, fact } of [...final].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      for (const w of fact.warnings ?? []) warnings.push(w.startsWith(path) ? w : `${path}: ${w}`);
      for (const p of fact.packages) {
        const layer = firstLayer.get(keyOf(fact.evidence, p));
        const metadata: JavaMetadata = {
          kind: 'java',
          groupId: p.groupId,
          artifactId: p.artifactId,
          archive: p.archive,
          ...(p.sha1 ? { sha1: p.sha1 } : {}),
          source: p.source,
        };
        packages.push({
          purl: mavenPurl(p.groupId, p.artifactId, p.version),
          type: 'maven',
          name: p.groupId ? `${p.groupId}:${p.artifactId}` : p.artifactId,
          version: p.version,
          licenses: p.licenses ?? [],
          locations: [p.archive],
          ...(layer !== undefined ? { layer } : {}),
          metadata,
          evidence: fact.evidence,
          ...(p.dev ? { dev: true } : {}),
        });
      }
    }
    return { packages, ...(warnings.length ? { warnings } : {}) };
  },
};
