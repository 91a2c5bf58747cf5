/** Version comparison, one comparator per version scheme (DESIGN.md §3.6). */
export type { Comparator, Ordering, VersionOrder } from './comparator.js';
export { comparators, comparatorFor, compareVersions } from './registry.js';
export { semverPrecedence } from './cargo.js';
export { normalizePypiVersion } from './pypi.js';
export { normalizeComposerVersion } from './composer.js';
export { canonicalMavenVersion } from './maven.js';
