import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import { parsePackageJson } from './parse-package-json.js';

const pj = (o: Record<string, unknown>) => JSON.stringify({ name: 'x', version: '1.0.0', ...o });

describe('parsePackageJson', () => {
  // License forms from npm's package.json docs and normalize-package-data (legacy object and array forms).
  const cases: [string, string, string[]][] = [
    ['SPDX id', pj({ license: 'MIT' }), ['MIT']],
    ['SPDX expression kept whole', pj({ license: '(MIT OR Apache-2.0)' }), ['(MIT OR Apache-2.0)']],
    ['legacy {type,url} object', pj({ license: { type: 'ISC', url: 'https://opensource.org/licenses/ISC' } }), ['ISC']],
    ['legacy licenses array', pj({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }), ['MIT', 'Apache-2.0']],
    ['array under license, empty type skipped', pj({ license: [{ type: '' }, { type: 'MIT' }] }), ['MIT']],
    ['licenses as strings', pj({ licenses: ['MIT'] }), ['MIT']],
    ['license wins over licenses', pj({ license: 'MIT', licenses: [{ type: 'GPL-2.0' }] }), ['MIT']],
    ['number', pj({ license: 42 }), []],
    ['null', pj({ license: null }), []],
    ['object without type', pj({ license: { foo: 'bar' } }), []],
    ['empty array', pj({ license: [] }), []],
    ['duplicates once', pj({ licenses: ['MIT', 'MIT'] }), ['MIT']],
  ];
  for (const [name, input, licenses] of cases) {
    test(name, () => assert.deepEqual(parsePackageJson(input)?.licenses, licenses));
  }

  test('name, version, private and runtime dependency names', () => {
    const r = parsePackageJson(
      pj({ name: '@scope/pkg', version: ' 2.0.0 ', private: true, dependencies: { a: '^1' }, optionalDependencies: { b: '*' }, devDependencies: { c: '1' }, peerDependencies: { a: '1' } }),
    );
    assert.deepEqual(r, { name: '@scope/pkg', version: '2.0.0', licenses: [], private: true, dependencies: ['a', 'b'] });
  });

  test('not a package: missing or unusable name/version', () => {
    for (const doc of [{ type: 'module' }, { name: 'x' }, { version: '1.0.0' }, { name: '', version: '1' }, { name: 'a b', version: '1' }, { name: 'a/b', version: '1' }, { name: 'x', version: 1 }]) {
      assert.equal(parsePackageJson(JSON.stringify(doc)), undefined, JSON.stringify(doc));
    }
  });

  test('BOM tolerated; broken JSON and non-objects are typed errors', () => {
    assert.equal(parsePackageJson(`\ufeff${pj({})}`)?.name, 'x');
    for (const bad of ['{"name":', '[]', '"x"']) {
      assert.throws(() => parsePackageJson(bad), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE');
    }
  });
});
