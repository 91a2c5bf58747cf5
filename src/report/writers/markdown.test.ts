import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { incompleteReport, sampleReport } from '../sample-reports.test.js';
import { markdown } from './markdown.js';

/** GFM table cells of a row: split on pipes that are not backslash-escaped. */
function cells(row: string): string[] {
  const parts = row.split(/(?<!\\)\|/);
  assert.equal(parts[0]?.trim(), '', row);
  assert.equal(parts[parts.length - 1]?.trim(), '', row);
  return parts.slice(1, -1).map((c) => c.trim());
}

/** Consecutive lines starting with "|" after the given line. */
function tableAfter(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === heading);
  assert.ok(start >= 0, heading);
  const first = lines.findIndex((l, i) => i > start && l.startsWith('|'));
  const out: string[] = [];
  for (let i = first; i < lines.length && (lines[i] ?? '').startsWith('|'); i++) out.push(lines[i] as string);
  return out;
}

describe('markdown writer', () => {
  const out = markdown.write(sampleReport(), { color: false });

  test('summary table per severity with total and suppressed', () => {
    const rows = tableAfter(out, '## Tollgate scan: docker.io/library/app:1.0').map(cells);
    assert.deepEqual(rows, [
      ['Severity', 'Count'],
      ['---', '---:'],
      ['CRITICAL', '2'],
      ['HIGH', '3'],
      ['MEDIUM', '1'],
      ['LOW', '1'],
      ['NEGLIGIBLE', '1'],
      ['UNKNOWN', '0'],
      ['**Total**', '**8**'],
      ['Suppressed', '1'],
    ]);
  });

  test('a findings table per target, every row as wide as its header, most severe first', () => {
    const rows = tableAfter(out, '### debian 12.5 (dpkg)');
    const width = cells(rows[0] as string).length;
    assert.equal(width, 7);
    for (const r of rows) assert.equal(cells(r).length, width, r);
    const body = rows.slice(2).map(cells);
    assert.deepEqual(
      body.map((c) => [c[0], c[2]]),
      [
        ['zlib1g', 'CRITICAL'],
        ['libc6', 'HIGH'],
        ['perl-base', 'HIGH'],
        ['libssl3', 'MEDIUM'],
        ['coreutils', 'LOW'],
        ['libsystemd0', 'NEGLIGIBLE'],
      ],
    );
    const libssl = body.find((c) => c[0] === 'libssl3') as string[];
    // Tildes escaped: GitHub would strike through "~deb12u2 … 3.0.13-1~" otherwise.
    assert.equal(libssl[4], '3.0.11-1\\~deb12u2');
    assert.equal(libssl[5], '3.0.13-1\\~deb12u1');
    assert.equal(libssl[1], '[CVE-2024-0727](https://nvd.nist.gov/vuln/detail/CVE-2024-0727)');
  });

  test('feed text cannot break the table or inject HTML', () => {
    const zlib = out.split('\n').find((l) => l.includes('CVE-2023-45853') && l.startsWith('| zlib1g')) as string;
    assert.ok(zlib.includes('integer overflow \\| heap overflow in &lt;zipOpenNewFileInZip4\\_64&gt;'), zlib);
    assert.doesNotMatch(out, /\x1b/);
    const tags = out.match(/<[^>]*>/g) ?? [];
    assert.deepEqual([...new Set(tags)].sort(), ['</details>', '<details>', '<summary>', '</summary>'].sort());
  });

  test('suppressed findings in a collapsed block with who suppressed them and why', () => {
    assert.match(out, /<details><summary>1 suppressed<\/summary>/);
    const row = out.split('\n').find((l) => l.includes('CVE-2022-25883')) as string;
    assert.deepEqual(cells(row).slice(3), ['ignore file', 'ignored until 2099-01-01: semver is only used at build time']);
  });

  test('an incomplete scan is flagged and never "No vulnerabilities found"', () => {
    const text = markdown.write(incompleteReport(), { color: false });
    assert.match(text, /> \[!CAUTION\]\n> \*\*Incomplete scan\*\*/);
    assert.match(text, /- layer 2 /);
    assert.doesNotMatch(text, /No vulnerabilities found/);
    assert.match(out, /### Python\n\nNo vulnerabilities found\./);
  });
});
