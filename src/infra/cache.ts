import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** `$XDG_CACHE_HOME/tollgate`, else `~/.cache/tollgate` (the XDG base-directory spec). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'tollgate');
}

/**
 * A content cache of JSON documents on disk. Writes go to a unique temporary file that is renamed into place
 * (atomic on POSIX), so concurrent processes never see half-written entries and need no lock: two writers of the
 * same key write the same content and the last rename wins. Unreadable or corrupt entries count as misses.
 */
export class JsonCache {
  constructor(readonly dir: string) {}

  private file(namespace: string, key: string): string {
    const h = createHash('sha256').update(key).digest('hex');
    return path.join(this.dir, namespace, h.slice(0, 2), `${h}.json`);
  }

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    try {
      const text = await readFile(this.file(namespace, key), 'utf8');
      const doc = JSON.parse(text) as { key?: string; value?: T };
      // The key is stored too: a hash collision or a foreign file is a miss, not a wrong answer.
      return doc.key === key ? doc.value : undefined;
    } catch {
      return undefined;
    }
  }

  async put(namespace: string, key: string, value: unknown): Promise<void> {
    const target = this.file(namespace, key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ key, value }), { mode: 0o644 });
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
