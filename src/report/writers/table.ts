import { SEVERITIES, type Finding, type ScanReport, type ScanTarget, type Severity } from '../../core/index.js';
import { sortFindings } from '../order.js';
import { oneLine, truncate } from '../plain-text.js';
import type { ReportWriter, WriteOptions } from '../writer.js';

/*
 * The terminal format, laid out like Trivy's (aquasecurity/trivy: pkg/report/table/vulnerability.go): per target a
 * header, "Total: N (UNKNOWN: a, LOW: b, MEDIUM: c, HIGH: d, CRITICAL: e)" and one row per finding, most severe
 * first. Suppressed findings are counted under the table, not listed. An incomplete scan says so before anything
 * else, and never prints "No vulnerabilities found".
 */

const TITLE_WIDTH = 60;
const HEADERS = ['Library', 'Vulnerability', 'Severity', 'Status', 'Installed Version', 'Fixed Version', 'Title'];

const ESC = '\x1b[';
const RESET = `${ESC}0m`;
const SEVERITY_COLOR: Record<Severity, string> = {
  CRITICAL: `${ESC}1;31m`,
  HIGH: `${ESC}31m`,
  MEDIUM: `${ESC}33m`,
  LOW: `${ESC}36m`,
  NEGLIGIBLE: `${ESC}90m`,
  UNKNOWN: `${ESC}90m`,
};
const BOLD = `${ESC}1m`;
const WARN = `${ESC}1;33m`;
const ALERT = `${ESC}1;31m`;

/** Trivy's order in the Total line (least severe first); NEGLIGIBLE only appears when there are some. */
const TOTAL_ORDER: readonly Severity[] = ['UNKNOWN', 'NEGLIGIBLE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

export const table: ReportWriter = {
  id: 'table',
  description: 'Human-readable tables per target, most severe first (colour on a terminal)',
  write(report: ScanReport, opts: WriteOptions): string {
    const paint = (code: string, text: string): string => (opts.color ? `${code}${text}${RESET}` : text);
    const out: string[] = [];

    if (!report.complete) {
      out.push(
        paint(
          ALERT,
          'WARNING: INCOMPLETE SCAN: parts of the scanned artifact could not be read or matched, so vulnerabilities may be missing.',
        ),
      );
    }
    if (report.db.stale) {
      out.push(paint(WARN, `WARNING: the vulnerability database is ${Math.round(report.db.ageHours)} hours old (built ${report.db.builtAt}).`));
    }
    if (report.warnings.length > 0) {
      out.push('Warnings:');
      for (const w of report.warnings) out.push(`  - ${oneLine(w)}`);
    }
    if (out.length > 0) out.push('');

    if (report.targets.length === 0) {
      out.push(report.complete ? 'No vulnerabilities found (no packages to match).' : 'No findings in what could be read.');
      return `${out.join('\n')}\n`;
    }

    for (const target of report.targets) {
      out.push(...renderTarget(target, report.complete, opts, paint), '');
    }
    return `${out.join('\n').replace(/\n+$/, '')}\n`;
  },
};

function renderTarget(
  target: ScanTarget,
  complete: boolean,
  opts: WriteOptions,
  paint: (code: string, text: string) => string,
): string[] {
  const lines: string[] = [];
  const title = targetTitle(target);
  lines.push(paint(BOLD, title), '='.repeat([...title].length));

  const shown = sortFindings(target.findings.filter((f) => f.suppressed === undefined));
  const suppressed = target.findings.filter((f) => f.suppressed !== undefined);
  const counts = new Map<Severity, number>(SEVERITIES.map((s) => [s, 0]));
  for (const f of shown) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const parts = TOTAL_ORDER.filter((s) => s !== 'NEGLIGIBLE' || (counts.get(s) ?? 0) > 0).map((s) => {
    const text = `${s}: ${counts.get(s) ?? 0}`;
    return (counts.get(s) ?? 0) > 0 ? paint(SEVERITY_COLOR[s], text) : text;
  });
  lines.push(`Total: ${shown.length} (${parts.join(', ')})`, '');

  if (shown.length === 0) {
    lines.push(
      complete
        ? 'No vulnerabilities found.'
        : 'No findings in what could be read; the scan is incomplete (see the warning above).',
    );
  } else {
    const rows = shown.map((f) => row(f, target, paint));
    lines.push(...box(HEADERS, rows));
  }
  if (suppressed.length > 0) {
    const byIgnore = suppressed.filter((f) => f.suppressed?.by === 'ignorefile').length;
    const byVex = suppressed.length - byIgnore;
    const how = [byIgnore > 0 ? `ignore file: ${byIgnore}` : '', byVex > 0 ? `VEX: ${byVex}` : ''].filter(Boolean).join(', ');
    lines.push(`Suppressed: ${suppressed.length} (${how}); use --format json to list them.`);
  }
  return lines;
}

/** Trivy appends the type to language targets ("Node.js (npm)"); OS targets already name their package manager. */
function targetTitle(target: ScanTarget): string {
  const name = oneLine(target.name);
  if (target.class === 'lang-pkgs' && target.type !== '' && !name.endsWith(`(${target.type})`)) return `${name} (${target.type})`;
  return name;
}

function row(f: Finding, target: ScanTarget, paint: (code: string, text: string) => string): string[] {
  let library = f.package.name;
  // Language packages: which file, as Trivy shows it (the full path is in the JSON).
  const first = f.package.paths[0];
  if (target.class === 'lang-pkgs' && first !== undefined) library += ` (${first.split('/').pop() ?? first})`;
  const title = oneLine(f.title ?? f.description ?? '');
  return [
    oneLine(library),
    oneLine(f.id),
    paint(SEVERITY_COLOR[f.severity], f.severity),
    f.status,
    oneLine(f.package.version),
    oneLine(f.fixedVersions.join(', ')),
    truncate(title, TITLE_WIDTH),
  ];
}

const ANSI = /\x1b\[[0-9;]*m/g;

function width(cell: string): number {
  return [...cell.replace(ANSI, '')].length;
}

/** A box-drawn table (the characters Trivy's table library draws with). */
function box(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const rule = (l: string, m: string, r: string): string => `${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}`;
  const line = (cells: string[]): string =>
    `│${cells.map((c, i) => ` ${c}${' '.repeat((widths[i] ?? 0) - width(c))} `).join('│')}│`;
  const out = [rule('┌', '┬', '┐'), line(headers), rule('├', '┼', '┤')];
  for (const r of rows) out.push(line(r));
  out.push(rule('└', '┴', '┘'));
  return out;
}
