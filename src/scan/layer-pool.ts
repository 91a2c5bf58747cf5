import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { LayerDescriptor, RawLayer } from '../core/index.js';
import type { DecompressLimits } from '../oci/index.js';
import type { LayerReadResult } from './layer-read.js';
import { deserializeError, type FromWorker, type ToWorker } from './worker-protocol.js';

/**
 * Worker threads that read layers (layer-worker.ts). The main thread only forwards each layer's stored bytes
 * (transferring the chunk buffers, no copy when a chunk owns its buffer) and receives the facts; a chunk
 * window (pause/resume from the worker) bounds the memory in flight.
 */
export class LayerWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: ((w: Worker) => void)[] = [];
  private nextJob = 1;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly analyzerIds: string[],
    private readonly limits?: DecompressLimits,
  ) {}

  private spawn(): Worker {
    // Run as TypeScript under a loader (tsx in tests and `node --import tsx`), compiled JavaScript otherwise.
    // A worker does not inherit the loader hooks registered with `--import tsx`, so it registers tsx itself first.
    const w = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./layer-worker.ts', import.meta.url).href)}); });`,
          { eval: true },
        )
      : new Worker(new URL('./layer-worker.js', import.meta.url));
    // Errors are reported to the job that runs (see read()); this keeps a late one from crashing the process.
    w.on('error', () => {});
    this.all.add(w);
    return w;
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return Promise.resolve(w);
    if (this.all.size < this.size) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  /** Reads one layer in a worker. Rejects with the source's own error when the byte stream fails. */
  async read(layer: LayerDescriptor, raw: RawLayer, onProgress: (bytes: number) => void, signal?: AbortSignal): Promise<LayerReadResult> {
    const worker = await this.acquire();
    const job = this.nextJob++;
    // A file range is opened by the worker itself; only a stream's chunks pass through this thread.
    const stream = raw.stream as Readable | undefined;
    const post = (m: ToWorker, transfer?: ArrayBuffer[]) => worker.postMessage(m, transfer);
    let healthy = true;
    try {
      return await new Promise<LayerReadResult>((resolve, reject) => {
        let sourceError: Error | undefined;
        const cleanup = () => {
          worker.off('message', onMessage);
          worker.off('error', onWorkerError);
          worker.off('exit', onExit);
          signal?.removeEventListener('abort', onAbort);
          stream?.off('data', onData);
          stream?.off('end', onEnd);
          stream?.off('error', onSourceError);
        };
        const fail = (e: Error) => {
          healthy = false;
          cleanup();
          stream?.destroy();
          reject(e);
        };
        const onMessage = (m: FromWorker) => {
          if (m.job !== job) return;
          switch (m.type) {
            case 'progress':
              onProgress(m.bytes);
              break;
            case 'pause':
              stream?.pause();
              break;
            case 'resume':
              stream?.resume();
              break;
            case 'done':
              cleanup();
              resolve(m.result);
              break;
            case 'failed':
              fail(sourceError ?? deserializeError(m.error));
              break;
          }
        };
        const onWorkerError = (e: Error) => fail(e);
        const onExit = (code: number) => fail(new Error(`layer worker stopped unexpectedly (exit code ${code})`));
        const onAbort = () => fail((signal?.reason as Error) ?? new Error('aborted'));
        const onData = (chunk: Buffer) => {
          // Transfer the memory when the chunk owns its whole ArrayBuffer; copy otherwise (pooled small buffers).
          if (chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer) {
            post({ type: 'chunk', job, data: chunk }, [chunk.buffer]);
          } else {
            post({ type: 'chunk', job, data: new Uint8Array(chunk) });
          }
        };
        const onEnd = () => post({ type: 'end', job });
        const onSourceError = (e: Error) => {
          sourceError = e;
          post({ type: 'abort', job, error: { message: e.message } });
          fail(e);
        };
        worker.on('message', onMessage);
        worker.on('error', onWorkerError);
        worker.on('exit', onExit);
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        post({
          type: 'job',
          job,
          layer: raw.size !== undefined ? { ...layer, size: raw.size } : layer,
          verified: raw.verified,
          ...(raw.file ? { file: raw.file } : {}),
          ...(this.limits ? { limits: this.limits } : {}),
          analyzers: this.analyzerIds,
        });
        stream?.on('data', onData);
        stream?.on('end', onEnd);
        stream?.on('error', onSourceError);
      });
    } finally {
      if (healthy && !this.closed) this.release(worker);
      else {
        this.all.delete(worker);
        void worker.terminate();
        // Whoever waits for a worker gets a fresh one in place of the one just stopped.
        const next = this.closed ? undefined : this.waiting.shift();
        if (next) next(this.spawn());
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
