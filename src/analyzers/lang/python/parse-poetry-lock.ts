/**
 * Poetry's `poetry.lock` (TOML): one `[[package]]` table per locked distribution with `name`, `version`, its
 * `[package.dependencies]` (name → constraint), and which dependency groups need it:
 *   - lock-version 1.x: `category = "main" | "dev"`;
 *   - lock-version 2.1 (Poetry 2): `groups = ["main", "dev", …]`;
 *   - lock-version 2.0 (Poetry 1.5–1.8) records neither: only the project's pyproject.toml can tell (see
 *     parse-pyproject.ts and the analyzer's merge).
 * Dependencies are named, not versioned: a name with several locked versions (per-platform markers) links to each.
 */
import type { LockPackage, LockParse } from './lock-record.js';
import { isTable, linkDependencies, parseTomlDocument, stringField } from './lock-record.js';
import { normalizeName } from './requirement.js';

export function parsePoetryLock(content: Buffer): LockParse {
  const doc = parseTomlDocument(content, 'poetry.lock');
  const warnings: string[] = [];
  const list = Array.isArray(doc.package) ? doc.package : [];
  const packages: LockPackage[] = [];
  const depNames: string[][] = [];
  list.forEach((entry: unknown, i) => {
    if (!isTable(entry)) return;
    const name = stringField(entry, 'name');
    const version = stringField(entry, 'version');
    if (name === undefined || version === undefined) {
      warnings.push(`package ${i + 1} has no name or version; skipped`);
      return;
    }
    const category = stringField(entry, 'category');
    const groups = Array.isArray(entry.groups) ? entry.groups.filter((g): g is string => typeof g === 'string') : undefined;
    const dev = groups !== undefined ? !groups.includes('main') : category !== undefined ? category === 'dev' : undefined;
    packages.push({ name, version, ...(dev ? { dev } : {}) });
    depNames.push(isTable(entry.dependencies) ? Object.keys(entry.dependencies).map(normalizeName) : []);
  });
  linkDependencies(packages, depNames.map((names) => names.map((name) => ({ name }))), warnings);
  return { packages, warnings };
}
