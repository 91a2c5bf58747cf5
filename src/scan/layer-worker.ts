/**
 * Worker-thread entry point: reads layers whose stored bytes the main thread forwards, and posts back their
 * LayerFacts (plain JSON, the same data the layer cache stores). Hashing, tar parsing and the analyzers then run
 * on their own thread per layer instead of all on the main thread, which profiling showed to be the critical
 * path of a cold scan (docs/benchmarks.md).
 */
import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { analyzers as registry } from '../analyzers/index.js';
import { rawStream, readLayerFacts } from './layer-read.js';
import { serializeError, type FromWorker, type ToWorker } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('layer-worker.ts must run in a worker thread');

const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

/** The current job's byte stream, fed by `chunk` messages; asks the main thread to pause when it is full. */
class ForwardedBytes extends Readable {
  paused = false;
  constructor(private readonly job: number) {
    super({ highWaterMark: 4 * 1024 * 1024 });
  }
  override _read(): void {
    if (this.paused) {
      this.paused = false;
      post({ type: 'resume', job: this.job });
    }
  }
}

let current: { job: number; bytes: ForwardedBytes; abort: AbortController } | undefined;

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'job': {
      const bytes = new ForwardedBytes(msg.job);
      const abort = new AbortController();
      current = { job: msg.job, bytes, abort };
      const list = msg.analyzers.map((id) => {
        const a = registry.find((x) => x.id === id);
        if (!a) throw new Error(`unknown analyzer ${id}`);
        return a;
      });
      let last = 0;
      readLayerFacts(msg.file ? rawStream({ file: msg.file, verified: msg.verified }) : bytes, msg.layer, {
        verified: msg.verified,
        ...(msg.limits ? { limits: msg.limits } : {}),
        analyzers: list,
        signal: abort.signal,
        onProgress: (n) => {
          const now = Date.now();
          if (now - last < 100) return;
          last = now;
          post({ type: 'progress', job: msg.job, bytes: n });
        },
      }).then(
        (result) => {
          if (current?.job === msg.job) current = undefined;
          post({ type: 'done', job: msg.job, result });
        },
        (e: unknown) => {
          if (current?.job === msg.job) current = undefined;
          bytes.destroy();
          post({ type: 'failed', job: msg.job, error: serializeError(e) });
        },
      );
      break;
    }
    case 'chunk': {
      if (current?.job !== msg.job) return;
      const buf = Buffer.from(msg.data);
      if (!current.bytes.push(buf) && !current.bytes.paused) {
        current.bytes.paused = true;
        post({ type: 'pause', job: msg.job });
      }
      break;
    }
    case 'end':
      if (current?.job === msg.job) current.bytes.push(null);
      break;
    case 'abort':
      if (current?.job === msg.job) {
        const err = Object.assign(new Error(msg.error.message), msg.error);
        current.abort.abort(err);
        current.bytes.destroy(err);
      }
      break;
  }
});
