/**
 * The vulnerability database (DESIGN.md §2): feeds in their upstream formats → one SQLite file (`db update`),
 * read by the matcher through VulnStore; version comparison per ecosystem.
 */
export { VulnStore, type AdvisoryBrief, type LookupHit, type DbStatus, type FeedStatus, type EcosystemCount } from './store/vuln-store.js';
export { SCHEMA_VERSION } from './store/schema.js';
export type { FeedSummary, DbTotals } from './store/store-builder.js';
export { updateDb, defaultDbPath, type UpdateOptions, type UpdateProgress, type UpdateSummary } from './update/update-db.js';
export { feeds } from './feeds/registry.js';
export type { Feed, FeedContext, FeedRecord, DownloadContext } from './feeds/feed.js';
export { cvssBaseScore, cvssSeverity, parseCvss, type ParsedCvss } from './cvss.js';
export { packageKey, pep503 } from './package-name.js';
export { osvAuthorityOf } from './osv-authority.js';
export * from './versions/index.js';
