/**
 * Report output of `tollgate scan` (DESIGN.md §1: Finding[] → report writer): the format writers, the result
 * filters, ignore files and VEX. Everything here is pure: reports in, reports or text out; callers read the
 * ignore/VEX files and write the text.
 */
export type { ReportWriter, WriteOptions } from './writer.js';
export { writers, REPORT_FORMATS, reportWriter, writeReport } from './registry.js';
export { toSarif, type SarifLog } from './writers/sarif.js';
export { toCycloneDxVulnerabilities, type CdxVulnerabilityBom, type CdxVulnerability } from './writers/cyclonedx.js';
export {
  filterReport,
  passesFilter,
  hasFix,
  validateFilter,
  parseSeverityList,
  parseMinEpss,
  type ReportFilter,
} from './filter.js';
export { summarize } from './summary.js';
export { sortFindings, compareFindings, severityRank } from './order.js';
export {
  parseIgnoreFile,
  parseTrivyIgnore,
  parseTrivyIgnoreYaml,
  applyIgnoreRules,
  isExpired,
  type IgnoreRule,
} from './ignore.js';
export { parseVex, applyVex, type VexDocument, type VexStatement, type VexProduct, type VexStatus } from './vex.js';
