import type { Analyzer } from './analyzer.js';
import { analyzers as registry } from './registry.js';

const EVIDENCE: Record<string, string> = { installed: 'installed', declared: 'declared (lockfile/manifest)', os: 'OS identification' };

/** The README's coverage table, generated from the analyzer registry so that it cannot drift from the code. */
export function coverageTable(list: readonly Analyzer[] = registry): string {
  const rows = ['| ecosystem | what | files | evidence | analyzer |', '|---|---|---|---|---|'];
  for (const a of list) {
    for (const c of a.coverage) {
      const files = c.files.map((f) => `\`${f}\``).join(', ');
      rows.push(`| ${c.ecosystem} | ${c.what} | ${files} | ${EVIDENCE[c.evidence] ?? c.evidence} | ${a.id}@${a.version} |`);
    }
  }
  return `${rows.join('\n')}\n`;
}
