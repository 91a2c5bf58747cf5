import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { VulnDbError } from '../../core/index.js';

/**
 * `<db>.lock`: one update at a time per database. Created with O_EXCL and holding the owner's pid; a lock whose
 * process is gone (an update killed with SIGKILL) is stale and taken over. The pid check is local to this host,
 * which is where the cache directory lives.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface UpdateLock {
  readonly file: string;
  release(): void;
}

export function acquireLock(dbPath: string): UpdateLock {
  const file = `${dbPath}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    // The pid is written to a private file first and hard-linked to the lock name: link() fails when the lock
    // exists, and a lock never exists without its pid (no window where another update reads it empty).
    const tmp = `${file}.${process.pid}.${attempt}`;
    writeFileSync(tmp, `${process.pid}\n`, { mode: 0o644 });
    try {
      linkSync(tmp, file);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          // Only remove a lock that is still ours.
          if (readPid(file) === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = readPid(file);
      if (pid !== undefined && processAlive(pid)) {
        throw new VulnDbError('UPDATE_IN_PROGRESS', `another \`tollgate db update\` (pid ${pid}) is updating ${dbPath}; wait for it to finish (lock file ${file})`);
      }
      // Stale: its process is gone (an update killed with SIGKILL). Take it over.
      rmSync(file, { force: true });
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  throw new VulnDbError('UPDATE_IN_PROGRESS', `cannot take the update lock ${file}`);
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}
