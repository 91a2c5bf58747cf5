import { SEVERITIES, type ScanReport, type ScanTarget, type Severity } from '../core/index.js';

/** ScanReport.summary recomputed from the targets: unsuppressed findings per severity, and the suppressed count. */
export function summarize(targets: readonly ScanTarget[]): ScanReport['summary'] {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let total = 0;
  let suppressed = 0;
  for (const t of targets) {
    for (const f of t.findings) {
      if (f.suppressed !== undefined) {
        suppressed++;
        continue;
      }
      counts[f.severity] = (counts[f.severity] ?? 0) + 1;
      total++;
    }
  }
  return { ...counts, total, suppressed };
}

/** The same report with `summary` recomputed (filters, ignore files and VEX all change it). */
export function withSummary(report: ScanReport, targets: ScanTarget[]): ScanReport {
  return { ...report, targets, summary: summarize(targets) };
}
