/**
 * The SQLite schema of the vulnerability database (one file, built whole by `db update`, then only read).
 *
 * Bump SCHEMA_VERSION whenever a table, a column or the meaning of a JSON document changes: a database of another
 * version is refused (VulnDbError DB_SCHEMA) and rebuilt by the next `tollgate db update`, never migrated.
 * The version is kept twice: in `PRAGMA user_version` (read without touching a table) and in `meta`.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per (feed, advisory id). Feeds key advisories by their own ids and several use CVE ids (a Debian and an
-- Alpine statement about CVE-2024-1234 are two advisories with one id), so an id may have one row per feed; the
-- alias groups make them one problem. Within a feed a repeated id keeps the newest 'modified'.
-- brief: JSON AdvisoryBrief without 'group' (what a finding shows); extra: JSON {details, references}. The whole
-- Advisory is brief + extra + its affected rows (in rowid order), so nothing is stored twice.
CREATE TABLE advisories (
  seq       INTEGER PRIMARY KEY,
  id        TEXT NOT NULL,
  feed      TEXT NOT NULL,
  source    TEXT NOT NULL,
  withdrawn TEXT,
  severity  TEXT,
  published TEXT,
  modified  TEXT,
  grp       TEXT,
  brief     TEXT NOT NULL,
  extra     TEXT NOT NULL,
  UNIQUE (feed, id)
);

-- What each advisory says about each package; 'distro' is '' for language ecosystems.
-- name is the lookup key (package-name.ts); data is the AffectedPackage JSON.
CREATE TABLE affected (
  ecosystem TEXT NOT NULL,
  distro    TEXT NOT NULL,
  name      TEXT NOT NULL,
  adv       INTEGER NOT NULL,
  data      TEXT NOT NULL
);

-- Advisory id <-> alias, as each advisory row states it (queried both ways); ord keeps the advisory's order.
CREATE TABLE aliases (
  adv         INTEGER NOT NULL,
  advisory_id TEXT NOT NULL,
  alias       TEXT NOT NULL,
  ord         INTEGER NOT NULL,
  PRIMARY KEY (adv, alias)
) WITHOUT ROWID;

-- Every id (advisory or alias) -> the group of ids that describe one problem (see build-groups.ts).
CREATE TABLE alias_groups (
  id  TEXT PRIMARY KEY,
  grp TEXT NOT NULL
) WITHOUT ROWID;

-- Per-CVE enrichment merged from the nvd, cve5, kev and epss feeds (JSON CveEnrichment).
CREATE TABLE enrichment (
  cve  TEXT PRIMARY KEY,
  data TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE feeds (
  id          TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  origin      TEXT NOT NULL,
  fetched_at  TEXT,
  built_at    TEXT NOT NULL,
  records     INTEGER NOT NULL,
  advisories  INTEGER NOT NULL,
  enrichments INTEGER NOT NULL,
  duplicates  INTEGER NOT NULL,
  warnings    TEXT NOT NULL
) WITHOUT ROWID;

-- Advisory and package counts per (ecosystem, distro, feed), computed once at build time for 'db status'.
CREATE TABLE counts (
  ecosystem  TEXT NOT NULL,
  distro     TEXT NOT NULL,
  feed       TEXT NOT NULL,
  advisories INTEGER NOT NULL,
  packages   INTEGER NOT NULL,
  PRIMARY KEY (ecosystem, distro, feed)
) WITHOUT ROWID;
`;

/** Indexes created after the bulk load (building them once is faster than maintaining them per insert). */
export const INDEX_SQL = `
CREATE INDEX affected_key ON affected (ecosystem, distro, name);
CREATE INDEX affected_adv ON affected (adv);
CREATE INDEX advisories_id ON advisories (id);
CREATE INDEX aliases_id ON aliases (advisory_id);
CREATE INDEX aliases_alias ON aliases (alias);
CREATE INDEX alias_groups_grp ON alias_groups (grp);
`;
