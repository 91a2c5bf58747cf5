/** The README must stay true to the code: its coverage table is the registry's, its commands exist. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { analyzers } from '../../src/analyzers/index.js';
import { withCoverage } from '../../scripts/readme-coverage.js';
import { repoRoot } from '../support/paths.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

test('the coverage table in README.md is generated from the analyzer registry (run `npm run docs`)', () => {
  assert.equal(readme, withCoverage(readme));
  for (const a of analyzers) assert.ok(readme.includes(`| ${a.id}@${a.version} |`), `${a.id} missing from the README table`);
});

test('the README quick start and test commands exist', () => {
  assert.match(readme, /bash scripts\/quickstart\.sh/);
  assert.match(readme, /npm test/);
  const ci = readFileSync(path.join(repoRoot, '.ci', 'run'), 'utf8');
  assert.match(ci, /^npm test$/m, '.ci/run runs the README test command');
});
