import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding, ScanReport } from '../../core/index.js';
import { sampleReport } from '../sample-reports.test.js';
import { json } from './json.js';

/** The same object with every key order reversed, recursively. */
function reversed<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reversed) as T;
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).reverse().map(([k, x]) => [k, reversed(x)])) as T;
}

test('the JSON format is the report object itself', () => {
  const r = sampleReport();
  assert.deepEqual(JSON.parse(json.write(r, { color: false })), r);
});

test('two-space indent, keys in the declaration order of src/core/finding.ts', () => {
  const text = json.write(sampleReport(), { color: false });
  assert.ok(text.startsWith('{\n  "schemaVersion": 1,\n  "tool": {\n    "name": "tollgate",'));
  const parsed = JSON.parse(text) as ScanReport;
  assert.deepEqual(Object.keys(parsed), ['schemaVersion', 'tool', 'createdAt', 'artifact', 'os', 'db', 'targets', 'summary', 'complete', 'warnings']);
  assert.deepEqual(Object.keys(parsed.summary), ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NEGLIGIBLE', 'UNKNOWN', 'total', 'suppressed']);
  const libc = parsed.targets[0]?.findings.find((f) => f.id === 'CVE-2023-4911') as Finding;
  assert.deepEqual(Object.keys(libc), [
    'id',
    'aliases',
    'package',
    'severity',
    'severitySource',
    'cvss',
    'cwes',
    'title',
    'description',
    'status',
    'fixedVersions',
    'published',
    'kev',
    'epss',
    'match',
  ]);
  assert.deepEqual(Object.keys(libc.package), ['purl', 'type', 'name', 'version', 'sourceName', 'paths', 'layer']);
});

test('the bytes do not depend on the order the producer built the objects in', () => {
  const r = sampleReport();
  assert.equal(json.write(reversed(r), { color: false }), json.write(r, { color: false }));
});

test('suppressed findings stay in the JSON with their reason', () => {
  const parsed = JSON.parse(json.write(sampleReport(), { color: false })) as ScanReport;
  const semver = parsed.targets[1]?.findings.find((f) => f.id === 'CVE-2022-25883');
  assert.deepEqual(semver?.suppressed, {
    by: 'ignorefile',
    reason: 'ignored until 2099-01-01',
    statement: 'semver is only used at build time',
    source: '.trivyignore:3',
  });
  assert.equal(parsed.summary.suppressed, 1);
});
