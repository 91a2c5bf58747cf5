import { readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Walking a feed mirror (`--from DIR` or the folder `db update` downloaded into). Paths handed to feeds and shown in
 * messages are mirror-relative with `/` separators, so that an error names the file the way PROVENANCE.md and
 * MANIFEST.tsv name it. Symbolic links are not followed (a mirror is plain files; a link loop must not hang).
 */

/** Absolute path of a mirror-relative path; refuses paths that climb out of the mirror. */
export function mirrorPath(mirror: string, rel: string): string {
  const abs = path.resolve(mirror, rel);
  const root = path.resolve(mirror);
  if (abs !== root && !abs.startsWith(root + path.sep)) throw new Error(`path outside the mirror: ${rel}`);
  return abs;
}

/** True when the mirror-relative file or folder exists. */
export async function mirrorHas(mirror: string, rel: string): Promise<boolean> {
  try {
    await lstat(mirrorPath(mirror, rel));
    return true;
  } catch {
    return false;
  }
}

/**
 * Mirror-relative paths of the regular files under `rel` (a folder, or one file) accepted by `accept`, in sorted
 * order so that builds are reproducible. A missing `rel` yields nothing.
 */
export async function listMirrorFiles(mirror: string, rel: string, accept: (relPath: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const start = rel.replace(/\/+$/, '');
  const visit = async (relPath: string): Promise<void> => {
    const abs = mirrorPath(mirror, relPath);
    const st = await lstat(abs).catch(() => undefined);
    if (!st) return;
    if (st.isFile()) {
      if (accept(relPath)) out.push(relPath);
      return;
    }
    if (!st.isDirectory()) return;
    const names = (await readdir(abs)).sort();
    for (const name of names) await visit(relPath ? `${relPath}/${name}` : name);
  };
  await visit(start);
  return out;
}

/**
 * Reads files in order. Mirror files are small and many (4,000+ Go records), where synchronous reads cost a third of
 * the thread-pool round trips of fs.promises; the event loop is briefly blocked, which a batch build can afford.
 */
export async function* readMirrorFiles(
  mirror: string,
  files: readonly string[],
  opts: { signal?: AbortSignal } = {},
): AsyncGenerator<{ rel: string; data: Buffer }> {
  for (const rel of files) {
    opts.signal?.throwIfAborted();
    yield { rel, data: readFileSync(mirrorPath(mirror, rel)) };
  }
}
