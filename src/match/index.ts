/** Matching packages against the vulnerability database (DESIGN.md §2): one Finding per package and problem. */
export { matchPackages, searchKey, compareFindings, type MatchInput, type MatchResult } from './matcher.js';
export type { AdvisoryLookup, AdvisorySummary, Statement } from './source.js';
export { isAffected } from './ranges.js';
