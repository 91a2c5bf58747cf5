/**
 * Cargo.lock (TOML): one `[[package]]` table per crate with `name`, `version`, `source` (absent for path/workspace
 * crates), `checksum` (v2+) and `dependencies`, whose entries name a crate as `name`, `name version` or
 * `name version (source)` — the longer forms only when the short one would be ambiguous in that lockfile (v2+),
 * always the full form in v1 (cargo: src/cargo/core/resolver/encode.rs). v1 keeps checksums in a `[metadata]`
 * table keyed `checksum name version (source)`; very old v1 files put the root crate in `[root]`.
 * v3 and v4 differ from v2 only in how `source` URLs are escaped, which is kept as written.
 */
import type * as SmolToml from 'smol-toml';
import { lazyRequire } from '../../../infra/index.js';
import { AnalysisError } from '../../../core/index.js';

const toml = lazyRequire<typeof SmolToml>('smol-toml');

export interface CargoLockPackage {
  name: string;
  version: string;
  source?: string;
  checksum?: string;
  /** Indices into the returned packages of the direct dependencies that could be resolved. */
  dependencies: number[];
}

export interface CargoLockParse {
  /** The lockfile format version (1 when the file has no `version` key). */
  version: number;
  packages: CargoLockPackage[];
  warnings: string[];
}

type Table = Record<string, unknown>;

function isTable(x: unknown): x is Table {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);
}

/** `name`, `name version` or `name version (source)`. */
export function parseDependencyRef(ref: string): { name: string; version?: string; source?: string } | undefined {
  const m = /^(\S+)(?: (\S+)(?: \((.+)\))?)?$/.exec(ref.trim());
  if (!m) return undefined;
  return { name: m[1]!, ...(m[2] !== undefined ? { version: m[2] } : {}), ...(m[3] !== undefined ? { source: m[3] } : {}) };
}

/** A dependency's source omits the git commit fragment that the package's own `source` carries. */
function sameSource(pkgSource: string | undefined, ref: string): boolean {
  if (pkgSource === undefined) return false;
  if (pkgSource === ref) return true;
  const hash = pkgSource.indexOf('#');
  return hash !== -1 && pkgSource.slice(0, hash) === ref;
}

export function parseCargoLock(content: Buffer | string): CargoLockParse {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  let doc: Table;
  try {
    doc = toml().parse(text) as Table;
  } catch (e) {
    throw new AnalysisError('MALFORMED_FILE', `Cargo.lock is not valid TOML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  const warnings: string[] = [];
  const version = typeof doc.version === 'number' ? doc.version : 1;
  const rawList: unknown[] = [];
  if (isTable(doc.root)) rawList.push(doc.root);
  if (doc.package !== undefined) {
    if (Array.isArray(doc.package)) rawList.push(...(doc.package as unknown[]));
    else warnings.push('package is not an array of tables; ignored');
  }
  const v1Checksums = isTable(doc.metadata) ? doc.metadata : {};

  const entries: { pkg: CargoLockPackage; deps: string[] }[] = [];
  rawList.forEach((raw, i) => {
    if (!isTable(raw) || typeof raw.name !== 'string' || typeof raw.version !== 'string' || raw.name === '' || raw.version === '') {
      warnings.push(`package entry ${i + 1} has no name or version; skipped`);
      return;
    }
    const source = typeof raw.source === 'string' ? raw.source : undefined;
    let checksum = typeof raw.checksum === 'string' ? raw.checksum : undefined;
    if (checksum === undefined && source !== undefined) {
      const v1 = v1Checksums[`checksum ${raw.name} ${raw.version} (${source})`];
      if (typeof v1 === 'string' && v1 !== '<none>') checksum = v1;
    }
    const deps = Array.isArray(raw.dependencies) ? raw.dependencies.filter((d): d is string => typeof d === 'string') : [];
    entries.push({
      pkg: { name: raw.name, version: raw.version, ...(source !== undefined ? { source } : {}), ...(checksum !== undefined ? { checksum } : {}), dependencies: [] },
      deps,
    });
  });

  const byName = new Map<string, number[]>();
  entries.forEach(({ pkg }, i) => {
    const list = byName.get(pkg.name);
    if (list) list.push(i);
    else byName.set(pkg.name, [i]);
  });
  for (const { pkg, deps } of entries) {
    const seen = new Set<number>();
    for (const d of deps) {
      const ref = parseDependencyRef(d);
      const candidates = (ref && byName.get(ref.name)) || [];
      const matches = candidates.filter((i) => {
        const c = entries[i]!.pkg;
        return (ref!.version === undefined || c.version === ref!.version) && (ref!.source === undefined || sameSource(c.source, ref!.source));
      });
      if (matches.length === 0) {
        warnings.push(`${pkg.name} ${pkg.version}: dependency ${JSON.stringify(d)} is not in the lockfile`);
        continue;
      }
      // Cargo writes the short form only when it is unambiguous; a tie can only come from a hand-edited file.
      const target = matches[0]!;
      if (!seen.has(target)) {
        seen.add(target);
        pkg.dependencies.push(target);
      }
    }
  }
  return { version, packages: entries.map((e) => e.pkg), warnings };
}
