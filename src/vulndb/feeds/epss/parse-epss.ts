import type { CveEnrichment } from '../../../core/index.js';

/**
 * The daily EPSS CSV (https://www.first.org/epss/data_stats): an optional comment line
 * `#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000`, a header `cve,epss,percentile`, then one row
 * per CVE with the probability of exploitation in the next 30 days and its percentile, both in [0, 1].
 */

export class EpssLineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function* parseEpss(text: string): Generator<CveEnrichment> {
  let date: string | undefined;
  let columns: { cve: number; epss: number; percentile: number } | undefined;
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    lineNo++;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /score_date:(\d{4}-\d{2}-\d{2})/.exec(line);
      if (m) date = m[1];
      continue;
    }
    const cells = line.split(',');
    if (!columns) {
      const names = cells.map((c) => c.trim().toLowerCase());
      const at = (n: string) => names.indexOf(n);
      if (at('cve') < 0 || at('epss') < 0 || at('percentile') < 0) throw new EpssLineError(lineNo, `expected a header with cve,epss,percentile, got ${JSON.stringify(line.slice(0, 80))}`);
      columns = { cve: at('cve'), epss: at('epss'), percentile: at('percentile') };
      continue;
    }
    const cve = cells[columns.cve]?.trim() ?? '';
    if (!/^CVE-\d{4}-\d+$/.test(cve)) throw new EpssLineError(lineNo, `expected a CVE id, got ${JSON.stringify(cve)}`);
    const score = Number(cells[columns.epss]);
    const percentile = Number(cells[columns.percentile]);
    if (!(cells[columns.epss]?.trim() && score >= 0 && score <= 1)) throw new EpssLineError(lineNo, `${cve}: epss must be a number in [0, 1], got ${JSON.stringify(cells[columns.epss])}`);
    if (!(cells[columns.percentile]?.trim() && percentile >= 0 && percentile <= 1)) {
      throw new EpssLineError(lineNo, `${cve}: percentile must be a number in [0, 1], got ${JSON.stringify(cells[columns.percentile])}`);
    }
    yield { cve, epss: { score, percentile, ...(date ? { date } : {}) } };
  }
  if (!columns) throw new EpssLineError(lineNo, 'no header line (cve,epss,percentile)');
}
