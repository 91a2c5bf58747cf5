/**
 * npm version comparison: npm.ts delegates to node-semver, so a differential test against the `semver` package
 * would compare it with itself. Instead the cases are node-semver's own fixtures (test/fixtures/comparisons.js,
 * equality.js, invalid-versions.js, valid-versions.js, test/functions/compare-loose.js and clean.js), checked
 * through the Comparator, plus the fallback order for strings that are not versions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ascending, checkCases, type Case } from '../../../test/support/version-oracles.js';
import { npm } from './npm.js';

// test/fixtures/comparisons.js: version1 > version2 (loose or not: npm always parses loosely).
const COMPARISONS: [string, string][] = [
  ['0.0.0', '0.0.0-foo'],
  ['0.0.1', '0.0.0'],
  ['1.0.0', '0.9.9'],
  ['0.10.0', '0.9.0'],
  ['0.99.0', '0.10.0'],
  ['2.0.0', '1.2.3'],
  ['v0.0.0', '0.0.0-foo'],
  ['v0.0.1', '0.0.0'],
  ['v1.0.0', '0.9.9'],
  ['v0.10.0', '0.9.0'],
  ['v0.99.0', '0.10.0'],
  ['v2.0.0', '1.2.3'],
  ['0.0.0', 'v0.0.0-foo'],
  ['0.0.1', 'v0.0.0'],
  ['1.0.0', 'v0.9.9'],
  ['0.10.0', 'v0.9.0'],
  ['0.99.0', 'v0.10.0'],
  ['2.0.0', 'v1.2.3'],
  ['1.2.3', '1.2.3-asdf'],
  ['1.2.3', '1.2.3-4'],
  ['1.2.3', '1.2.3-4-foo'],
  ['1.2.3-5-foo', '1.2.3-5'],
  ['1.2.3-5', '1.2.3-4'],
  ['1.2.3-5-foo', '1.2.3-5-Foo'],
  ['3.0.0', '2.7.2+asdf'],
  ['1.2.3-a.10', '1.2.3-a.5'],
  ['1.2.3-a.b', '1.2.3-a.5'],
  ['1.2.3-a.b', '1.2.3-a'],
  ['1.2.3-a.b.c.10.d.5', '1.2.3-a.b.c.5.d.100'],
  ['1.2.3-r2', '1.2.3-r100'],
  ['1.2.3-r100', '1.2.3-R2'],
];

// test/fixtures/equality.js: version1 == version2.
const EQUALITY: [string, string][] = [
  ['1.2.3', 'v1.2.3'],
  ['1.2.3', '=1.2.3'],
  ['1.2.3', 'v 1.2.3'],
  ['1.2.3', '= 1.2.3'],
  ['1.2.3', ' v1.2.3'],
  ['1.2.3', ' =1.2.3'],
  ['1.2.3', ' v 1.2.3'],
  ['1.2.3', ' = 1.2.3'],
  ['1.2.3-0', 'v1.2.3-0'],
  ['1.2.3-0', '=1.2.3-0'],
  ['1.2.3-0', 'v 1.2.3-0'],
  ['1.2.3-0', '= 1.2.3-0'],
  ['1.2.3-0', ' v1.2.3-0'],
  ['1.2.3-0', ' =1.2.3-0'],
  ['1.2.3-0', ' v 1.2.3-0'],
  ['1.2.3-0', ' = 1.2.3-0'],
  ['1.2.3-1', 'v1.2.3-1'],
  ['1.2.3-1', '=1.2.3-1'],
  ['1.2.3-1', 'v 1.2.3-1'],
  ['1.2.3-1', '= 1.2.3-1'],
  ['1.2.3-1', ' v1.2.3-1'],
  ['1.2.3-1', ' =1.2.3-1'],
  ['1.2.3-1', ' v 1.2.3-1'],
  ['1.2.3-1', ' = 1.2.3-1'],
  ['1.2.3-beta', 'v1.2.3-beta'],
  ['1.2.3-beta', '=1.2.3-beta'],
  ['1.2.3-beta', 'v 1.2.3-beta'],
  ['1.2.3-beta', '= 1.2.3-beta'],
  ['1.2.3-beta', ' v1.2.3-beta'],
  ['1.2.3-beta', ' =1.2.3-beta'],
  ['1.2.3-beta', ' v 1.2.3-beta'],
  ['1.2.3-beta', ' = 1.2.3-beta'],
  ['1.2.3-beta+build', ' = 1.2.3-beta+otherbuild'],
  ['1.2.3+build', ' = 1.2.3+otherbuild'],
  ['1.2.3-beta+build', '1.2.3-beta+otherbuild'],
  ['1.2.3+build', '1.2.3+otherbuild'],
  ['  v1.2.3+build', '1.2.3+otherbuild'],
];

// test/functions/compare-loose.js: loose spellings equal to strict ones.
const LOOSE: [string, string][] = [
  ['=1.2.3', '1.2.3'],
  ['01.02.03', '1.2.3'],
  ['1.2.3-beta.01', '1.2.3-beta.1'],
  ['   =1.2.3', '1.2.3'],
  ['1.2.3foo', '1.2.3-foo'],
];

// SemVer 2.0 §11 example, as node-semver orders it.
const SPEC_ORDER = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];

const TABLE: Case[] = [
  ...COMPARISONS.map(([a, b]): Case => [a, '>', b]),
  ...EQUALITY.map(([a, b]): Case => [a, '=', b]),
  ...LOOSE.map(([a, b]): Case => [a, '=', b]),
  ...ascending(SPEC_ORDER),
];

describe('npm: node-semver fixtures', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(npm, TABLE));

  test('valid-versions.js and clean.js are versions', () => {
    const valid = [
      '1.0.0',
      '2.1.0',
      '3.2.1',
      'v1.2.3',
      '1.2.3-0',
      '1.2.3-123',
      '1.2.3-1.2.3',
      '1.2.3-1a',
      '1.2.3-a1',
      '1.2.3-alpha',
      '1.2.3-alpha.1',
      '1.2.3-alpha-1',
      '1.2.3-alpha-.-beta',
      '1.2.3+456',
      '1.2.3+build',
      '1.2.3+new-build',
      '1.2.3+build.1',
      '1.2.3+build.1a',
      '1.2.3+build.a1',
      '1.2.3+build.alpha',
      '1.2.3+build.alpha.beta',
      '1.2.3-alpha+build',
      ' 1.2.3 ',
      '  =v1.2.3   ',
      '\t1.2.3',
      '0.12.0-dev.1150+3c22cecee',
    ];
    for (const v of valid) assert.equal(npm.valid(v), true, v);
  });

  test('invalid-versions.js and clean.js are not versions, and sort first', () => {
    const MAX_SAFE_INTEGER = String(Number.MAX_SAFE_INTEGER);
    const invalid = [
      `${new Array(256).join('1')}.0.0`, // too long
      `${MAX_SAFE_INTEGER}0.0.0`, // too big
      `0.${MAX_SAFE_INTEGER}0.0`,
      `0.0.${MAX_SAFE_INTEGER}0`,
      'hello, world',
      'xyz',
      '>1.2.3',
      '~1.2.3',
      '<=1.2.3',
      '1.2.x',
      '',
    ];
    for (const v of invalid) {
      assert.equal(npm.valid(v), false, v.slice(0, 40));
      assert.equal(npm.compare(v, '0.0.0-0'), -1, v.slice(0, 40));
    }
    checkCases(npm, [
      ['hello, world', '<', 'xyz'],
      ['xyz', '=', 'xyz'],
    ]);
  });
});
