/**
 * uv's `uv.lock` (TOML, https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile): one `[[package]]`
 * per locked distribution with `name`, `version`, `source`, and its edges as inline tables
 * `{ name = "idna" }` (with `version`/`source` when the lock holds several versions of that name):
 *   - `dependencies`: runtime requirements;
 *   - `[package.optional-dependencies]`: per extra;
 *   - `[package.dev-dependencies]`: per development group (only on the project's own packages).
 *
 * The project itself and its workspace members have a local editable or virtual source
 * (`source = { editable = "." }`, `{ virtual = "packages/x" }`): they are the project, not dependencies, so they are
 * not reported; they are the roots from which development-only packages are found (reachable only through a root's
 * dev-dependencies, as Trivy's uv parser decides). Without roots nothing is flagged dev.
 */
import type { DependencyRef, LockPackage, LockParse } from './lock-record.js';
import { isTable, linkDependencies, parseTomlDocument, stringField } from './lock-record.js';

interface Entry {
  pkg: LockPackage;
  root: boolean;
  runtime: DependencyRef[];
  optional: DependencyRef[];
  dev: DependencyRef[];
}

function refs(v: unknown): DependencyRef[] {
  if (!Array.isArray(v)) return [];
  const out: DependencyRef[] = [];
  for (const r of v) {
    if (!isTable(r)) continue;
    const name = stringField(r, 'name');
    if (name === undefined) continue;
    const version = stringField(r, 'version');
    out.push(version !== undefined ? { name, version } : { name });
  }
  return out;
}

function groupRefs(v: unknown): DependencyRef[] {
  return isTable(v) ? Object.values(v).flatMap(refs) : [];
}

export function parseUvLock(content: Buffer): LockParse {
  const doc = parseTomlDocument(content, 'uv.lock');
  const warnings: string[] = [];
  const list = Array.isArray(doc.package) ? doc.package : [];
  const entries: Entry[] = [];
  list.forEach((raw: unknown, i) => {
    if (!isTable(raw)) return;
    const name = stringField(raw, 'name');
    const source = isTable(raw.source) ? raw.source : {};
    const root = typeof source.editable === 'string' || typeof source.virtual === 'string';
    // A project with a dynamic version is locked without one.
    const version = stringField(raw, 'version') ?? (root ? '' : undefined);
    if (name === undefined || version === undefined) {
      warnings.push(`package ${i + 1} has no name or version; skipped`);
      return;
    }
    entries.push({
      pkg: { name, version },
      root,
      runtime: refs(raw.dependencies),
      optional: groupRefs(raw['optional-dependencies']),
      dev: groupRefs(raw['dev-dependencies']),
    });
  });

  // Edges over every entry (roots included): runtime ∪ optional for reachability, runtime alone for dependsOn.
  const all = entries.map((e) => ({ ...e.pkg }));
  const warn: string[] = [];
  linkDependencies(all, entries.map((e) => [...e.runtime, ...e.optional]), warn);
  const devEdges = entries.map((e) => ({ ...e.pkg }));
  linkDependencies(devEdges, entries.map((e) => e.dev), warn);
  const reach = (starts: number[]): Set<number> => {
    const seen = new Set<number>();
    const stack = [...starts];
    while (stack.length) {
      const i = stack.pop()!;
      if (seen.has(i)) continue;
      seen.add(i);
      for (const j of all[i]!.deps ?? []) stack.push(j);
    }
    return seen;
  };
  const roots = entries.flatMap((e, i) => (e.root ? [i] : []));
  const runtime = reach(roots);
  const viaDev = reach(roots.flatMap((i) => devEdges[i]!.deps ?? []));

  const kept = entries.map((e, i) => ({ e, i })).filter(({ e }) => !e.root);
  const newIndex = new Map(kept.map(({ i }, k) => [i, k]));
  const direct = entries.map((e) => ({ ...e.pkg }));
  linkDependencies(direct, entries.map((e) => e.runtime), warn);
  const packages: LockPackage[] = kept.map(({ e, i }) => {
    const deps = (direct[i]!.deps ?? []).flatMap((j) => (newIndex.has(j) ? [newIndex.get(j)!] : []));
    const dev = roots.length > 0 && !runtime.has(i) && viaDev.has(i);
    return { name: e.pkg.name, version: e.pkg.version, ...(dev ? { dev } : {}), ...(deps.length ? { deps } : {}) };
  });
  warnings.push(...new Set(warn));
  return { packages, warnings };
}
