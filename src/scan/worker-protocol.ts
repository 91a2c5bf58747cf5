import { AnalysisError, ImageError, RegistryError, UsageError, VulnDbError, isTollgateError, type LayerDescriptor } from '../core/index.js';
import type { DecompressLimits } from '../oci/index.js';
import type { LayerReadResult } from './layer-read.js';

/** Messages between inspect() (main thread) and layer-worker.ts. `job` ties every message to one layer read. */
export type ToWorker =
  /** Without `file` the bytes follow as `chunk` messages and an `end`. */
  | { type: 'job'; job: number; layer: LayerDescriptor; verified: boolean; file?: { path: string; start?: number; end?: number }; limits?: DecompressLimits; analyzers: string[] }
  | { type: 'chunk'; job: number; data: Uint8Array }
  | { type: 'end'; job: number }
  | { type: 'abort'; job: number; error: SerializedError };

export type FromWorker =
  | { type: 'progress'; job: number; bytes: number }
  | { type: 'pause'; job: number }
  | { type: 'resume'; job: number }
  | { type: 'done'; job: number; result: LayerReadResult }
  | { type: 'failed'; job: number; error: SerializedError };

export interface SerializedError {
  message: string;
  name?: string;
  domain?: string;
  code?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (isTollgateError(e)) return { message: e.message, name: e.name, domain: e.domain, code: e.code };
  const err = e as { message?: unknown; name?: unknown; code?: unknown };
  return {
    message: typeof err?.message === 'string' ? err.message : String(e),
    ...(typeof err?.name === 'string' ? { name: err.name } : {}),
    ...(typeof err?.code === 'string' ? { code: err.code } : {}),
  };
}

/** Rebuilds the typed error a worker reported, so callers (and the CLI's exit codes) see the same class. */
export function deserializeError(s: SerializedError): Error {
  const code = s.code as never;
  switch (s.domain) {
    case 'image':
      return new ImageError(code, s.message);
    case 'analysis':
      return new AnalysisError(code, s.message);
    case 'registry':
      return new RegistryError(code, s.message);
    case 'usage':
      return new UsageError(code, s.message);
    case 'vulndb':
      return new VulnDbError(code, s.message);
    default: {
      const e = new Error(s.message);
      if (s.name) e.name = s.name;
      if (s.code) (e as NodeJS.ErrnoException).code = s.code;
      return e;
    }
  }
}
