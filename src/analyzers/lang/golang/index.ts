import { PackageURL } from 'packageurl-js';
import { AnalysisError, type FileEntry, type GoMetadata } from '../../../core/index.js';
import { type Analyzer, type AnalyzerOutput, type FileInfo, type Located, type MergeInput, type PackageDraft } from '../../analyzer.js';
import { ldflagsVersion, parseModInfo, readGoBuildInfo } from './parse-buildinfo.js';
import { goBefore117, parseGoMod, parseGoSum } from './parse-go-mod.js';

export { ldflagsVersion, parseModInfo, readGoBuildInfo, type GoBuildInfoRaw, type GoModInfo, type GoModule } from './parse-buildinfo.js';
export { compareGoVersions, goBefore117, parseGoMod, parseGoSum, type GoModFile, type GoReplace, type GoRequire, type GoSumModule } from './parse-go-mod.js';

/** One module as merge needs it (facts are cached per layer as JSON). */
export interface GoFactPackage {
  name: string;
  /** '' when unknown (a main module built as "(devel)" without a stamped version). */
  version: string;
  purl: string;
  sum?: string;
  replaces?: { path: string; version?: string };
  /** The binary's main module: it depends on every other module of the binary. */
  main?: true;
}

export type GolangFact =
  | { source: 'binary'; goVersion: string; mainModule?: string; packages: GoFactPackage[]; warnings?: string[] }
  | { source: 'go.mod'; module?: string; /** go < 1.17: indirect dependencies are only in go.sum. */ withSum?: true; packages: GoFactPackage[]; warnings?: string[] }
  | { source: 'go.sum'; packages: GoFactPackage[]; warnings?: string[] };

/** Executables smaller than this cannot be Go programs (the runtime alone is over 1 MiB). */
const MIN_BINARY = 4 * 1024;
/** Large Go programs (kubelet, terraform providers) reach 100–200 MiB. */
const MAX_BINARY = 256 * 1024 * 1024;
/** go.mod / go.sum of the largest monorepos are a few MiB. */
const MAX_MANIFEST = 16 * 1024 * 1024;

/** purl spec PURL-TYPES `golang`: the module path's last segment is the name, the rest the namespace. */
export function goPurl(path: string, version: string): string {
  const slash = path.lastIndexOf('/');
  const namespace = slash === -1 ? undefined : path.slice(0, slash);
  try {
    return new PackageURL('golang', namespace, path.slice(slash + 1), version === '' ? undefined : version, undefined, undefined).toString();
  } catch {
    // packageurl-js rejects (in 2.0.x: crashes on) golang versions that start with "v" but are not semver, such as
    // Google-internal toolchains ("go1.25-20250209-RC00 cl/…" → "v1.25-20250209-RC00"). Encode those by hand, per
    // segment as the purl spec asks.
    const segments = path.split('/').filter((x) => x !== '').map(encodeURIComponent);
    return `pkg:golang/${segments.join('/')}${version === '' ? '' : `@${encodeURIComponent(version)}`}`;
  }
}

/** A replacement by a directory (`=> ../fork`, `=> /src/x`, `=> C:\x`) rather than by a module. */
function isLocalPath(p: string): boolean {
  return p.startsWith('./') || p.startsWith('../') || p === '.' || p === '..' || p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('.\\') || p.startsWith('..\\');
}

function endsWithName(path: string, name: string): boolean {
  return path === name || (path.endsWith(name) && path[path.length - name.length - 1] === '/');
}

function pkg(path: string, version: string, extra: Omit<GoFactPackage, 'name' | 'version' | 'purl'> = {}): GoFactPackage {
  return { name: path, version, purl: goPurl(path, version), ...extra };
}

/** Trivy's convention for the toolchain: `stdlib` at "v" + the Go version without "go" and without suffixes. */
function stdlibVersion(goVersion: string): string {
  return `v${goVersion.replace(/^go/, '').split(' ')[0]}`;
}

function analyzeBinary(content: Buffer): GolangFact | undefined {
  const raw = readGoBuildInfo(content);
  if (!raw) return undefined;
  const info = parseModInfo(raw.modinfo);
  const packages: GoFactPackage[] = [pkg('stdlib', stdlibVersion(raw.goVersion))];
  const warnings = [...info.warnings];
  for (const dep of info.deps) {
    const r = dep.replace;
    if (r && isLocalPath(r.path)) {
      // Replaced by a directory of the build tree: project code with no module version to match advisories against.
      continue;
    }
    const m = r ?? dep;
    packages.push(
      pkg(m.path, m.version === '(devel)' ? '' : m.version, {
        ...(m.sum ? { sum: m.sum } : {}),
        ...(r ? { replaces: { path: dep.path, ...(dep.version ? { version: dep.version } : {}) } } : {}),
      }),
    );
  }
  const main = info.main;
  if (main) {
    // Only `go install path@version` stamps a real version; other builds say "(devel)" (or, since Go 1.24, a VCS
    // pseudo-version), so a version stamped with -ldflags -X wins then (Trivy's rule).
    let version = main.version === '(devel)' ? '' : main.version;
    const ldflags = info.settings.find(([k]) => k === '-ldflags')?.[1];
    const stamped = ldflags !== undefined ? ldflagsVersion(main.path, ldflags) : undefined;
    if (stamped !== undefined && (version === '' || version.startsWith('v0.0.0'))) version = stamped;
    packages.push(pkg(main.path, version, { main: true, ...(main.sum ? { sum: main.sum } : {}) }));
  }
  return {
    source: 'binary',
    goVersion: raw.goVersion,
    ...(main ? { mainModule: main.path } : {}),
    packages,
    ...(warnings.length ? { warnings } : {}),
  };
}

function analyzeGoMod(content: Buffer): GolangFact | undefined {
  const mod = parseGoMod(content);
  // Before go 1.17, go.mod lists only some indirect requirements; the rest are taken from go.sum (as Trivy does).
  const withSum = goBefore117(mod.go);
  const excluded = new Set(mod.excludes.map((e) => `${e.path}@${e.version}`));
  const byPath = new Map<string, GoFactPackage>();
  for (const req of mod.requires) {
    // An excluded version is never built; which version replaces it depends on the module graph, unknown here.
    if (excluded.has(`${req.path}@${req.version}`)) continue;
    byPath.set(req.path, pkg(req.path, req.version));
  }
  for (const rep of mod.replaces) {
    const old = byPath.get(rep.oldPath);
    if (!old) continue;
    // A replacement with a version on the left applies to that version only.
    if (rep.oldVersion !== undefined && rep.oldVersion !== old.version) continue;
    byPath.delete(rep.oldPath);
    if (rep.newVersion === undefined || isLocalPath(rep.newPath)) continue;
    byPath.set(rep.newPath, pkg(rep.newPath, rep.newVersion, { replaces: { path: old.name, version: old.version } }));
  }
  const packages = [...byPath.values()];
  if (packages.length === 0 && mod.warnings.length === 0 && !withSum) return undefined;
  return {
    source: 'go.mod',
    ...(mod.module !== undefined ? { module: mod.module } : {}),
    ...(withSum ? { withSum: true as const } : {}),
    packages,
    ...(mod.warnings.length ? { warnings: mod.warnings } : {}),
  };
}

function analyzeGoSum(content: Buffer): GolangFact | undefined {
  const { modules, warnings } = parseGoSum(content);
  if (modules.length === 0 && warnings.length === 0) return undefined;
  return {
    source: 'go.sum',
    packages: modules.map((m) => pkg(m.path, m.version, m.sum ? { sum: m.sum } : {})),
    ...(warnings.length ? { warnings } : {}),
  };
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

function keyOf(path: string, p: GoFactPackage): string {
  return `${path}\u0000${p.purl}`;
}

export const analyzer: Analyzer<GolangFact> = {
  id: 'golang',
  version: 1,
  kind: 'lang-pkg',
  maxFileSize: MAX_BINARY,
  coverage: [
    { ecosystem: 'golang', what: 'Go executables (build info of Go ≥ 1.13; ELF, PE, Mach-O): modules and toolchain', files: ['any executable file'], evidence: 'installed' },
    { ecosystem: 'golang', what: 'Go module file (replace directives applied; go.sum merged for go < 1.17)', files: ['**/go.mod'], evidence: 'declared' },
    { ecosystem: 'golang', what: 'Go checksum file without a go.mod beside it', files: ['**/go.sum'], evidence: 'declared' },
  ],
  required(path: string, info?: FileInfo): boolean {
    if (endsWithName(path, 'go.mod') || endsWithName(path, 'go.sum')) return true;
    return info !== undefined && (info.mode & 0o111) !== 0 && info.size >= MIN_BINARY && info.size <= MAX_BINARY;
  },
  analyze(file: FileEntry): GolangFact | undefined {
    const manifest = endsWithName(file.path, 'go.mod') ? 'go.mod' : endsWithName(file.path, 'go.sum') ? 'go.sum' : undefined;
    if (manifest !== undefined) {
      if (file.content.length > MAX_MANIFEST)
        throw new AnalysisError('MALFORMED_FILE', `${manifest} is ${file.content.length} bytes, more than the ${MAX_MANIFEST}-byte limit`);
      return manifest === 'go.mod' ? analyzeGoMod(file.content) : analyzeGoSum(file.content);
    }
    return analyzeBinary(file.content);
  },
  merge({ final, history }: MergeInput<GolangFact>): AnalyzerOutput {
    // Layer attribution per file: the earliest layer in which this path held this module (firstLayerByKey keys by
    // fact only, and the same module in two binaries must not borrow each other's layer).
    const firstLayer = new Map<string, number>();
    for (const { path, layer, fact } of history) {
      for (const p of fact.packages) {
        const k = keyOf(path, p);
        const seen = firstLayer.get(k);
        if (seen === undefined || layer < seen) firstLayer.set(k, layer);
      }
    }
    const warnings: string[] = [];
    const packages: PackageDraft[] = [];
    const byPath = new Map<string, Located<GolangFact>>(final.map((l) => [l.path, l]));
    const emit = (path: string, p: GoFactPackage, evidence: 'installed' | 'declared', meta: Omit<GoMetadata, 'kind'>, dependsOn?: string[]): void => {
      const layer = firstLayer.get(keyOf(path, p));
      const metadata: GoMetadata = {
        kind: 'go',
        ...meta,
        ...(p.replaces ? { replaces: p.replaces } : {}),
        ...(p.sum ? { sum: p.sum } : {}),
      };
      packages.push({
        purl: p.purl,
        type: 'golang',
        name: p.name,
        version: p.version,
        licenses: [],
        locations: [path],
        ...(layer !== undefined ? { layer } : {}),
        metadata,
        evidence,
        ...(dependsOn?.length ? { dependsOn } : {}),
      });
    };
    for (const { path, fact } of [...final].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      for (const w of fact.warnings ?? []) warnings.push(`${path}: ${w}`);
      if (fact.source === 'binary') {
        const meta = { goVersion: fact.goVersion, ...(fact.mainModule ? { mainModule: fact.mainModule } : {}) };
        const others = [...new Set(fact.packages.filter((p) => !p.main).map((p) => p.purl))];
        for (const p of fact.packages) emit(path, p, 'installed', meta, p.main ? others : undefined);
      } else if (fact.source === 'go.mod') {
        const meta = fact.module ? { mainModule: fact.module } : {};
        for (const p of fact.packages) emit(path, p, 'declared', meta);
        if (fact.withSum) {
          const sumPath = `${dirOf(path)}go.sum`;
          const sum = byPath.get(sumPath)?.fact;
          if (sum?.source === 'go.sum') {
            const have = new Set(fact.packages.map((p) => p.name));
            for (const p of sum.packages) if (!have.has(p.name)) emit(sumPath, p, 'declared', meta);
          }
        }
      } else {
        // go.sum is read on its own only when no go.mod sits beside it (the go.mod is the better record).
        const mod = byPath.get(`${dirOf(path)}go.mod`);
        if (mod?.fact.source === 'go.mod') continue;
        for (const p of fact.packages) emit(path, p, 'declared', {});
      }
    }
    return { packages, ...(warnings.length ? { warnings } : {}) };
  },
};
