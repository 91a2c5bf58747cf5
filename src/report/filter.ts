import { SEVERITIES, UsageError, type Finding, type ScanReport, type Severity } from '../core/index.js';
import { withSummary } from './summary.js';

/**
 * The result filters of `tollgate scan` (Trivy's names). A finding stays when it passes every one given; suppressed
 * findings go through the same filters and, when they pass, stay in the report marked (they never count in
 * `summary.total` or towards a gate).
 */
export interface ReportFilter {
  /** --severity: keep these severities only. */
  severities?: readonly Severity[];
  /** --ignore-unfixed: drop findings without a fix (status unfixed / will-not-fix / end-of-life, or no fixed version). */
  ignoreUnfixed?: boolean;
  /** --only-kev: keep findings in CISA's Known Exploited Vulnerabilities catalog. */
  onlyKev?: boolean;
  /** --min-epss: keep findings whose EPSS probability (0–1) is at least this; findings without a score are dropped. */
  minEpss?: number;
}

/** Whether a finding passes the filters (validated: call {@link validateFilter} first, or use {@link filterReport}). */
export function passesFilter(f: Finding, filter: ReportFilter): boolean {
  if (filter.severities !== undefined && !filter.severities.includes(f.severity)) return false;
  if (filter.ignoreUnfixed === true && !hasFix(f)) return false;
  if (filter.onlyKev === true && f.kev === undefined) return false;
  if (filter.minEpss !== undefined && (f.epss === undefined || !(f.epss.score >= filter.minEpss))) return false;
  return true;
}

/** A fix exists: the vendor says fixed and names the version (Trivy's --ignore-unfixed keeps findings with a FixedVersion). */
export function hasFix(f: Finding): boolean {
  return f.status === 'fixed' && f.fixedVersions.length > 0;
}

export function validateFilter(filter: ReportFilter): void {
  for (const s of filter.severities ?? []) {
    if (!SEVERITIES.includes(s)) {
      throw new UsageError('INVALID_ARGUMENT', `unknown severity ${JSON.stringify(s)}; expected: ${SEVERITIES.join(', ')}`);
    }
  }
  if (filter.minEpss !== undefined && !(Number.isFinite(filter.minEpss) && filter.minEpss >= 0 && filter.minEpss <= 1)) {
    throw new UsageError('INVALID_ARGUMENT', `--min-epss must be a probability between 0 and 1, got ${String(filter.minEpss)}`);
  }
}

/** The report with only the findings that pass, and `summary` recounted. Pure: the input is not changed. */
export function filterReport(report: ScanReport, filter: ReportFilter): ScanReport {
  validateFilter(filter);
  const targets = report.targets.map((t) => ({ ...t, findings: t.findings.filter((f) => passesFilter(f, filter)) }));
  return withSummary(report, targets);
}

/** `--severity CRITICAL,high` → ['CRITICAL', 'HIGH'] (case-insensitive, Trivy's comma list; duplicates dropped). */
export function parseSeverityList(list: string): Severity[] {
  const out: Severity[] = [];
  for (const raw of list.split(',')) {
    const s = raw.trim().toUpperCase();
    if (s === '') continue;
    if (!(SEVERITIES as readonly string[]).includes(s)) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `--severity: unknown severity ${JSON.stringify(raw.trim())}; expected a comma-separated list of ${SEVERITIES.join(', ')}`,
      );
    }
    if (!out.includes(s as Severity)) out.push(s as Severity);
  }
  if (out.length === 0) throw new UsageError('INVALID_ARGUMENT', '--severity: empty severity list');
  return out;
}

/** `--min-epss 0.1` → 0.1; also accepts a percentage ("10%"). */
export function parseMinEpss(value: string): number {
  const t = value.trim();
  const pct = t.endsWith('%');
  const n = Number(pct ? t.slice(0, -1) : t);
  const p = pct ? n / 100 : n;
  if (t === '' || t === '%' || !Number.isFinite(p) || p < 0 || p > 1) {
    throw new UsageError('INVALID_ARGUMENT', `--min-epss: expected a probability between 0 and 1 (or a percentage), got ${JSON.stringify(value)}`);
  }
  return p;
}
