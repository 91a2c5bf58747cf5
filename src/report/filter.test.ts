import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError, type ScanReport } from '../core/index.js';
import { filterReport, hasFix, parseMinEpss, parseSeverityList } from './filter.js';
import { sampleReport } from './sample-reports.test.js';
import { summarize } from './summary.js';

const ids = (r: ScanReport): string[] => r.targets.flatMap((t) => t.findings.map((f) => f.id)).sort();
const zero = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, NEGLIGIBLE: 0, UNKNOWN: 0 };

describe('filters', () => {
  test('summarize recounts what the fixture states by hand', () => {
    const r = sampleReport();
    assert.deepEqual(summarize(r.targets), r.summary);
  });

  test('--severity keeps only those severities, suppressed ones included, and recounts', () => {
    const r = filterReport(sampleReport(), { severities: ['CRITICAL', 'HIGH'] });
    assert.deepEqual(ids(r), ['CVE-2021-23337', 'CVE-2021-44906', 'CVE-2023-31484', 'CVE-2023-45853', 'CVE-2023-4911']);
    assert.deepEqual(r.summary, { ...zero, CRITICAL: 2, HIGH: 3, total: 5, suppressed: 0 });
    const medium = filterReport(sampleReport(), { severities: ['MEDIUM'] });
    // libssl3 open, semver suppressed: kept and marked, counted apart.
    assert.deepEqual(ids(medium), ['CVE-2022-25883', 'CVE-2024-0727']);
    assert.deepEqual(medium.summary, { ...zero, MEDIUM: 1, total: 1, suppressed: 1 });
  });

  test('--ignore-unfixed drops unfixed, will-not-fix and end-of-life findings', () => {
    const r = filterReport(sampleReport(), { ignoreUnfixed: true });
    assert.deepEqual(ids(r), ['CVE-2021-23337', 'CVE-2021-44906', 'CVE-2022-25883', 'CVE-2023-4911', 'CVE-2024-0727']);
    assert.deepEqual(r.summary, { ...zero, CRITICAL: 1, HIGH: 2, MEDIUM: 1, total: 4, suppressed: 1 });
    const f = sampleReport().targets[0]?.findings[0];
    assert.ok(f !== undefined && hasFix(f));
    assert.equal(hasFix({ ...f, fixedVersions: [] }), false);
  });

  test('--only-kev and --min-epss', () => {
    assert.deepEqual(ids(filterReport(sampleReport(), { onlyKev: true })), ['CVE-2023-4911']);
    // EPSS: libc6 0.71837, libssl3 0.00131; findings without a score never pass.
    assert.deepEqual(ids(filterReport(sampleReport(), { minEpss: 0.5 })), ['CVE-2023-4911']);
    assert.deepEqual(ids(filterReport(sampleReport(), { minEpss: 0.00131 })), ['CVE-2023-4911', 'CVE-2024-0727']);
    assert.deepEqual(ids(filterReport(sampleReport(), { minEpss: 0.0014 })), ['CVE-2023-4911']);
    assert.equal(filterReport(sampleReport(), { minEpss: 0 }).summary.total, 2);
  });

  test('filters combine; no filter keeps everything; the input is not changed', () => {
    const input = sampleReport();
    const before = JSON.stringify(input);
    const r = filterReport(input, { severities: ['HIGH', 'MEDIUM'], ignoreUnfixed: true, minEpss: 0.001 });
    assert.deepEqual(ids(r), ['CVE-2023-4911', 'CVE-2024-0727']);
    assert.deepEqual(r.summary, { ...zero, HIGH: 1, MEDIUM: 1, total: 2, suppressed: 0 });
    assert.equal(JSON.stringify(input), before);
    assert.deepEqual(filterReport(input, {}), input);
  });

  test('flag values are parsed and checked', () => {
    assert.deepEqual(parseSeverityList('critical, High,HIGH'), ['CRITICAL', 'HIGH']);
    assert.deepEqual(parseSeverityList('UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL'), ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
    const usage = (code: string, text: RegExp) => (e: unknown) => e instanceof UsageError && e.code === code && text.test(e.message);
    assert.throws(() => parseSeverityList('HIGH,SEVERE'), usage('INVALID_ARGUMENT', /"SEVERE"/));
    assert.throws(() => parseSeverityList(' , '), usage('INVALID_ARGUMENT', /empty/));
    assert.equal(parseMinEpss('0.25'), 0.25);
    assert.equal(parseMinEpss('10%'), 0.1);
    assert.throws(() => parseMinEpss('1.5'), usage('INVALID_ARGUMENT', /--min-epss/));
    assert.throws(() => parseMinEpss('abc'), usage('INVALID_ARGUMENT', /--min-epss/));
    assert.throws(() => filterReport(sampleReport(), { minEpss: Number.NaN }), usage('INVALID_ARGUMENT', /--min-epss/));
    assert.throws(() => filterReport(sampleReport(), { severities: ['high' as 'HIGH'] }), usage('INVALID_ARGUMENT', /"high"/));
  });
});
