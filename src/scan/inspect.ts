import os from 'node:os';
import type { Readable } from 'node:stream';
import {
  type EventSink,
  type ImageSource,
  type LayerDescriptor,
  type LayerRef,
  type Package,
  type SbomDocument,
  silentSink,
} from '../core/index.js';
import { JsonCache, defaultCacheDir, toolVersion } from '../infra/index.js';
import { LayerCollector, analyzerFingerprint, analyzers as registry, mergeLayers, type Analyzer, type LayerFacts } from '../analyzers/index.js';
import { openSource, walkDirectory, type DecompressLimits, type RegistryReader } from '../oci/index.js';
import { LayerWorkerPool } from './layer-pool.js';
import { rawStream, readLayerFacts, walkLayerTar } from './layer-read.js';

/** Bump when the shape of cached LayerFacts changes. */
const LAYER_CACHE_FORMAT = 3;

export interface InspectOptions {
  /** "os/arch[/variant]" for multi-platform images (default linux/amd64). */
  platform?: string;
  /** Cache directory; `false` disables the layer cache. Default: $XDG_CACHE_HOME/tollgate. */
  cacheDir?: string | false;
  /** Registry client factory (the CLI builds one from flags, env and docker config). */
  registry?: () => RegistryReader;
  limits?: DecompressLimits;
  /** Layers analysed at once (zlib runs off the main thread, so 2–3 uses both cores). */
  concurrency?: number;
  events?: EventSink;
  /** Fixed creation time (tests, reproducible output). */
  now?: Date;
  signal?: AbortSignal;
  /** The analyzers to run (default: the whole registry). The layer cache key follows the choice. */
  analyzers?: readonly Analyzer[];
  /**
   * Read layers in worker threads (default false). Measured on the 2-vCPU reference machine, workers cost ~2 CPU-s
   * more per cold scan of the benchmark image (a second V8 isolate per worker: module loading, JIT warm-up, GC)
   * and were slower in wall time too (docs/benchmarks.md), so they are opt-in until a machine with more cores shows
   * a gain. Sources that cannot hand over their stored bytes, and analyzer lists not drawn from the registry (a
   * worker rebuilds the list by id), are always read in-process.
   */
  workers?: boolean;
}

function layerRef(l: LayerDescriptor): LayerRef {
  return {
    index: l.index,
    ...(l.digest ? { digest: l.digest } : {}),
    ...(l.diffId ? { diffId: l.diffId } : {}),
    ...(l.createdBy ? { createdBy: l.createdBy } : {}),
  };
}

async function analyzeLayer(
  source: ImageSource,
  layer: LayerDescriptor,
  cache: JsonCache | undefined,
  events: EventSink,
  signal: AbortSignal,
  analyzers: readonly Analyzer[],
  pool: LayerWorkerPool | undefined,
  limits: DecompressLimits | undefined,
): Promise<LayerFacts> {
  // Keyed by what was verified while reading: the blob digest where there is one (the diffID is then a claim of the
  // config, not checked: see openVerifiedLayer), else the diffID, which is then checked on the uncompressed bytes.
  const id = layer.digest ?? layer.diffId;
  const key = id ? `v${LAYER_CACHE_FORMAT}|${id}|${analyzerFingerprint(analyzers)}` : undefined;
  const total = source.layers.length;
  if (cache && key) {
    const hit = await cache.get<LayerFacts>('layers', key);
    if (hit) {
      events({ type: 'layer-start', index: layer.index, total, ...(layer.digest ? { digest: layer.digest } : {}), cached: true });
      events({ type: 'layer-done', index: layer.index, cached: true, files: 0 });
      return hit;
    }
  }
  events({
    type: 'layer-start',
    index: layer.index,
    total,
    ...(layer.digest ? { digest: layer.digest } : {}),
    ...(layer.size !== undefined ? { size: layer.size } : {}),
    cached: false,
  });
  let last = 0;
  const onProgress = (bytes: number) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    events({ type: 'layer-progress', index: layer.index, bytes });
  };
  let facts: LayerFacts;
  let entries: number;
  if (source.root !== undefined) {
    const collector = new LayerCollector(analyzers);
    const walk = await walkDirectory(source.root, {
      wants: collector.wants,
      maxFileSize: collector.maxFileSize,
      onFile: collector.onFile,
      onWarning: collector.onWarning,
      signal,
    });
    facts = collector.finish(walk);
    entries = walk.entries;
  } else if (pool && source.openRawLayer) {
    ({ facts, entries } = await pool.read(layer, await source.openRawLayer(layer.index, signal), onProgress, signal));
  } else if (source.openRawLayer) {
    const raw = await source.openRawLayer(layer.index, signal);
    const desc = raw.size !== undefined ? { ...layer, size: raw.size } : layer;
    ({ facts, entries } = await readLayerFacts(rawStream(raw), desc, { verified: raw.verified, ...(limits ? { limits } : {}), analyzers, signal, onProgress }));
  } else {
    // The source's own stream is already verified and decompressed.
    const tar = (await source.openLayer(layer.index, signal)) as Readable;
    ({ facts, entries } = await walkLayerTar(tar, layer, { analyzers, signal, onProgress }));
  }
  events({ type: 'layer-done', index: layer.index, cached: false, files: entries });
  // Only a layer that was read to the end (its digest verified) is cached.
  if (cache && key) {
    await cache.put('layers', key, facts).catch((e: unknown) => {
      events({ type: 'warning', message: `could not write the layer cache: ${(e as Error).message}` });
    });
  }
  return facts;
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure aborts the rest. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Reads an image source and returns its packages, OS and metadata: the data behind every SBOM format. */
export async function inspectSource(source: ImageSource, options: InspectOptions = {}): Promise<SbomDocument> {
  const events = options.events ?? silentSink;
  const analyzers = options.analyzers ?? registry;
  const cache = options.cacheDir === false ? undefined : new JsonCache(options.cacheDir ?? defaultCacheDir());
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const concurrency = options.concurrency ?? Math.min(3, Math.max(2, os.availableParallelism()));
  // Workers rebuild the analyzer list by id, so they can only run analyzers of the registry.
  const useWorkers = options.workers === true && source.openRawLayer !== undefined && analyzers.every((a) => registry.includes(a));
  const pool = useWorkers ? new LayerWorkerPool(concurrency, analyzers.map((a) => a.id), options.limits) : undefined;
  let layerFacts: LayerFacts[];
  try {
    layerFacts = await mapLimit(source.layers, concurrency, (layer) =>
      analyzeLayer(source, layer, cache, events, abort.signal, analyzers, pool, options.limits),
    );
  } catch (e) {
    abort.abort(e);
    throw e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await pool?.close();
  }
  const merged = mergeLayers(layerFacts, analyzers);
  const refs = source.layers.map(layerRef);
  const packages: Package[] = merged.packages.map(({ layer, ...p }) => ({
    ...p,
    ...(layer !== undefined && refs[layer] ? { layer: refs[layer] } : {}),
  }));
  packages.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.purl.localeCompare(b.purl));
  for (const w of merged.warnings) events({ type: 'warning', message: w });
  return {
    tool: { name: 'tollgate', version: toolVersion() },
    createdAt: (options.now ?? new Date()).toISOString(),
    image: source.metadata,
    ...(merged.os ? { os: merged.os } : {}),
    layers: [...source.layers],
    packages,
    warnings: merged.warnings,
    ...(merged.gaps.length ? { gaps: merged.gaps } : {}),
  };
}

/** Opens `input` (registry reference, oci-dir:, docker-archive:, dir:), reads it and closes it. */
export async function inspect(input: string, options: InspectOptions = {}): Promise<SbomDocument> {
  const source = await openSource(input, {
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.events ? { events: options.events } : {}),
  });
  try {
    return await inspectSource(source, options);
  } finally {
    await source.close();
  }
}
