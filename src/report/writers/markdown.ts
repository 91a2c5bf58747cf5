import { SEVERITIES, type Finding, type ScanReport, type ScanTarget } from '../../core/index.js';
import { vulnerabilityUrl } from '../links.js';
import { sortFindings } from '../order.js';
import { oneLine, truncate } from '../plain-text.js';
import type { ReportWriter } from '../writer.js';

/*
 * GitHub-flavoured markdown (https://github.github.com/gfm/#tables-extension-) for pull-request comments and
 * $GITHUB_STEP_SUMMARY: a summary table by severity, then a findings table per target. Cells are one line with
 * pipes escaped; `<` is escaped so feed text cannot inject HTML; suppressed findings go in a collapsed block.
 */

const TITLE_WIDTH = 80;

/**
 * A table cell: one line; `|` escaped (GFM tables); the characters that start emphasis, strikethrough (GitHub
 * strikes through single tildes, and Debian versions are full of them: 1.0~rc1-1~deb12u1), code and links
 * backslash-escaped; `<`/`>` as entities because GitHub renders inline HTML.
 */
export function mdCell(s: string): string {
  return oneLine(s)
    .replace(/[\\`*_~[\]|]/g, (c) => `\\${c}`)
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function vulnLink(id: string): string {
  return `[${mdCell(id)}](${vulnerabilityUrl(id)})`;
}

function findingRow(f: Finding): string {
  const title = truncate(oneLine(f.title ?? f.description ?? ''), TITLE_WIDTH);
  const cells = [
    mdCell(f.package.name),
    vulnLink(f.id),
    f.severity,
    f.status,
    mdCell(f.package.version),
    mdCell(f.fixedVersions.join(', ')),
    mdCell(title),
  ];
  return `| ${cells.join(' | ')} |`;
}

function targetSection(t: ScanTarget, complete: boolean): string[] {
  const shown = sortFindings(t.findings.filter((f) => f.suppressed === undefined));
  const suppressed = sortFindings(t.findings.filter((f) => f.suppressed !== undefined));
  const out = [`### ${mdCell(t.name)}`, ''];
  if (shown.length === 0) {
    out.push(complete ? 'No vulnerabilities found.' : 'No findings in what could be read (the scan is incomplete).', '');
  } else {
    out.push(
      '| Package | Vulnerability | Severity | Status | Installed | Fixed | Title |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...shown.map(findingRow),
      '',
    );
  }
  if (suppressed.length > 0) {
    out.push(
      `<details><summary>${suppressed.length} suppressed</summary>`,
      '',
      '| Package | Vulnerability | Severity | Suppressed by | Reason |',
      '| --- | --- | --- | --- | --- |',
      ...suppressed.map((f) => {
        const s = f.suppressed;
        const reason = [s?.reason, s?.statement].filter((x): x is string => x !== undefined && x !== '').join(': ');
        return `| ${mdCell(f.package.name)} | ${vulnLink(f.id)} | ${f.severity} | ${s?.by === 'vex' ? 'VEX' : 'ignore file'} | ${mdCell(reason)} |`;
      }),
      '',
      '</details>',
      '',
    );
  }
  return out;
}

export const markdown: ReportWriter = {
  id: 'markdown',
  description: 'GitHub-flavoured markdown for pull-request comments and job summaries',
  write(report: ScanReport): string {
    const out = [`## Tollgate scan: ${mdCell(report.artifact.input)}`, ''];
    if (!report.complete) {
      out.push(
        '> [!CAUTION]',
        '> **Incomplete scan**: parts of the artifact could not be read or matched, so vulnerabilities may be missing.',
        '',
      );
    }
    if (report.db.stale) {
      out.push(`> [!WARNING]\n> The vulnerability database is ${Math.round(report.db.ageHours)} hours old (built ${mdCell(report.db.builtAt)}).`, '');
    }
    if (report.warnings.length > 0) {
      out.push('**Warnings**', '', ...report.warnings.map((w) => `- ${mdCell(w)}`), '');
    }

    out.push('| Severity | Count |', '| --- | ---: |');
    for (const s of SEVERITIES) {
      if (s === 'NEGLIGIBLE' && report.summary[s] === 0) continue;
      out.push(`| ${s} | ${report.summary[s]} |`);
    }
    out.push(`| **Total** | **${report.summary.total}** |`);
    if (report.summary.suppressed > 0) out.push(`| Suppressed | ${report.summary.suppressed} |`);
    out.push('');

    if (report.targets.length === 0) {
      out.push(report.complete ? 'No vulnerabilities found (no packages to match).' : 'No findings in what could be read.', '');
    }
    for (const t of report.targets) out.push(...targetSection(t, report.complete));
    return `${out.join('\n').replace(/\n+$/, '')}\n`;
  },
};
