/**
 * Pipenv's `Pipfile.lock` (JSON): `default` (runtime) and `develop` (development) objects mapping a name to
 * `{ "version": "==1.2.3", "hashes": […], "markers": … }`. Entries without a `version` are VCS, path or
 * editable installs, which name no release (Trivy and Syft skip them too). A name in both sections is a runtime
 * dependency. The format records no dependency graph.
 */
import { AnalysisError } from '../../../core/index.js';
import type { LockPackage, LockParse } from './lock-record.js';
import { isTable } from './lock-record.js';
import { normalizeName } from './requirement.js';
import { decodeText } from './text.js';

export function parsePipfileLock(content: Buffer): LockParse {
  let doc: unknown;
  try {
    doc = JSON.parse(decodeText(content));
  } catch (e) {
    throw new AnalysisError('MALFORMED_FILE', `Pipfile.lock is not valid JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (!isTable(doc)) throw new AnalysisError('MALFORMED_FILE', 'Pipfile.lock is not a JSON object');
  const warnings: string[] = [];
  const packages: LockPackage[] = [];
  const index = new Map<string, number>();
  for (const section of ['default', 'develop'] as const) {
    const entries = doc[section];
    if (entries === undefined) continue;
    if (!isTable(entries)) {
      warnings.push(`"${section}" is not an object; skipped`);
      continue;
    }
    for (const [name, entry] of Object.entries(entries)) {
      if (!isTable(entry) || typeof entry.version !== 'string') continue;
      const version = entry.version.startsWith('===') ? entry.version.slice(3) : entry.version.startsWith('==') ? entry.version.slice(2) : undefined;
      if (version === undefined || version.trim() === '') {
        warnings.push(`${name}: version ${JSON.stringify(entry.version.slice(0, 64))} is not pinned; skipped`);
        continue;
      }
      const key = `${normalizeName(name)}\u0000${version.trim()}`;
      if (index.has(key)) continue; // already listed under "default"
      index.set(key, packages.length);
      packages.push({ name, version: version.trim(), ...(section === 'develop' ? { dev: true } : {}) });
    }
  }
  return { packages, warnings };
}
