/** What every npm-ecosystem lockfile parser returns (package-lock.json, yarn.lock, pnpm-lock.yaml). */
export interface LockRecord {
  name: string;
  version: string;
  /** Only in the development tree (the lockfile says so, or no production path reaches it). */
  dev?: boolean;
  licenses?: string[];
  resolved?: string;
  integrity?: string;
  /** Direct dependencies as `name@version` ids of other records of the same parse. */
  dependsOn?: string[];
}

export interface LockParse {
  packages: LockRecord[];
  warnings: string[];
}

export const MAX_WARNINGS = 20;

export const lockId = (name: string, version: string): string => `${name}@${version}`;

/**
 * Collects records keyed by name@version: a lockfile lists the same version once per place it is installed; the
 * result lists it once, development-only when every occurrence is (Trivy's parsers merge the same way).
 */
export class LockCollector {
  private readonly byId = new Map<string, LockRecord & { deps: Set<string> }>();
  readonly warnings: string[] = [];

  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else if (this.warnings.length === MAX_WARNINGS) this.warnings.push('further warnings suppressed');
  }

  add(r: Omit<LockRecord, 'dependsOn'>): string {
    const id = lockId(r.name, r.version);
    const seen = this.byId.get(id);
    if (!seen) {
      this.byId.set(id, { ...r, deps: new Set() });
    } else {
      if (!r.dev) delete seen.dev;
      if (!seen.licenses?.length && r.licenses?.length) seen.licenses = r.licenses;
      seen.resolved ??= r.resolved;
      seen.integrity ??= r.integrity;
    }
    return id;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Marks an already collected package as not development-only. */
  setProduction(id: string): void {
    const seen = this.byId.get(id);
    if (seen) delete seen.dev;
  }

  dependsOn(from: string, to: string): void {
    if (from !== to && this.byId.has(to)) this.byId.get(from)?.deps.add(to);
  }

  result(): LockParse {
    const packages = [...this.byId.values()].map(({ deps, ...r }): LockRecord => {
      const out: LockRecord = { name: r.name, version: r.version };
      if (r.dev) out.dev = true;
      if (r.licenses?.length) out.licenses = r.licenses;
      if (r.resolved) out.resolved = r.resolved;
      if (r.integrity) out.integrity = r.integrity;
      if (deps.size) out.dependsOn = [...deps].sort();
      return out;
    });
    return { packages, warnings: this.warnings };
  }
}

/**
 * Node's module resolution over a set of install paths (https://nodejs.org/api/modules.html#loading-from-node_modules-folders):
 * from package directory `dir`, `name` is `dir/node_modules/name`, else the same in each ancestor directory.
 * `exists` is asked for candidate paths, nearest first; the first it accepts is returned.
 */
export function resolveNodeModule(dir: string, name: string, exists: (path: string) => boolean): string | undefined {
  let base = dir;
  for (;;) {
    // An ancestor that is itself a node_modules folder has no node_modules of its own to look into.
    if (!(base === 'node_modules' || base.endsWith('/node_modules'))) {
      const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
      if (exists(candidate)) return candidate;
    }
    if (base === '') return undefined;
    const slash = base.lastIndexOf('/');
    base = slash === -1 ? '' : base.slice(0, slash);
  }
}
