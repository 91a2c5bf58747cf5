import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cleanReport, incompleteReport, sampleReport } from '../sample-reports.test.js';
import { table } from './table.js';

/** The body rows of the table that follows `header`: cells split on the box's vertical bars. */
function rowsAfter(text: string, header: string): string[][] {
  const lines = text.split('\n');
  const start = lines.indexOf(header);
  assert.ok(start >= 0, `no target header ${header}`);
  const rows: string[][] = [];
  let inBody = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('├')) {
      inBody = true;
      continue;
    }
    if (line.startsWith('└')) break;
    if (inBody && line.startsWith('│')) rows.push(line.split('│').slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}

describe('table writer', () => {
  const out = table.write(sampleReport(), { color: false });

  test('per target: header, underline, Trivy-style totals of unsuppressed findings', () => {
    const lines = out.split('\n');
    const i = lines.indexOf('debian 12.5 (dpkg)');
    assert.equal(lines[i + 1], '==================');
    assert.equal(lines[i + 2], 'Total: 6 (UNKNOWN: 0, NEGLIGIBLE: 1, LOW: 1, MEDIUM: 1, HIGH: 2, CRITICAL: 1)');
    // Language targets get their type appended; semver is suppressed, so 2 not 3; no NEGLIGIBLE column when none.
    const j = lines.indexOf('Node.js (npm)');
    assert.equal(lines[j + 2], 'Total: 2 (UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 1)');
  });

  test('columns as Trivy names them; rows by severity, then package, then id', () => {
    assert.match(out, /│ Library +│ Vulnerability +│ Severity +│ Status +│ Installed Version +│ Fixed Version +│ Title +│/);
    const rows = rowsAfter(out, 'debian 12.5 (dpkg)');
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[2], r[3]]),
      [
        ['zlib1g', 'CVE-2023-45853', 'CRITICAL', 'will-not-fix'],
        ['libc6', 'CVE-2023-4911', 'HIGH', 'fixed'],
        ['perl-base', 'CVE-2023-31484', 'HIGH', 'unfixed'],
        ['libssl3', 'CVE-2024-0727', 'MEDIUM', 'fixed'],
        ['coreutils', 'CVE-2016-2781', 'LOW', 'end-of-life'],
        ['libsystemd0', 'CVE-2023-31437', 'NEGLIGIBLE', 'unfixed'],
      ],
    );
  });

  test('installed and fixed versions are the remediation columns', () => {
    const rows = rowsAfter(out, 'debian 12.5 (dpkg)');
    const byId = new Map(rows.map((r) => [r[1], r]));
    assert.deepEqual(byId.get('CVE-2024-0727')?.slice(4, 6), ['3.0.11-1~deb12u2', '3.0.13-1~deb12u1']);
    assert.deepEqual(byId.get('CVE-2023-4911')?.slice(4, 6), ['2.36-9+deb12u1', '2.36-9+deb12u3']);
    assert.deepEqual(byId.get('CVE-2023-31484')?.slice(4, 6), ['5.36.0-7+deb12u1', '']);
    const npm = rowsAfter(out, 'Node.js (npm)');
    assert.deepEqual(
      npm.map((r) => [r[0], r[1], r[5]]),
      [
        ['minimist (package-lock.json)', 'CVE-2021-44906', '1.2.6'],
        ['lodash (package-lock.json)', 'CVE-2021-23337', '4.17.21'],
      ],
    );
  });

  test('suppressed findings are counted under the table, not listed', () => {
    assert.ok(!out.includes('CVE-2022-25883'));
    assert.ok(!out.includes('semver'));
    assert.match(out, /^Suppressed: 1 \(ignore file: 1\)/m);
  });

  test('long titles are cut to the column width; feed control characters never reach the terminal', () => {
    const rows = rowsAfter(out, 'debian 12.5 (dpkg)');
    const perl = rows.find((r) => r[1] === 'CVE-2023-31484')?.[6] ?? '';
    assert.ok(perl.endsWith('...') && [...perl].length <= 60, perl);
    assert.ok('perl: CPAN.pm does not verify TLS certificates when downloading distributions over HTTPS'.startsWith(perl.slice(0, -3)));
    assert.doesNotMatch(out, /\x1b/);
    // Box lines are aligned: one width per table (two tables here).
    const widths = new Set(out.split('\n').filter((l) => /^[│┌├└]/.test(l)).map((l) => [...l].length));
    assert.equal(widths.size, 2);
  });

  test('colour only when asked: severities in ANSI colours, widths still aligned', () => {
    const colored = table.write(sampleReport(), { color: true });
    assert.ok(colored.includes('\x1b[1;31mCRITICAL\x1b[0m'));
    assert.ok(colored.includes('\x1b[33mMEDIUM\x1b[0m'));
    const plainLines = out.split('\n');
    const strippedLines = colored.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
    assert.deepEqual(strippedLines, plainLines);
  });

  test('no vulnerabilities: said only when the scan is complete', () => {
    assert.match(out, /Python \(python-pkg\)\n=+\nTotal: 0 \(UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0\)\n\nNo vulnerabilities found\./);
    const clean = table.write(cleanReport(), { color: false });
    assert.match(clean, /No vulnerabilities found\./);
    assert.doesNotMatch(clean, /WARNING/);
  });

  test('an incomplete scan opens with a warning, lists the warnings and never reports a clean target', () => {
    const text = table.write(incompleteReport(), { color: false });
    const lines = text.split('\n');
    assert.match(lines[0] ?? '', /^WARNING: INCOMPLETE SCAN/);
    assert.equal(lines[1], 'Warnings:');
    assert.match(lines[2] ?? '', /^ {2}- layer 2 .*unexpected end of gzip stream/);
    assert.doesNotMatch(text, /No vulnerabilities found/);
    assert.match(text, /Python \(python-pkg\)\n=+\nTotal: 0 .*\n\nNo findings in what could be read/);
    const colored = table.write(incompleteReport(), { color: true });
    assert.ok(colored.startsWith('\x1b[1;31mWARNING: INCOMPLETE SCAN'));
  });

  test('a stale database is called out; a report without targets', () => {
    const stale = sampleReport({ db: { builtAt: '2024-05-20T06:00:00Z', ageHours: 294, stale: true, sources: [] } });
    assert.match(table.write(stale, { color: false }), /^WARNING: the vulnerability database is 294 hours old/m);
    const empty = table.write(sampleReport({ targets: [] }), { color: false });
    assert.equal(empty, 'No vulnerabilities found (no packages to match).\n');
    const emptyIncomplete = table.write({ ...incompleteReport(), targets: [] }, { color: false });
    assert.doesNotMatch(emptyIncomplete, /No vulnerabilities found/);
  });
});
