import type { FileEntry, OperatingSystem, Package } from '../core/index.js';

/**
 * An analyzer reads some files of an image and turns them into facts (DESIGN.md §3.1–3.4).
 *
 * The pipeline is in two phases so that per-layer work can be cached (key: the layer's verified blob digest, or its
 * diffID, + every analyzer's id@version):
 *   1. `analyze` runs on each matching file of each layer, once, while the layer is streamed. It must be a pure
 *      function of the file (bytes → JSON-serialisable fact) because its result is cached per layer.
 *   2. `merge` runs once per scan over the facts of the final filesystem view (after whiteouts, later layers
 *      overriding earlier ones) and over the full history (every layer's facts, for layer attribution).
 */
export interface Analyzer<F = unknown> {
  /** Unique id; equals the analyzer's folder name (checked by a contract test). */
  readonly id: string;
  /** Bump whenever the facts or the merge output change: it is part of the layer-cache key. */
  readonly version: number;
  /** `os` analyzers run their merge first; their OperatingSystem is handed to the package analyzers. */
  readonly kind: 'os' | 'os-pkg' | 'lang-pkg';
  /** Files larger than this are skipped with a warning instead of being read (default DEFAULT_MAX_FILE_SIZE). */
  readonly maxFileSize?: number;
  /**
   * Cheap predicate over a normalised path ("var/lib/dpkg/status": no leading slash, no "./") and, when the walker
   * knows them, the file's mode bits and size (binary analyzers select executables by mode).
   */
  required(path: string, info?: FileInfo): boolean;
  /** What this analyzer detects, from which files: rows of the README coverage table. */
  readonly coverage: readonly Coverage[];
  /** Pure: one file's bytes → a JSON-serialisable fact, or undefined if the file holds nothing of interest. */
  analyze(file: FileEntry): F | undefined | Promise<F | undefined>;
  /** Combines the facts of the final filesystem view into results. */
  merge(input: MergeInput<F>): AnalyzerOutput;
}

/** What the walker knows about a file before reading it. */
export interface FileInfo {
  /** Unix mode bits (permissions; the type bits may be absent). */
  mode: number;
  size: number;
}

/** One row of the coverage table: an ecosystem, the evidence read, and where. */
export interface Coverage {
  /** purl type or OS facet, e.g. "deb", "npm", "os". */
  ecosystem: string;
  /** Human description, e.g. "dpkg status database". */
  what: string;
  /** Paths or patterns as a user would recognise them, e.g. "/var/lib/dpkg/status". */
  files: readonly string[];
  /** Installed software, a project's declared dependencies, or OS identification. */
  evidence: 'installed' | 'declared' | 'os';
}

/** A fact together with the file and layer it came from. */
export interface Located<F> {
  path: string;
  /** Index of the layer (0 = base) that holds this version of the file. */
  layer: number;
  fact: F;
}

export interface MergeInput<F> {
  /** Facts of files present in the final filesystem view. */
  final: Located<F>[];
  /** Facts of every layer in layer order, including files later overwritten or deleted. */
  history: Located<F>[];
  /** The detected OS (undefined for `os` analyzers themselves, or when none was found). */
  os?: OperatingSystem;
}

/** A package as an analyzer reports it: the pipeline turns `layer` (an index) into a LayerRef. */
export type PackageDraft = Omit<Package, 'layer' | 'foundBy'> & { layer?: number };

export interface AnalyzerOutput {
  os?: OperatingSystem;
  packages?: PackageDraft[];
  warnings?: string[];
  /**
   * OS package analyzers: image paths (no leading slash) of files that belong to an OS package, mapped to that
   * package's purl. Only paths that can be evidence of language packages need to be listed; the pipeline marks a
   * language package `ownedBy` the OS package owning one of its locations.
   */
  ownedFiles?: Record<string, string>;
}

export const DEFAULT_MAX_FILE_SIZE = 128 * 1024 * 1024;

/**
 * Layer attribution shared by package analyzers: the layer of a package is the earliest layer whose facts
 * (for the same analyzer) contain a package with the same key. `keysOf` lists the keys a fact contains.
 */
export function firstLayerByKey<F>(history: Located<F>[], keysOf: (fact: F) => Iterable<string>): Map<string, number> {
  const first = new Map<string, number>();
  for (const { layer, fact } of history) {
    for (const key of keysOf(fact)) {
      const seen = first.get(key);
      if (seen === undefined || layer < seen) first.set(key, layer);
    }
  }
  return first;
}
