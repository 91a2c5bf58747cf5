import Database from 'better-sqlite3';
import type { Advisory, CveEnrichment } from '../../core/index.js';
import { packageKey } from '../package-name.js';
import { AliasGroups } from './alias-groups.js';
import { mergeEnrichments } from './merge-enrichment.js';
import { INDEX_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export interface DbTotals {
  advisories: number;
  withdrawn: number;
  affected: number;
  enrichments: number;
  aliases: number;
  groups: number;
}

export interface FeedSummary {
  id: string;
  description: string;
  /** Where the files came from: the --from folder, or the upstream URLs. */
  origin: string;
  fetchedAt?: string;
  records: number;
  advisories: number;
  enrichments: number;
  /** Records whose id another record already provided with a newer or equal 'modified'. */
  duplicates: number;
  warnings: string[];
}

/** The advisory split as stored: the brief (what a finding shows) and the rest but the affected packages. */
function split(a: Advisory): { brief: string; extra: string } {
  const { affected: _a, details, references, ...brief } = a;
  return { brief: JSON.stringify(brief), extra: JSON.stringify({ ...(details !== undefined ? { details } : {}), ...(references ? { references } : {}) }) };
}

/**
 * Writes a new database file in one pass (used only by update/update-db.ts, on a temporary file that is renamed into place
 * when everything succeeded). Durability settings are off while building: a crash discards the file anyway.
 */
export class StoreBuilder {
  private readonly db: Database.Database;
  /** `feed\0id` → the stored copy. */
  private readonly known = new Map<string, { seq: number; modified: string }>();
  private seq = 0;
  private enrichmentSeq = 0;
  private readonly insAdvisory: Database.Statement;
  private readonly updAdvisory: Database.Statement;
  private readonly insAffected: Database.Statement;
  private readonly insAlias: Database.Statement;
  private readonly insPart: Database.Statement;
  private readonly delAliases: Database.Statement;
  private replaced = 0;
  private closed = false;

  constructor(readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('page_size = 8192');
    this.db.exec(SCHEMA_SQL);
    // Parts of per-CVE enrichment, merged at the end. A TEMP table lives in SQLite's own temporary file (unlinked at
    // creation, so nothing is left behind by a kill), not in the database being built.
    this.db.exec('CREATE TEMP TABLE enrichment_parts (cve TEXT NOT NULL, feed TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL)');
    this.insAdvisory = this.db.prepare(
      'INSERT INTO advisories (seq, id, source, feed, withdrawn, severity, published, modified, brief, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.updAdvisory = this.db.prepare(
      'UPDATE advisories SET seq = ?, source = ?, feed = ?, withdrawn = ?, severity = ?, published = ?, modified = ?, brief = ?, extra = ? WHERE seq = ?',
    );
    this.insAffected = this.db.prepare('INSERT INTO affected (ecosystem, distro, name, adv, data) VALUES (?, ?, ?, ?, ?)');
    this.insAlias = this.db.prepare('INSERT OR IGNORE INTO aliases (adv, advisory_id, alias, ord) VALUES (?, ?, ?, ?)');
    this.delAliases = this.db.prepare('DELETE FROM aliases WHERE adv = ?');
    this.insPart = this.db.prepare('INSERT INTO enrichment_parts (cve, feed, seq, data) VALUES (?, ?, ?, ?)');
  }

  /**
   * Adds one feed's batch in a transaction. Returns how many advisories of the batch repeated an id the feed had
   * already delivered (the feed's newest copy of an id is kept; on equal `modified`, the first).
   */
  addBatch(feed: string, advisories: readonly Advisory[], enrichments: readonly CveEnrichment[]): { duplicates: number } {
    let duplicates = 0;
    this.db.transaction(() => {
      for (const a of advisories) if (this.addAdvisory(feed, a) !== 'added') duplicates++;
      for (const e of enrichments) this.insPart.run(e.cve, feed, this.enrichmentSeq++, JSON.stringify(e));
    })();
    return { duplicates };
  }

  private addAdvisory(feed: string, a: Advisory): 'added' | 'replaced' | 'kept-older' {
    const modified = a.modified ?? '';
    const key = `${feed}\u0000${a.id}`;
    const prior = this.known.get(key);
    if (prior && prior.modified >= modified) return 'kept-older';
    const seq = ++this.seq;
    const { brief, extra } = split(a);
    const row = [a.source, feed, a.withdrawn ?? null, a.severity ?? null, a.published ?? null, a.modified ?? null, brief, extra];
    if (prior) {
      // A newer copy of the same id from the same feed replaces the older one (its stale affected rows are dropped in
      // finish()).
      this.updAdvisory.run(seq, ...row, prior.seq);
      this.delAliases.run(prior.seq);
      this.replaced++;
    } else {
      this.insAdvisory.run(seq, a.id, ...row);
    }
    this.known.set(key, { seq, modified });
    for (const p of a.affected) this.insAffected.run(p.ecosystem, p.distro ?? '', packageKey(p.ecosystem, p.name), seq, JSON.stringify(p));
    a.aliases.forEach((alias, i) => {
      if (alias !== a.id) this.insAlias.run(seq, a.id, alias, i);
    });
    return prior ? 'replaced' : 'added';
  }

  addFeed(s: FeedSummary, builtAt: string): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO feeds (id, description, origin, fetched_at, built_at, records, advisories, enrichments, duplicates, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(s.id, s.description, s.origin, s.fetchedAt ?? null, builtAt, s.records, s.advisories, s.enrichments, s.duplicates, JSON.stringify(s.warnings));
  }

  /**
   * Derived tables, indexes, statistics, an integrity check, then closes the file. Throws if the check fails.
   * Returns counts for the summary.
   */
  finish(meta: Record<string, string>): { advisories: number; affected: number; enrichments: number; groups: number } {
    const db = this.db;
    let totals: DbTotals | undefined;
    db.transaction(() => {
      if (this.replaced) db.exec('DELETE FROM affected WHERE adv NOT IN (SELECT seq FROM advisories)');

      // Alias groups, in advisory id order (deterministic), each advisory's aliases in its own order (CVE ids first,
      // see Advisory.aliases): a record naming several CVEs joins the group of the first.
      const groups = new AliasGroups();
      for (const id of db.prepare('SELECT DISTINCT id FROM advisories ORDER BY id').pluck().all() as string[]) groups.add(id);
      for (const [id, alias] of db.prepare('SELECT advisory_id, alias FROM aliases ORDER BY advisory_id, adv, ord').raw().all() as [string, string][]) {
        groups.link(id, alias);
      }
      const insGroup = db.prepare('INSERT INTO alias_groups (id, grp) VALUES (?, ?)');
      for (const [id, grp] of groups.groups()) insGroup.run(id, grp);
      db.exec('UPDATE advisories SET grp = (SELECT grp FROM alias_groups g WHERE g.id = advisories.id)');

      // Enrichment: one merged row per CVE.
      const insEnrichment = db.prepare('INSERT INTO enrichment (cve, data) VALUES (?, ?)');
      let current: string | undefined;
      let parts: { feed: string; enrichment: CveEnrichment }[] = [];
      const flush = () => {
        if (current !== undefined) insEnrichment.run(current, JSON.stringify(mergeEnrichments(current, parts)));
        parts = [];
      };
      // Streamed (the NVD and EPSS feeds hold hundreds of thousands of CVEs); reading one table while writing
      // another needs better-sqlite3's unsafe mode.
      db.unsafeMode(true);
      try {
        for (const [cve, feed, data] of db.prepare('SELECT cve, feed, data FROM enrichment_parts ORDER BY cve, seq').raw().iterate() as Iterable<
          [string, string, string]
        >) {
          if (cve !== current) {
            flush();
            current = cve;
          }
          parts.push({ feed, enrichment: JSON.parse(data) as CveEnrichment });
        }
        flush();
      } finally {
        db.unsafeMode(false);
      }
      db.exec('DROP TABLE temp.enrichment_parts');

      db.exec(INDEX_SQL);
      db.exec(`INSERT INTO counts (ecosystem, distro, feed, advisories, packages)
        SELECT f.ecosystem, f.distro, a.feed, COUNT(DISTINCT f.adv), COUNT(DISTINCT f.name)
        FROM affected f JOIN advisories a ON a.seq = f.adv GROUP BY f.ecosystem, f.distro, a.feed`);
      const count = (sql: string) => db.prepare(sql).pluck().get() as number;
      // Totals are counted once here: `status()` runs at every scan and must not scan big tables.
      totals = {
        advisories: count('SELECT COUNT(*) FROM advisories'),
        withdrawn: count('SELECT COUNT(*) FROM advisories WHERE withdrawn IS NOT NULL'),
        affected: count('SELECT COUNT(*) FROM affected'),
        enrichments: count('SELECT COUNT(*) FROM enrichment'),
        aliases: count('SELECT COUNT(*) FROM aliases'),
        groups: count('SELECT COUNT(DISTINCT grp) FROM alias_groups'),
      };
      const insMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      for (const [k, v] of Object.entries({ ...meta, schema_version: String(SCHEMA_VERSION), totals: JSON.stringify(totals) })) insMeta.run(k, v);
    })();
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.exec('ANALYZE');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check of the new database failed: ${String(check)}`);
    const result = { advisories: totals!.advisories, affected: totals!.affected, enrichments: totals!.enrichments, groups: totals!.groups };
    // Readers open the file read-only: leave it in rollback-journal mode with no journal.
    db.pragma('journal_mode = DELETE');
    this.close();
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
