/**
 * Contract of the comparator registry (DESIGN.md §3.2, as renovate's lib/modules/versioning/index.spec.ts): every
 * scheme file in this folder is registered, its ecosystem is its file name, and every Ecosystem has exactly one
 * comparator. Also the public entry point compareVersions().
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ECOSYSTEMS, UsageError } from '../../core/index.js';
import { comparatorFor, comparators, compareVersions } from './registry.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NOT_SCHEMES = new Set(['comparator', 'registry', 'index']);

describe('versions registry', () => {
  test('every scheme file is registered under its file name, and nothing else is', () => {
    const files = readdirSync(here)
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !/\.test\.(ts|js)$/.test(f))
      .map((f) => f.replace(/\.(ts|js)$/, ''))
      .filter((name) => !NOT_SCHEMES.has(name));
    assert.deepEqual([...new Set(files)].sort(), comparators.map((c) => c.ecosystem).sort());
  });

  test('every Ecosystem has exactly one comparator', () => {
    assert.deepEqual(comparators.map((c) => c.ecosystem).sort(), [...ECOSYSTEMS].sort());
    assert.equal(new Set(comparators.map((c) => c.ecosystem)).size, comparators.length);
    for (const e of ECOSYSTEMS) assert.equal(comparatorFor(e).ecosystem, e);
  });

  test('compareVersions(ecosystem, a, b) returns -1, 0 or 1 for every scheme', () => {
    const samples: Record<string, [string, string]> = {
      deb: ['1:1.0-1', '1:1.0-1+deb12u1'],
      rpm: ['1.0-1.el9', '1.0-2.el9'],
      apk: ['1.2.3-r0', '1.2.3-r1'],
      npm: ['1.2.3-beta', '1.2.3'],
      pypi: ['1.0rc1', '1.0'],
      maven: ['1.0-SNAPSHOT', '1.0'],
      gem: ['1.0.a', '1.0'],
      golang: ['v0.0.0-20200101000000-abcdefabcdef', 'v0.1.0'],
      cargo: ['1.0.0-alpha', '1.0.0'],
      nuget: ['1.0.0-beta', '1.0.0'],
      composer: ['1.0.0-RC1', 'v1.0.0'],
    };
    for (const e of ECOSYSTEMS) {
      const [a, b] = samples[e]!;
      assert.equal(compareVersions(e, a, b), -1, e);
      assert.equal(compareVersions(e, b, a), 1, e);
      assert.equal(compareVersions(e, a, a), 0, e);
    }
  });

  test('junk never throws', () => {
    const junk = ['', ' ', 'N/A', '*', '<1.0', 'v', '\0', 'é', '1.0.0.0.0.0.0', '9'.repeat(400), 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef'];
    for (const c of comparators) {
      for (const a of junk) {
        for (const b of [...junk, '1.0']) {
          const r = c.compare(a, b);
          assert.ok(r === -1 || r === 0 || r === 1, `${c.ecosystem}: ${JSON.stringify(a)} vs ${JSON.stringify(b)} = ${r}`);
          assert.equal(c.compare(b, a), -r || 0, `${c.ecosystem}: antisymmetric for ${JSON.stringify(a)}, ${JSON.stringify(b)}`);
        }
      }
    }
  });

  test('an unknown ecosystem or a non-string version is a UsageError INVALID_ARGUMENT', () => {
    for (const bad of ['debian', 'pip', 'Go', '', 'constructor', '__proto__']) {
      assert.throws(
        () => compareVersions(bad, '1', '2'),
        (e: unknown) => e instanceof UsageError && e.code === 'INVALID_ARGUMENT' && e.message.includes('unknown version scheme'),
        bad,
      );
    }
    assert.throws(
      () => compareVersions('npm', 1 as unknown as string, '2'),
      (e: unknown) => e instanceof UsageError && e.code === 'INVALID_ARGUMENT',
    );
  });
});
