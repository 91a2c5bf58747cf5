import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Notices when files change, the way mounted Secrets and ConfigMaps change: kubelet swaps a `..data` symlink in the
 * mounted folder, editors and cert-manager rename new files over old ones. `fs.watch` on the folders gives a prompt
 * signal where the platform delivers one; a periodic stat of every file (size, mtime, inode, following symlinks)
 * catches what it misses (NFS, overlay filesystems, events lost while a reload ran).
 */
export interface FileWatchOptions {
  /** Files, or folders whose direct entries are watched (hidden `..data` entries included in the signature). */
  paths: readonly string[];
  intervalMs: number;
  /** Throwing means "not usable yet": the change is looked at again on the next tick. */
  onChange: () => void | Promise<void>;
  /** Watch problems (a folder that disappeared): reported, never thrown. */
  onError?: (e: unknown) => void;
}

async function signatureOf(paths: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const p of paths) {
    try {
      const s = await stat(p);
      if (s.isDirectory()) {
        for (const name of (await readdir(p)).sort()) {
          try {
            const f = await stat(path.join(p, name));
            parts.push(`${p}/${name}:${f.size}:${f.mtimeMs}:${f.ino}`);
          } catch {
            parts.push(`${p}/${name}:gone`);
          }
        }
      } else {
        parts.push(`${p}:${s.size}:${s.mtimeMs}:${s.ino}`);
      }
    } catch {
      parts.push(`${p}:missing`);
    }
  }
  return parts.join('|');
}

export class FileWatch {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private last = '';
  private checking: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly options: FileWatchOptions) {}

  async start(): Promise<void> {
    this.last = await signatureOf(this.options.paths);
    const folders = new Set<string>();
    for (const p of this.options.paths) {
      try {
        folders.add((await stat(p)).isDirectory() ? p : path.dirname(p));
      } catch {
        folders.add(path.dirname(p));
      }
    }
    for (const dir of folders) {
      try {
        const w = watch(dir, { persistent: false }, () => this.soon());
        w.on('error', (e) => this.options.onError?.(e));
        this.watchers.push(w);
      } catch (e) {
        this.options.onError?.(e);
      }
    }
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Events come in bursts (a rename is several): check once they settle. */
  private soon(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.check(), 50);
    this.debounce.unref();
  }

  /** Compares the files' signature with the last one; runs onChange when it differs. */
  check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (async () => {
      try {
        do {
          this.again = false;
          const now = await signatureOf(this.options.paths);
          if (now !== this.last && !this.closed) {
            this.last = now;
            try {
              await this.options.onChange();
            } catch (e) {
              // Half-written files (a new certificate beside the old key): try again on the next tick.
              this.last = '';
              this.options.onError?.(e);
            }
          }
        } while (this.again && !this.closed);
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
