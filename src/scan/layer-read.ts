import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { LayerDescriptor, RawLayer } from '../core/index.js';
import { LayerCollector, type Analyzer, type LayerFacts } from '../analyzers/index.js';
import { openVerifiedLayer, walkTar, type DecompressLimits } from '../oci/index.js';

export interface LayerReadResult {
  facts: LayerFacts;
  entries: number;
}

/** The stored bytes of a layer as a stream (file ranges are opened here, in whichever thread reads them). */
export function rawStream(raw: RawLayer): Readable {
  if (raw.file) {
    const { path, start, end } = raw.file;
    return createReadStream(path, { highWaterMark: 1024 * 1024, ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) });
  }
  return raw.stream as Readable;
}

export function layerLabel(layer: LayerDescriptor): string {
  return `layer ${layer.index} (${layer.digest ?? layer.diffId})`;
}

/**
 * Reads one layer from its stored bytes: verifies the blob (unless the stream already does), decompresses,
 * verifies the diffID where there is no blob digest, walks the tar once and runs the analyzers. The same code runs in a worker thread
 * (layer-worker.ts) and, for sources or analyzer sets a worker cannot take, on the calling thread.
 */
export async function readLayerFacts(
  raw: Readable,
  layer: LayerDescriptor,
  opts: { verified: boolean; limits?: DecompressLimits; analyzers: readonly Analyzer[]; signal?: AbortSignal; onProgress?: (bytes: number) => void },
): Promise<LayerReadResult> {
  return walkLayerTar(await openVerifiedLayer(raw, layer, opts.limits, opts.verified), layer, opts);
}

/** Walks an already verified and decompressed layer tar and runs the analyzers. */
export async function walkLayerTar(
  tar: Readable,
  layer: LayerDescriptor,
  opts: { analyzers: readonly Analyzer[]; signal?: AbortSignal; onProgress?: (bytes: number) => void },
): Promise<LayerReadResult> {
  const collector = new LayerCollector(opts.analyzers);
  const walk = await walkTar(
    tar,
    {
      wants: collector.wants,
      maxFileSize: collector.maxFileSize,
      onFile: collector.onFile,
      onWarning: collector.onWarning,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
    layerLabel(layer),
  );
  return { facts: collector.finish(walk), entries: walk.entries };
}
