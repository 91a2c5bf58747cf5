import type { ScanReport } from '../core/index.js';

/** What every writer is told about where its text goes. */
export interface WriteOptions {
  /**
   * ANSI colour allowed. The CLI decides (stdout is a terminal and NO_COLOR is unset, https://no-color.org);
   * writers of machine formats ignore it.
   */
  color: boolean;
  /**
   * The time to treat as "now" for relative times. The current writers take every time from the report
   * (`createdAt`, `db.ageHours`) so that the same report always gives the same bytes; it is here for writers that
   * need a clock and for tests.
   */
  now?: Date;
}

/**
 * One output format of `tollgate scan` (DESIGN.md §3.2: one file per writer under writers/, one line in
 * registry.ts, id == file name). Writers are pure: report in, text out (ending in a newline); the caller writes it.
 */
export interface ReportWriter {
  /** The `--format` value, and the file name under writers/. */
  id: string;
  description: string;
  write(report: ScanReport, opts: WriteOptions): string;
}
