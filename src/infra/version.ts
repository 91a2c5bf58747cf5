import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Tollgate's own version, from the package.json of the installed package (works from src/ and dist/). */
export function toolVersion(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tollgate' && pkg.version) return (cached = pkg.version);
    } catch {
      // keep looking upwards
    }
    dir = path.dirname(dir);
  }
  return (cached = '0.0.0-unknown');
}
