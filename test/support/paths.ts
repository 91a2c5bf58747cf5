import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs as TypeScript (tsx) or compiled (dist/). */
export const repoRoot: string = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tollgate') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the tollgate repository root');
    dir = parent;
  }
})();

/** ../shared/data beside the checkout (real upstream material; read it from there, never copy it in). */
export const sharedData: string = process.env.TOLLGATE_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');

export function shared(...parts: string[]): string {
  return path.join(sharedData, ...parts);
}
