/**
 * Cargo version comparison: the cases of the semver crate's tests (tests/test_version.rs, tests/test_identifier.rs,
 * the build-metadata order documented in src/impls.rs) and the SemVer 2.0 specification's examples; the plain
 * SemVer 2.0 precedence used for OSV SEMVER ranges is checked on the same table.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ascending, checkCases, type Case } from '../../../test/support/version-oracles.js';
import { cargo, parseSemVer, semverPrecedence } from './cargo.js';

// test_version.rs test_spec_order; also SemVer 2.0 §11.4.
const SPEC_ORDER = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];

// test_version.rs test_eq / test_ne / test_lt / test_le / test_gt / test_ge.
const CRATE: Case[] = [
  ['1.2.3', '=', '1.2.3'],
  ['1.2.3-alpha1', '=', '1.2.3-alpha1'],
  ['1.2.3+build.42', '=', '1.2.3+build.42'],
  ['1.2.3-alpha1+42', '=', '1.2.3-alpha1+42'],
  ['0.0.0', '<', '0.0.1'],
  ['0.0.0', '<', '0.1.0'],
  ['0.0.0', '<', '1.0.0'],
  ['1.2.3-alpha', '<', '1.2.3-beta'],
  ['0.0.0', '<', '1.2.3-alpha2'],
  ['1.0.0', '<', '1.2.3-alpha2'],
  ['1.2.0', '<', '1.2.3-alpha2'],
  ['1.2.3-alpha1', '<', '1.2.3'],
  ['1.2.3-alpha1', '<', '1.2.3-alpha2'],
  ['1.2.3+23', '<', '1.2.3+42'],
  // SemVer 2.0 §11: major, minor, patch numerically.
  ['1.0.0', '<', '2.0.0'],
  ['2.0.0', '<', '2.1.0'],
  ['2.1.0', '<', '2.1.1'],
  ['1.9.0', '<', '1.10.0'],
  ['1.0.0-alpha.1', '<', '1.0.0-alpha.a'],
  ['1.0.0-1', '<', '1.0.0-a'],
  ['1.0.0-2', '<', '1.0.0-10'],
  ['1.0.0-Z', '<', '1.0.0-a'],
  ['1.1.0-beta-10', '<', '1.1.0-beta-9'],
  ['18446744073709551615.0.0', '>', '18446744073709551614.99.99'],
];

// src/impls.rs: build metadata "0 < 00 < 1 < 01 < 001 < 2 < 02 < 002 < 10", test_identifier.rs test_eq.
const BUILD_ORDER = ['0', '00', '1', '01', '001', '2', '02', '002', '10'].map((b) => `1.0.0+${b}`);

const TABLE: Case[] = [...ascending(SPEC_ORDER), ...CRATE, ...ascending(BUILD_ORDER), ['1.0.0+1', '<', '1.0.0+001'], ['1.0.0', '<', '1.0.0+0'], ['1.0.0+a', '<', '1.0.0+b'], ['1.0.0+1', '<', '1.0.0+a']];

describe('cargo: semver crate tests', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(cargo, TABLE));

  test('test_parse: errors and accepted forms', () => {
    const errors = ['', '  ', '1', '1.2', '1.2.3-', 'a.b.c', '1.2.3 abc', '1.2.3-01', '1.2.3++', '07', '111111111111111111111.0.0', '8\0', 'v1.2.3', '1.2.3-a..b', '01.2.3', '1.02.3', '1.2.03', '1.2.3-a+', '1.2.3-é', '18446744073709551616.0.0'];
    for (const v of errors) assert.equal(cargo.valid(v), false, JSON.stringify(v));
    const parsed: [string, string, string][] = [
      ['1.2.3', '', ''],
      ['1.2.3-alpha1', 'alpha1', ''],
      ['1.2.3+build5', '', 'build5'],
      ['1.2.3+5build', '', '5build'],
      ['1.2.3-alpha1+build5', 'alpha1', 'build5'],
      ['1.2.3-1.alpha1.9+build5.7.3aedf', '1.alpha1.9', 'build5.7.3aedf'],
      ['1.2.3-0a.alpha1.9+05build.7.3aedf', '0a.alpha1.9', '05build.7.3aedf'],
      ['0.4.0-beta.1+0851523', 'beta.1', '0851523'],
      ['1.1.0-beta-10', 'beta-10', ''],
    ];
    for (const [v, pre, build] of parsed) {
      const p = parseSemVer(v);
      assert.ok(p, v);
      assert.deepEqual([p.pre, p.build], [pre, build], v);
    }
  });

  test('invalid versions sort first', () => {
    checkCases(cargo, [
      ['v1.2.3', '<', '0.0.0'],
      ['1.2', '<', '0.0.0-0'],
      ['1.2', '<', 'v1.2.3'],
    ]);
  });

  test('SemVer 2.0 precedence (OSV SEMVER ranges) ignores build metadata', () => {
    checkCases(semverPrecedence, [
      ...ascending(SPEC_ORDER),
      ...CRATE.filter(([a, , b]) => !a.includes('+') && !b.includes('+')),
      ['1.2.3+23', '=', '1.2.3+42'],
      ['1.0.0', '=', '1.0.0+0'],
      ['1.0.0-rc.1+build.1', '<', '1.0.0+build.0'],
      ['0.0.0-20210101000000-abcdef123456', '<', '0.0.1'],
      ['2.0.0+incompatible', '=', '2.0.0'],
    ]);
    assert.equal(semverPrecedence.valid('v1.2.3'), false);
  });
});
