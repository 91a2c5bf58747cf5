import type { FileEntry, OperatingSystem } from '../core/index.js';
import { DEFAULT_MAX_FILE_SIZE, type Analyzer, type FileInfo, type Located, type PackageDraft } from './analyzer.js';
import { analyzers as registry } from './registry.js';

/**
 * What one layer contributes, in a JSON form that is cached per layer (key: blob digest, or diffID, + analyzer fingerprint).
 * `facts[analyzerId][path]` is the fact an analyzer drew from that file.
 */
export interface LayerFacts {
  facts: Record<string, Record<string, unknown>>;
  /** Paths removed from lower layers (whiteout files), each with everything below it. */
  whiteouts: string[];
  /** Directories whose lower-layer content is hidden (opaque whiteouts). */
  opaqueDirs: string[];
  /** Wanted paths present in this layer (with or without a fact): they hide the same path in lower layers. */
  shadowed: string[];
  warnings: string[];
  /**
   * Wanted files that could not be analysed (unreadable, over a size limit, an analyzer failed on them): the
   * inventory may miss packages there, so a vulnerability scan over it is not complete. Also in `warnings`.
   */
  gaps?: string[];
}

/** Identifies the analyzers and their versions: part of every layer-cache key (DESIGN.md §3.4). */
export function analyzerFingerprint(list: readonly Analyzer[] = registry): string {
  return list.map((a) => `${a.id}@${a.version}`).join(',');
}

/** Collects the facts of one layer while it is walked. */
export class LayerCollector {
  private readonly facts: Record<string, Record<string, unknown>> = {};
  private readonly seen = new Set<string>();
  readonly warnings: string[] = [];
  readonly gaps: string[] = [];

  constructor(private readonly list: readonly Analyzer[] = registry) {}

  wants = (path: string, info?: FileInfo): boolean => {
    for (const a of this.list) if (a.required(path, info)) return true;
    return false;
  };

  maxFileSize = (path: string, info?: FileInfo): number => {
    let max = 0;
    for (const a of this.list) if (a.required(path, info)) max = Math.max(max, a.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    return max;
  };

  onFile = async (file: FileEntry): Promise<void> => {
    this.seen.add(file.path);
    const info: FileInfo = { mode: file.mode, size: file.size };
    for (const a of this.list) {
      if (!a.required(file.path, info)) continue;
      const limit = a.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
      if (file.size > limit) {
        this.warnings.push(`${a.id}: skipped ${file.path} (${file.size} bytes, limit ${limit})`);
        this.gaps.push(`${a.id}: skipped ${file.path} (${file.size} bytes, limit ${limit})`);
        continue;
      }
      let fact: unknown;
      try {
        fact = await a.analyze(file);
      } catch (e) {
        // One malformed file must not hide the rest of the image; the warning makes the gap visible.
        this.warnings.push(`${a.id}: could not analyze ${file.path}: ${(e as Error).message}`);
        this.gaps.push(`${a.id}: could not analyze ${file.path}`);
        continue;
      }
      // A copy: parsers return slices of the file's text, and V8 keeps a whole string alive for any slice of it. Kept
      // as they are, the facts of one layer pinned megabytes of copyright, file-list and status texts in the old
      // generation until the merge, which made V8 run a full mark-compact every ~50 ms of a cold scan (~35 per scan of
      // the benchmark image, docs/benchmarks.md). structuredClone copies only what the fact holds.
      if (fact !== undefined) (this.facts[a.id] ??= {})[file.path] = structuredClone(fact);
    }
  };

  /** A warning with a path is about a wanted file the walker could not hand over: a gap in the inventory. */
  onWarning = (message: string, path?: string): void => {
    this.warnings.push(message);
    if (path !== undefined) this.gaps.push(message);
  };

  finish(walk: { whiteouts: string[]; opaqueDirs: string[]; shadowed: string[] }): LayerFacts {
    // Every wanted path present in this layer hides the lower layers' version, whether or not it yielded a fact.
    const shadowed = [...new Set([...walk.shadowed, ...this.seen])];
    return {
      facts: this.facts,
      whiteouts: walk.whiteouts,
      opaqueDirs: walk.opaqueDirs,
      shadowed,
      warnings: this.warnings,
      ...(this.gaps.length ? { gaps: this.gaps } : {}),
    };
  }
}

export interface MergedPackage extends PackageDraft {
  foundBy: string;
}

export interface MergeResult {
  os?: OperatingSystem;
  packages: MergedPackage[];
  warnings: string[];
  /** LayerFacts.gaps of every layer, prefixed with the layer index when there are several. */
  gaps: string[];
}

/**
 * Whether a layer's whiteouts (each path and everything below it) or opaque directories (everything below them)
 * hide `p`. Looks up `p`'s ancestors in two sets: O(depth) per path, where testing every whiteout against every
 * known path was O(whiteouts × paths) (~900 whiteouts in a layer that purges packages).
 */
function hiddenBy(p: string, whiteouts: ReadonlySet<string>, opaque: ReadonlySet<string>): boolean {
  if (whiteouts.has(p) || opaque.has('')) return true;
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
    const dir = p.slice(0, i);
    if (whiteouts.has(dir) || opaque.has(dir)) return true;
  }
  return false;
}

/**
 * Applies the layers in order (whiteouts and opaque directories of layer i hide lower layers only, then layer i's
 * files override), giving each analyzer the facts of the final view and of the whole history.
 */
export function mergeLayers(layers: readonly LayerFacts[], list: readonly Analyzer[] = registry): MergeResult {
  const state = new Map<string, Map<string, Located<unknown>>>();
  const history = new Map<string, Located<unknown>[]>();
  for (const a of list) {
    state.set(a.id, new Map());
    history.set(a.id, []);
  }
  const warnings: string[] = [];
  const gaps: string[] = [];
  layers.forEach((layer, index) => {
    const whiteouts = new Set(layer.whiteouts);
    const opaque = new Set(layer.opaqueDirs);
    for (const map of state.values()) {
      if (whiteouts.size || opaque.size) for (const p of map.keys()) if (hiddenBy(p, whiteouts, opaque)) map.delete(p);
      for (const s of layer.shadowed) map.delete(s);
    }
    for (const [id, byPath] of Object.entries(layer.facts)) {
      const map = state.get(id);
      if (!map) continue;
      for (const [path, fact] of Object.entries(byPath)) {
        const located = { path, layer: index, fact };
        map.set(path, located);
        history.get(id)!.push(located);
      }
    }
    for (const w of layer.warnings) warnings.push(layers.length > 1 ? `layer ${index}: ${w}` : w);
    for (const g of layer.gaps ?? []) gaps.push(layers.length > 1 ? `layer ${index}: ${g}` : g);
  });

  let os: OperatingSystem | undefined;
  for (const a of list.filter((x) => x.kind === 'os')) {
    const out = a.merge({ final: [...state.get(a.id)!.values()], history: history.get(a.id)! });
    os ??= out.os;
    warnings.push(...(out.warnings ?? []));
  }
  const packages: MergedPackage[] = [];
  const owners = new Map<string, string>();
  for (const a of list.filter((x) => x.kind !== 'os')) {
    const final = [...state.get(a.id)!.values()];
    if (final.length === 0) continue;
    const out = a.merge({ final, history: history.get(a.id)!, ...(os ? { os } : {}) });
    for (const p of out.packages ?? []) packages.push({ ...p, foundBy: a.id });
    for (const [path, purl] of Object.entries(out.ownedFiles ?? {})) owners.set(path, purl);
    warnings.push(...(out.warnings ?? []));
  }
  // A language package whose evidence an OS package installed (Debian's python3-*, lib*-java) is that OS
  // package's: the distribution's advisories apply to it (the main source of false positives in other scanners).
  if (owners.size) {
    for (const p of packages) {
      if (p.type === 'deb' || p.type === 'rpm' || p.type === 'apk' || p.ownedBy) continue;
      for (const loc of p.locations) {
        const owner = owners.get(loc.split('!/')[0]!);
        if (owner) {
          p.ownedBy = owner;
          break;
        }
      }
    }
  }
  return { ...(os ? { os } : {}), packages, warnings, gaps };
}
