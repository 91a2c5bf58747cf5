import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/index.js';

/**
 * Policy files from paths: a file is read as given, a directory contributes its `*.yaml` / `*.yml` files (not
 * recursively, sorted by name, as `kubectl apply -f DIR` reads them).
 */
export interface PolicyFileSet {
  file: string;
  text: string;
}

export async function readPolicyFiles(paths: readonly string[]): Promise<PolicyFileSet[]> {
  const out: PolicyFileSet[] = [];
  for (const p of paths) {
    const st = await stat(p).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError('INVALID_CONFIG', `policy ${p}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`, { cause: e });
    });
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => /\.ya?ml$/i.test(n)).sort();
      if (names.length === 0) throw new UsageError('INVALID_CONFIG', `policy directory ${p} holds no *.yaml or *.yml file`);
      for (const n of names) out.push({ file: path.join(p, n), text: await readFile(path.join(p, n), 'utf8') });
    } else {
      out.push({ file: p, text: await readFile(p, 'utf8') });
    }
  }
  return out;
}
