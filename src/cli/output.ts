import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { isTollgateError, type EventSink, type TollgateEvent } from '../core/index.js';

/**
 * The only place that writes to the terminal (DESIGN.md §3.9). Progress goes to stderr and only when stderr is a
 * terminal; warnings always go to stderr unless --quiet; results go to stdout or to --output.
 */
export interface Output {
  events: EventSink;
  /** Writes the result document to --output (atomically) or stdout. */
  result(text: string, file?: string): Promise<void>;
  info(text: string): void;
  error(e: unknown): void;
  done(): void;
}

export function createOutput(opts: { quiet?: boolean; debug?: boolean } = {}): Output {
  const tty = process.stderr.isTTY === true && !opts.quiet;
  let progressShown = false;
  const layers = new Map<number, { size?: number; bytes: number; cached: boolean; done: boolean }>();
  let total = 0;
  const clear = () => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  const render = () => {
    if (!tty) return;
    const done = [...layers.values()].filter((l) => l.done).length;
    const cached = [...layers.values()].filter((l) => l.cached).length;
    const active = [...layers.entries()].filter(([, l]) => !l.done);
    const parts = active.map(([i, l]) => `#${i} ${(l.bytes / 1e6).toFixed(0)} MB`);
    process.stderr.write(`\r\x1b[Klayers ${done}/${total}${cached ? ` (${cached} cached)` : ''} ${parts.join(' ')}`);
    progressShown = true;
  };
  const events = (e: TollgateEvent): void => {
    switch (e.type) {
      case 'warning':
        if (!opts.quiet) {
          clear();
          process.stderr.write(`warning: ${e.message}\n`);
        }
        break;
      case 'debug':
        if (opts.debug) {
          clear();
          process.stderr.write(`debug: ${e.message}\n`);
        }
        break;
      case 'http-retry':
        if (opts.debug) {
          clear();
          process.stderr.write(`debug: retrying ${e.url} in ${e.delayMs} ms (attempt ${e.attempt}: ${e.reason})\n`);
        }
        break;
      case 'layer-start':
        total = e.total;
        layers.set(e.index, { ...(e.size !== undefined ? { size: e.size } : {}), bytes: 0, cached: e.cached, done: false });
        render();
        break;
      case 'layer-progress': {
        const l = layers.get(e.index);
        if (l) l.bytes = e.bytes;
        render();
        break;
      }
      case 'layer-done': {
        const l = layers.get(e.index);
        if (l) l.done = true;
        render();
        break;
      }
    }
  };
  return {
    events,
    async result(text, file) {
      clear();
      if (!file || file === '-') {
        await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
        return;
      }
      // A device, FIFO or other special file (`-o /dev/null`, `-o /dev/stdout`) is written in place: renaming over
      // it would replace it with a regular file.
      const existing = await stat(file).catch(() => undefined);
      if (existing && !existing.isFile()) {
        await new Promise<void>((resolve, reject) => {
          const ws = createWriteStream(file, { flags: 'w' });
          ws.on('error', reject);
          ws.end(text, () => resolve());
        });
        return;
      }
      // Write beside the target and rename, so an interrupted run never leaves a half-written report.
      const tmp = `${file}.tollgate-${process.pid}.tmp`;
      try {
        await new Promise<void>((resolve, reject) => {
          const ws = createWriteStream(tmp);
          ws.on('error', reject);
          ws.end(text, () => resolve());
        });
        await rename(tmp, file);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
    info(text) {
      clear();
      process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    error(e) {
      clear();
      if (isTollgateError(e)) {
        process.stderr.write(`error: ${e.message}\n`);
        if (opts.debug && e.cause) process.stderr.write(`  caused by: ${String((e.cause as Error)?.stack ?? e.cause)}\n`);
      } else if (e instanceof Error) {
        const code = (e as NodeJS.ErrnoException).code;
        process.stderr.write(`error: ${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}\n`);
        if (opts.debug) process.stderr.write(`${e.stack}\n`);
      } else {
        process.stderr.write(`error: ${String(e)}\n`);
      }
    },
    done() {
      clear();
    },
  };
}
