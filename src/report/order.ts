import { SEVERITIES, type Finding, type Severity } from '../core/index.js';

/** 0 for CRITICAL … 5 for UNKNOWN (SEVERITIES is ordered most severe first). */
export function severityRank(s: Severity): number {
  const i = SEVERITIES.indexOf(s);
  return i < 0 ? SEVERITIES.length : i;
}

/**
 * The order every writer lists findings in: most severe first, then package name, then vulnerability id, then
 * installed version and purl so that the order never depends on how the matcher returned them.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    cmp(a.package.name, b.package.name) ||
    cmp(a.id, b.id) ||
    cmp(a.package.version, b.package.version) ||
    cmp(a.package.purl, b.package.purl)
  );
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** Code-unit order, not locale order: the same bytes on every machine. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
