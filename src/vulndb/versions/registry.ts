/**
 * The explicit list of version comparators (DESIGN.md §3.2: one file and one line per scheme, no side-effect
 * registration), keyed by ecosystem = purl type = file name.
 */
import type { Ecosystem } from '../../core/index.js';
import { UsageError } from '../../core/index.js';
import { apk } from './apk.js';
import { cargo } from './cargo.js';
import type { Comparator, Ordering } from './comparator.js';
import { composer } from './composer.js';
import { deb } from './deb.js';
import { gem } from './gem.js';
import { golang } from './golang.js';
import { maven } from './maven.js';
import { npm } from './npm.js';
import { nuget } from './nuget.js';
import { pypi } from './pypi.js';
import { rpm } from './rpm.js';

export const comparators: readonly Comparator[] = [deb, rpm, apk, npm, pypi, maven, gem, golang, cargo, nuget, composer];

const byEcosystem = new Map<string, Comparator>(comparators.map((c) => [c.ecosystem, c]));

/** The comparator of an ecosystem (a purl type); UsageError('INVALID_ARGUMENT') for an unknown one. */
export function comparatorFor(ecosystem: Ecosystem | string): Comparator {
  const c = typeof ecosystem === 'string' ? byEcosystem.get(ecosystem) : undefined;
  if (!c) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `unknown version scheme ${JSON.stringify(ecosystem)}: expected one of ${comparators.map((x) => x.ecosystem).join(', ')}`,
    );
  }
  return c;
}

/**
 * Compares two versions of an ecosystem as its own tooling does: -1 if a < b, 0 if they are equal, 1 if a > b.
 * Never throws for odd version strings (see comparator.ts for how each scheme orders invalid ones); throws
 * UsageError('INVALID_ARGUMENT') for an unknown ecosystem or a non-string version.
 */
export function compareVersions(ecosystem: Ecosystem | string, a: string, b: string): Ordering {
  const c = comparatorFor(ecosystem);
  for (const [name, v] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (typeof v !== 'string') throw new UsageError('INVALID_ARGUMENT', `compareVersions: version ${name} must be a string, got ${typeof v}`);
  }
  return c.compare(a, b);
}
