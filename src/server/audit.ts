import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditRecord } from '../admission/index.js';

/**
 * The audit log: one JSON object per line per decision (time, uid, namespace, object, images, digests, rules,
 * decision, latency), appended to a file or written to stdout (`-`), for a log shipper to collect.
 */
export class AuditLog {
  private readonly stream: NodeJS.WritableStream;
  private readonly own: WriteStream | undefined;

  constructor(target: string | NodeJS.WritableStream) {
    if (typeof target === 'string') {
      if (target === '-') {
        this.stream = process.stdout;
      } else {
        this.own = createWriteStream(target, { flags: 'a', mode: 0o640 });
        this.stream = this.own;
      }
    } else {
      this.stream = target;
    }
  }

  write(record: AuditRecord): void {
    this.stream.write(`${JSON.stringify(record)}\n`);
  }

  async close(): Promise<void> {
    const own = this.own;
    if (own) await new Promise<void>((resolve) => own.end(() => resolve()));
  }
}
