import { UsageError, type ScanReport } from '../core/index.js';
import type { ReportWriter, WriteOptions } from './writer.js';
import { cyclonedx } from './writers/cyclonedx.js';
import { json } from './writers/json.js';
import { junit } from './writers/junit.js';
import { markdown } from './writers/markdown.js';
import { sarif } from './writers/sarif.js';
import { table } from './writers/table.js';

/** Every report format, one line each (DESIGN.md §3.2; registry.test.ts checks it against writers/). */
export const writers: readonly ReportWriter[] = [table, json, sarif, cyclonedx, junit, markdown];

export const REPORT_FORMATS: readonly string[] = writers.map((w) => w.id);

/** The writer for a `--format` value; UsageError INVALID_ARGUMENT naming the known ones otherwise. */
export function reportWriter(format: string): ReportWriter {
  const w = writers.find((x) => x.id === format);
  if (w === undefined) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `unknown report format ${JSON.stringify(format)}; expected one of: ${REPORT_FORMATS.join(', ')}`,
    );
  }
  return w;
}

/** The report as text in the given format. */
export function writeReport(report: ScanReport, format: string, opts: WriteOptions = { color: false }): string {
  return reportWriter(format).write(report, opts);
}
