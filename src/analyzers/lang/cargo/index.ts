import { PackageURL } from 'packageurl-js';
import { AnalysisError, type CargoMetadata, type FileEntry } from '../../../core/index.js';
import { type Analyzer, type AnalyzerOutput, type FileInfo, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { parseAuditableData, readAuditableSection } from './parse-cargo-auditable.js';
import { parseCargoLock } from './parse-cargo-lock.js';

export { parseAuditableData, readAuditableSection, MAX_DEP_INFO, type AuditablePackage } from './parse-cargo-auditable.js';
export { parseCargoLock, parseDependencyRef, type CargoLockPackage, type CargoLockParse } from './parse-cargo-lock.js';

/** One crate as merge needs it (facts are cached per layer as JSON). */
export interface CargoFactPackage {
  name: string;
  version: string;
  purl: string;
  source?: string;
  checksum?: string;
  dependsOn?: string[];
}

export interface CargoFact {
  /** 'installed' for a `cargo auditable` executable, 'declared' for Cargo.lock. */
  evidence: 'installed' | 'declared';
  packages: CargoFactPackage[];
  warnings?: string[];
}

/** Rust programs are rarely under 100 KiB, but 4 KiB is the floor shared with the Go analyzer. */
const MIN_BINARY = 4 * 1024;
const MAX_BINARY = 256 * 1024 * 1024;
/** Cargo.lock of the largest workspaces (e.g. rust-lang/rust) is well under 1 MiB. */
const MAX_LOCK = 16 * 1024 * 1024;

/** purl spec PURL-TYPES `cargo`: `pkg:cargo/rand@0.7.2`, no namespace. */
export function cargoPurl(name: string, version: string): string {
  try {
    return new PackageURL('cargo', undefined, name, version, undefined, undefined).toString();
  } catch {
    // Only a hand-made or hostile file has a name packageurl-js refuses; encode it rather than lose the whole file.
    return `pkg:cargo/${encodeURIComponent(name)}@${encodeURIComponent(version)}`;
  }
}

function isLock(path: string): boolean {
  return path === 'Cargo.lock' || path.endsWith('/Cargo.lock');
}

function lockFact(content: Buffer): CargoFact | undefined {
  if (content.length > MAX_LOCK) throw new AnalysisError('MALFORMED_FILE', `Cargo.lock is ${content.length} bytes, more than the ${MAX_LOCK}-byte limit`);
  const parsed = parseCargoLock(content);
  const purls = parsed.packages.map((p) => cargoPurl(p.name, p.version));
  const packages = parsed.packages.map((p, i): CargoFactPackage => {
    const dependsOn = [...new Set(p.dependencies.map((j) => purls[j]!))];
    return {
      name: p.name,
      version: p.version,
      purl: purls[i]!,
      ...(p.source !== undefined ? { source: p.source } : {}),
      ...(p.checksum !== undefined ? { checksum: p.checksum } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
    };
  });
  if (packages.length === 0 && parsed.warnings.length === 0) return undefined;
  return { evidence: 'declared', packages, ...(parsed.warnings.length ? { warnings: parsed.warnings } : {}) };
}

function binaryFact(content: Buffer): CargoFact | undefined {
  const section = readAuditableSection(content);
  if (!section) return undefined;
  const { packages: list, warnings } = parseAuditableData(section);
  // Build dependencies and proc-macros run at build time only; they are not in the program (Trivy skips them too).
  const purls = list.map((p) => cargoPurl(p.name, p.version));
  const packages: CargoFactPackage[] = [];
  list.forEach((p, i) => {
    if (p.kind !== 'runtime') return;
    const dependsOn = [...new Set(p.dependencies.filter((j) => list[j]!.kind === 'runtime').map((j) => purls[j]!))];
    packages.push({
      name: p.name,
      version: p.version,
      purl: purls[i]!,
      ...(p.source !== undefined ? { source: p.source } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
    });
  });
  return { evidence: 'installed', packages, ...(warnings.length ? { warnings } : {}) };
}

export const analyzer: Analyzer<CargoFact> = {
  id: 'cargo',
  version: 1,
  kind: 'lang-pkg',
  maxFileSize: MAX_BINARY,
  coverage: [
    { ecosystem: 'cargo', what: 'Rust executables built with cargo auditable (.dep-v0 section; ELF, PE, Mach-O)', files: ['any executable file'], evidence: 'installed' },
    { ecosystem: 'cargo', what: 'Cargo lockfile (v1–v4, git/path sources, workspaces)', files: ['**/Cargo.lock'], evidence: 'declared' },
  ],
  required(path: string, info?: FileInfo): boolean {
    if (isLock(path)) return true;
    return info !== undefined && (info.mode & 0o111) !== 0 && info.size >= MIN_BINARY && info.size <= MAX_BINARY;
  },
  analyze(file: FileEntry): CargoFact | undefined {
    return isLock(file.path) ? lockFact(file.content) : binaryFact(file.content);
  },
  merge({ final, history }: MergeInput<CargoFact>): AnalyzerOutput {
    // Layer attribution per file: the earliest layer in which this path listed this crate.
    const firstLayer = new Map<string, number>();
    for (const { path, layer, fact } of history) {
      for (const p of fact.packages) {
        const k = `${path}\u0000${p.purl}`;
        const seen = firstLayer.get(k);
        if (seen === undefined || layer < seen) firstLayer.set(k, layer);
      }
    }
    const warnings: string[] = [];
    const packages: PackageDraft[] = [];
    for (const { path, fact } of [...final].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      for (const p of fact.packages) {
        const layer = firstLayer.get(`${path}\u0000${p.purl}`);
        const metadata: CargoMetadata = {
          kind: 'cargo',
          ...(p.source !== undefined ? { source: p.source } : {}),
          ...(p.checksum !== undefined ? { checksum: p.checksum } : {}),
        };
        packages.push({
          purl: p.purl,
          type: 'cargo',
          name: p.name,
          version: p.version,
          licenses: [],
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
