import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { parse } from 'yaml';

/**
 * YAML decoding on worker threads. The `yaml` package reads about 1–2 MB/s, so the PyPA advisory database (5 MB of
 * YAML in 2,661 files) costs seconds on one thread; decoding on every core divides that. Results are the same as
 * `decodeYaml` on the calling thread (same package, same options), only sooner.
 *
 * The worker is a few lines of CommonJS evaluated in place, requiring `yaml` by its resolved path, so it runs the
 * same from src/ under tsx and from dist/.
 */

/** Failsafe schema: every scalar stays a string (a version "1.0" must not become the number 1). */
export function decodeYaml(text: string): unknown {
  return parse(text, { schema: 'failsafe' });
}

const WORKER_SOURCE = (yamlPath: string) => `
const { parentPort } = require('node:worker_threads');
const { parse } = require(${JSON.stringify(yamlPath)});
parentPort.on('message', (m) => {
  try {
    parentPort.postMessage({ id: m.id, value: parse(m.text, { schema: 'failsafe' }) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

export class YamlDecodeError extends Error {}

export class YamlPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failed: Error | undefined;

  private constructor(size: number) {
    const yamlPath = createRequire(import.meta.url).resolve('yaml');
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER_SOURCE(yamlPath), { eval: true });
      w.on('message', (m: { id: number; value?: unknown; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error !== undefined) p.reject(new YamlDecodeError(m.error));
        else p.resolve(m.value);
      });
      w.on('error', (e) => this.fail(e));
      return w;
    });
  }

  /** A pool sized to the machine, or undefined when there is only one core (decode on the calling thread then). */
  static create(size: number = Math.min(4, os.availableParallelism())): YamlPool | undefined {
    return size >= 2 ? new YamlPool(size) : undefined;
  }

  private fail(e: Error): void {
    this.failed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  decode(text: string): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, text });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
