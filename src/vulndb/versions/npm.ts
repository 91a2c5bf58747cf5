/**
 * npm package versions: node-semver itself (the `semver` package npm uses), with loose parsing as npm reads
 * package.json and lockfiles (`v1.2.3`, `=1.2.3`, surrounding spaces, `1.2.3beta` are accepted). Precedence is
 * node-semver's `compare`: SemVer 2.0, build metadata ignored.
 *
 * Fallback: versions node-semver cannot parse sort before every valid one, and among themselves by code units.
 */
import semver from 'semver';
import type { Comparator, Ordering } from './comparator.js';
import { compareParsed } from './comparator.js';

const LOOSE = { loose: true } as const;

function parse(v: string): semver.SemVer | undefined {
  return semver.parse(v, LOOSE) ?? undefined;
}

export const npm: Comparator = {
  ecosystem: 'npm',
  valid(v: string): boolean {
    return parse(v) !== undefined;
  },
  compare(a: string, b: string): Ordering {
    return compareParsed(a, b, parse, (x, y) => x.compare(y));
  },
};
