/**
 * Contract of the writer registry (DESIGN.md §3.2): one file per writer under writers/, one line in registry.ts,
 * id == file name, unique ids, every writer ends its text with a newline.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { UsageError } from '../core/index.js';
import { REPORT_FORMATS, reportWriter, writers } from './registry.js';
import { sampleReport } from './sample-reports.test.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('every writer file is registered and every registered writer has its file', () => {
  const files = readdirSync(path.join(here, 'writers'))
    // Runs as TypeScript (tsx) and compiled (dist/: .js beside .d.ts).
    .filter((n) => /\.(ts|js)$/.test(n) && !n.endsWith('.d.ts') && !/\.test\.(ts|js)$/.test(n))
    .map((n) => n.replace(/\.(ts|js)$/, ''));
  assert.deepEqual([...writers.map((w) => w.id)].sort(), [...new Set(files)].sort());
});

test('ids are unique, described, and the formats the issue names', () => {
  assert.equal(new Set(REPORT_FORMATS).size, writers.length);
  for (const w of writers) assert.ok(w.description.length > 10, w.id);
  assert.deepEqual([...REPORT_FORMATS].sort(), ['cyclonedx', 'json', 'junit', 'markdown', 'sarif', 'table']);
});

test('every writer returns text ending in one newline, and the same text for the same report', () => {
  for (const w of writers) {
    const a = w.write(sampleReport(), { color: false });
    assert.ok(a.endsWith('\n') && !a.endsWith('\n\n'), w.id);
    assert.equal(w.write(sampleReport(), { color: false }), a, w.id);
  }
});

test('an unknown format is a usage error naming the known ones', () => {
  assert.throws(
    () => reportWriter('html'),
    (e: unknown) => e instanceof UsageError && e.code === 'INVALID_ARGUMENT' && /html/.test(e.message) && /sarif/.test(e.message),
  );
});
