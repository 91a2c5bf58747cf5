/** What every Python lockfile parser returns: packages with dependency edges as indices into the same list. */
import type * as SmolToml from 'smol-toml';
import { lazyRequire } from '../../../infra/index.js';
import { AnalysisError } from '../../../core/index.js';
import { normalizeName } from './requirement.js';
import { decodeText } from './text.js';

const toml = lazyRequire<typeof SmolToml>('smol-toml');

export interface LockPackage {
  /** Name as the lockfile writes it. */
  name: string;
  version: string;
  /** The lockfile itself says the package is for development only. */
  dev?: boolean;
  /** Indices (into the same package list) of its direct dependencies. */
  deps?: number[];
}

export interface LockParse {
  packages: LockPackage[];
  warnings: string[];
}

/** Arrays and tables nest a few levels in real lockfiles; the bound stops a hostile one from exhausting the stack. */
const MAX_TOML_DEPTH = 64;

export function parseTomlDocument(content: Buffer, what: string): Record<string, unknown> {
  try {
    return toml().parse(decodeText(content), { maxDepth: MAX_TOML_DEPTH }) as Record<string, unknown>;
  } catch (e) {
    const detail = e instanceof toml().TomlError ? `${e.message.split('\n', 1)[0]!.trim()} at line ${e.line}, column ${e.column}` : e instanceof Error ? e.message : String(e);
    throw new AnalysisError('MALFORMED_FILE', `${what} is not valid TOML (${detail})`, { cause: e });
  }
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function stringField(t: Record<string, unknown>, key: string): string | undefined {
  const v = t[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A dependency as a lockfile names it: by name, and by version where the lockfile disambiguates (uv). */
export interface DependencyRef {
  name: string;
  version?: string;
}

/**
 * Bounds the dependency edges of one lockfile: real ones have a few per package; a hostile file repeating one name
 * thousands of times would otherwise make the graph quadratic.
 */
export const MAX_EDGES = 500_000;

/**
 * Resolves each package's dependency references (`refs[i]` for `packages[i]`) to indices of `packages`, by
 * normalised name (and version when given). References to packages absent from the lock (not installed for this
 * platform, or the project itself) resolve to nothing; a self-reference is dropped.
 */
export function linkDependencies(packages: LockPackage[], refs: DependencyRef[][], warnings: string[]): void {
  const byName = new Map<string, number[]>();
  packages.forEach((p, i) => {
    const k = normalizeName(p.name);
    const list = byName.get(k);
    if (list) list.push(i);
    else byName.set(k, [i]);
  });
  let edges = 0;
  for (let i = 0; i < packages.length; i++) {
    const deps = new Set<number>();
    for (const ref of refs[i] ?? []) {
      for (const j of byName.get(normalizeName(ref.name)) ?? []) {
        if (j === i || (ref.version !== undefined && packages[j]!.version !== ref.version)) continue;
        if (edges >= MAX_EDGES) {
          warnings.push(`more than ${MAX_EDGES} dependency edges; the rest are ignored`);
          return;
        }
        if (!deps.has(j)) edges++;
        deps.add(j);
      }
    }
    if (deps.size) packages[i]!.deps = [...deps];
  }
}
