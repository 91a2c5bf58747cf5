import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { VulnDbError, type Advisory, type AffectedPackage, type CveEnrichment, type Ecosystem } from '../../core/index.js';
import { packageKey } from '../package-name.js';
import { SCHEMA_VERSION } from './schema.js';
import type { DbTotals } from './store-builder.js';

/** What a finding shows of an advisory: everything but its affected packages, details and references. */
export type AdvisoryBrief = Omit<Advisory, 'affected' | 'details' | 'references'> & {
  /** The alias group (one problem): its CVE id when it has one (see alias-groups.ts). */
  group: string;
};

export interface LookupHit {
  advisory: AdvisoryBrief;
  /** What this advisory says about the package looked up. */
  affected: AffectedPackage;
}

export interface FeedStatus {
  id: string;
  description: string;
  origin: string;
  fetchedAt?: string;
  builtAt: string;
  records: number;
  advisories: number;
  enrichments: number;
  duplicates: number;
  warnings: string[];
}

export interface EcosystemCount {
  ecosystem: Ecosystem;
  /** Absent for language ecosystems. */
  distro?: string;
  feed: string;
  advisories: number;
  /** Distinct package names with at least one statement. */
  packages: number;
}

export interface DbStatus {
  path: string;
  schemaVersion: number;
  toolVersion: string;
  builtAt: string;
  /** Milliseconds since builtAt, at the time status() was called. */
  ageMs: number;
  sizeBytes: number;
  /** Mirror folder or upstream base the database was built from. */
  source: string;
  feeds: FeedStatus[];
  counts: EcosystemCount[];
  totals: DbTotals;
}

/** The default command users are told to run. */
const UPDATE_HINT = 'run `tollgate db update` (or `tollgate db update --from DIR` offline)';

const CACHE_LIMIT = 50_000;

/**
 * Read-only access to a database built by `db update` (the matcher's view). Statements are prepared once; briefs
 * are parsed once per advisory and cached, since one advisory is typically hit by many lookups of a scan.
 */
export class VulnStore {
  private readonly briefs = new Map<number, AdvisoryBrief>();
  private readonly stLookup: Database.Statement;
  private readonly stLookupAll: Database.Statement;
  private readonly stAdvisory: Database.Statement;
  private readonly stAdvisoryAll: Database.Statement;
  private readonly stAffectedOf: Database.Statement;
  private readonly stEnrichment: Database.Statement;
  private readonly stEnrichments: Database.Statement;
  private readonly stAliases: Database.Statement;
  private readonly stGroup: Database.Statement;
  private readonly stGroupMembers: Database.Statement;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
    const lookup = 'SELECT f.adv, f.data, a.id, a.grp, a.brief FROM affected f JOIN advisories a ON a.seq = f.adv WHERE f.ecosystem = ? AND f.distro = ? AND f.name = ?';
    this.stLookup = db.prepare(`${lookup} AND a.withdrawn IS NULL ORDER BY a.id, a.seq`).raw();
    this.stLookupAll = db.prepare(`${lookup} ORDER BY a.id, a.seq`).raw();
    // One id may have a row per feed (see schema.ts): the newest copy, then the first feed's.
    this.stAdvisory = db.prepare('SELECT seq, brief, extra, grp FROM advisories WHERE id = ? ORDER BY modified IS NULL, modified DESC, seq LIMIT 1').raw();
    this.stAdvisoryAll = db.prepare('SELECT seq, brief, extra, grp FROM advisories WHERE id = ? ORDER BY seq').raw();
    this.stAffectedOf = db.prepare('SELECT data FROM affected WHERE adv = ? ORDER BY rowid').pluck();
    this.stEnrichment = db.prepare('SELECT data FROM enrichment WHERE cve = ?').pluck();
    this.stEnrichments = db.prepare('SELECT cve, data FROM enrichment WHERE cve IN (SELECT value FROM json_each(?))').raw();
    this.stAliases = db.prepare('SELECT alias FROM aliases WHERE advisory_id = ? UNION SELECT advisory_id FROM aliases WHERE alias = ?').pluck();
    this.stGroup = db.prepare('SELECT grp FROM alias_groups WHERE id = ?').pluck();
    this.stGroupMembers = db.prepare('SELECT id FROM alias_groups WHERE grp = ?').pluck();
  }

  /**
   * Opens a database read-only. A missing file → DB_MISSING, a file that is not an intact SQLite database →
   * DB_CORRUPT, another schema version → DB_SCHEMA; each message says which command rebuilds it.
   */
  static open(path: string): VulnStore {
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new VulnDbError('DB_CORRUPT', `${path} is not a vulnerability database file: ${UPDATE_HINT} --db PATH with a file path`);
      size = st.size;
    } catch (e) {
      if (e instanceof VulnDbError) throw e;
      throw new VulnDbError('DB_MISSING', `no vulnerability database at ${path}: ${UPDATE_HINT}`, { cause: e });
    }
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new VulnDbError('DB_CORRUPT', `cannot open the vulnerability database ${path}: ${(e as Error).message}; ${UPDATE_HINT}`, { cause: e });
    }
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      // A truncated copy passes the header check; its page count then no longer matches its size.
      const pages = db.pragma('page_count', { simple: true }) as number;
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      if (pages * pageSize !== size) throw new VulnDbError('DB_CORRUPT', `the vulnerability database ${path} is truncated or damaged: ${UPDATE_HINT}`);
      if (version !== SCHEMA_VERSION) {
        throw new VulnDbError(
          'DB_SCHEMA',
          `the vulnerability database ${path} has schema version ${version}, this Tollgate reads version ${SCHEMA_VERSION}: ${UPDATE_HINT}`,
        );
      }
      return new VulnStore(db, path);
    } catch (e) {
      db.close();
      if (e instanceof VulnDbError) throw e;
      throw new VulnDbError('DB_CORRUPT', `the vulnerability database ${path} is not readable (${(e as Error).message}): ${UPDATE_HINT}`, { cause: e });
    }
  }

  close(): void {
    this.db.close();
  }

  /** Runs a query, turning SQLite corruption found mid-scan into DB_CORRUPT. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
        throw new VulnDbError('DB_CORRUPT', `the vulnerability database ${this.path} is damaged (${(e as Error).message}): ${UPDATE_HINT}`, { cause: e });
      }
      throw e;
    }
  }

  private brief(seq: number, group: string | null, json: string): AdvisoryBrief {
    let b = this.briefs.get(seq);
    if (!b) {
      if (this.briefs.size >= CACHE_LIMIT) this.briefs.clear();
      b = { ...(JSON.parse(json) as Omit<AdvisoryBrief, 'group'>), group: group ?? '' };
      if (!b.group) b.group = b.id;
      this.briefs.set(seq, b);
    }
    return b;
  }

  /**
   * What the advisories say about one package: `distro` as AffectedPackage.distro writes it ("debian:12") for OS
   * packages, undefined for language packages. The name may be given in any spelling the ecosystem treats as equal
   * (PyPI "Jinja2" = "jinja2"). Withdrawn advisories are left out unless asked for. The returned objects are shared
   * between calls: do not modify them.
   */
  lookup(ecosystem: Ecosystem, distro: string | undefined, name: string, opts: { includeWithdrawn?: boolean } = {}): LookupHit[] {
    const st = opts.includeWithdrawn ? this.stLookupAll : this.stLookup;
    const rows = this.guard(() => st.all(ecosystem, distro ?? '', packageKey(ecosystem, name)) as [number, string, string, string | null, string][]);
    return rows.map(([seq, affected, , group, brief]) => ({ advisory: this.brief(seq, group, brief), affected: JSON.parse(affected) as AffectedPackage }));
  }

  private whole(row: [number, string, string, string | null], id: string): Advisory & { group: string } {
    const [seq, brief, extra, group] = row;
    const affected = (this.stAffectedOf.all(seq) as string[]).map((d) => JSON.parse(d) as AffectedPackage);
    return { ...(JSON.parse(brief) as Omit<Advisory, 'affected'>), ...(JSON.parse(extra) as Pick<Advisory, 'details' | 'references'>), affected, group: group ?? id };
  }

  /**
   * The whole advisory (details, references, every affected package), or undefined. When several feeds use the
   * same id (CVE ids in distro feeds), the newest copy; `advisories(id)` returns all of them.
   */
  advisory(id: string): (Advisory & { group: string }) | undefined {
    return this.guard(() => {
      const row = this.stAdvisory.get(id) as [number, string, string, string | null] | undefined;
      return row ? this.whole(row, id) : undefined;
    });
  }

  /** Every feed's advisory with this id, in build order. */
  advisories(id: string): (Advisory & { group: string })[] {
    return this.guard(() => (this.stAdvisoryAll.all(id) as [number, string, string, string | null][]).map((row) => this.whole(row, id)));
  }

  enrichment(cve: string): CveEnrichment | undefined {
    const data = this.guard(() => this.stEnrichment.get(cve) as string | undefined);
    return data ? (JSON.parse(data) as CveEnrichment) : undefined;
  }

  /** Enrichment of many CVEs in one query; CVEs without any are absent from the map. */
  enrichments(cves: readonly string[]): Map<string, CveEnrichment> {
    const out = new Map<string, CveEnrichment>();
    if (cves.length === 0) return out;
    const rows = this.guard(() => this.stEnrichments.all(JSON.stringify([...new Set(cves)])) as [string, string][]);
    for (const [cve, data] of rows) out.set(cve, JSON.parse(data) as CveEnrichment);
    return out;
  }

  /**
   * Every other id of the same problem: the aliases the advisory states, the advisories that state this id as an
   * alias, and the members of its alias group. Sorted, CVE ids first; without `id` itself.
   */
  aliasesOf(id: string): string[] {
    return this.guard(() => {
      const ids = new Set<string>(this.stAliases.all(id, id) as string[]);
      const group = this.stGroup.get(id) as string | undefined;
      if (group) for (const m of this.stGroupMembers.all(group) as string[]) ids.add(m);
      ids.delete(id);
      return [...ids].sort((a, b) => Number(b.startsWith('CVE-')) - Number(a.startsWith('CVE-')) || (a < b ? -1 : a > b ? 1 : 0));
    });
  }

  /** The alias group of an id (its CVE when the group has one), or undefined for an id the database does not know. */
  groupOf(id: string): string | undefined {
    return this.guard(() => this.stGroup.get(id) as string | undefined);
  }

  status(now: Date = new Date()): DbStatus {
    return this.guard(() => {
      const meta = Object.fromEntries(this.db.prepare('SELECT key, value FROM meta').raw().all() as [string, string][]);
      const feeds = (
        this.db.prepare('SELECT id, description, origin, fetched_at, built_at, records, advisories, enrichments, duplicates, warnings FROM feeds ORDER BY id').all() as {
          id: string;
          description: string;
          origin: string;
          fetched_at: string | null;
          built_at: string;
          records: number;
          advisories: number;
          enrichments: number;
          duplicates: number;
          warnings: string;
        }[]
      ).map((f) => ({
        id: f.id,
        description: f.description,
        origin: f.origin,
        ...(f.fetched_at ? { fetchedAt: f.fetched_at } : {}),
        builtAt: f.built_at,
        records: f.records,
        advisories: f.advisories,
        enrichments: f.enrichments,
        duplicates: f.duplicates,
        warnings: JSON.parse(f.warnings) as string[],
      }));
      const counts = (
        this.db.prepare('SELECT ecosystem, distro, feed, advisories, packages FROM counts ORDER BY ecosystem, distro, feed').all() as {
          ecosystem: Ecosystem;
          distro: string;
          feed: string;
          advisories: number;
          packages: number;
        }[]
      ).map((c) => ({ ecosystem: c.ecosystem, ...(c.distro ? { distro: c.distro } : {}), feed: c.feed, advisories: c.advisories, packages: c.packages }));
      const builtAt = meta.built_at ?? '';
      return {
        path: this.path,
        schemaVersion: Number(meta.schema_version),
        toolVersion: meta.tool_version ?? '',
        builtAt,
        ageMs: builtAt ? Math.max(0, now.getTime() - Date.parse(builtAt)) : 0,
        sizeBytes: statSync(this.path).size,
        source: meta.source ?? '',
        feeds,
        counts,
        totals: JSON.parse(meta.totals ?? '{}') as DbTotals,
      };
    });
  }
}
