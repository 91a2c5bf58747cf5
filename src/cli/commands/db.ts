import { UsageError } from '../../core/index.js';
import { VulnStore, defaultDbPath, updateDb, type DbStatus } from '../../vulndb/index.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import { createOutput } from '../output.js';

interface CommonOptions {
  db?: string;
  quiet?: boolean;
  debug?: boolean;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "3 minutes", "2 days": how old the database is, for humans. */
export function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${s} second${s === 1 ? '' : 's'}`;
}

export async function runDbUpdate(opts: CommonOptions & { from?: string; feeds?: string }): Promise<number> {
  const out = createOutput(opts);
  try {
    const feeds = opts.feeds
      ?.split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    if (opts.feeds !== undefined && !feeds?.length) throw new UsageError('INVALID_ARGUMENT', '--feeds needs a comma-separated list of feed ids');
    const summary = await updateDb({
      db: opts.db ?? defaultDbPath(),
      ...(opts.from ? { from: opts.from } : {}),
      ...(feeds ? { feeds } : {}),
      events: out.events,
      onProgress: (p) => {
        if (opts.quiet) return;
        if (p.phase === 'download') out.info(`${p.feed}: downloaded ${p.files} file${p.files === 1 ? '' : 's'} (${mb(p.bytes)})`);
        if (p.phase === 'feed-done') {
          const s = p.summary;
          const parts = [`${s.advisories} advisories`, `${s.enrichments} CVE enrichments`];
          if (s.duplicates) parts.push(`${s.duplicates} duplicates skipped`);
          if (s.warnings.length) parts.push(`${s.warnings.length} warning${s.warnings.length === 1 ? '' : 's'}`);
          out.info(`${s.id}: ${parts.join(', ')} (${seconds(p.ms)})`);
        }
      },
    });
    if (!opts.quiet) {
      if (summary.missing.length) out.info(`not in the mirror (skipped): ${summary.missing.join(', ')}`);
      out.info(
        `built ${summary.db}: ${summary.advisories} advisories, ${summary.affected} package statements, ` +
          `${summary.enrichments} CVE enrichments, ${mb(summary.sizeBytes)} in ${seconds(summary.durationMs)}`,
      );
    }
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}

export async function runDbStatus(opts: CommonOptions & { format?: string }): Promise<number> {
  const out = createOutput(opts);
  try {
    const format = opts.format ?? 'table';
    if (format !== 'table' && format !== 'json') throw new UsageError('INVALID_ARGUMENT', `--format must be table or json, not ${format}`);
    const store = VulnStore.open(opts.db ?? defaultDbPath());
    let status: DbStatus;
    try {
      status = store.status();
    } finally {
      store.close();
    }
    await out.result(format === 'json' ? `${JSON.stringify({ ...status, age: formatAge(status.ageMs) }, null, 2)}\n` : statusTable(status));
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

export function statusTable(s: DbStatus): string {
  const lines = [
    `Database  ${s.path} (${mb(s.sizeBytes)}, schema ${s.schemaVersion})`,
    `Built     ${s.builtAt} (${formatAge(s.ageMs)} ago) by tollgate ${s.toolVersion}`,
    `Source    ${s.source}`,
    `Totals    ${s.totals.advisories} advisories (${s.totals.withdrawn} withdrawn), ${s.totals.affected} package statements, ` +
      `${s.totals.enrichments} CVE enrichments, ${s.totals.groups} alias groups`,
    '',
  ];
  const feeds = table(
    ['FEED', 'RECORDS', 'ADVISORIES', 'ENRICHMENTS', 'DUPLICATES', 'WARNINGS', 'ORIGIN'],
    s.feeds.map((f) => [f.id, f.records, f.advisories, f.enrichments, f.duplicates, f.warnings.length, f.origin]),
  );
  const counts = table(
    ['ECOSYSTEM', 'DISTRO', 'FEED', 'ADVISORIES', 'PACKAGES'],
    s.counts.map((c) => [c.ecosystem, c.distro ?? '-', c.feed, c.advisories, c.packages]),
  );
  const warnings = s.feeds.flatMap((f) => f.warnings.map((w) => `  ${w}`));
  return `${lines.join('\n')}\n${feeds}\n${counts}${warnings.length ? `\nWarnings at build time:\n${warnings.join('\n')}\n` : ''}`;
}
