/**
 * Alpine version comparison: every comparison line of apk-tools' own test data
 * (../shared/data/versions/apk-tools-version.data, from test/unit/version.data), the validity lines of the same
 * upstream file, and the cases the shared copy leaves out with apk-tools 3's answer for them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { shared } from '../../../test/support/paths.js';
import { checkCases, type Case, type Op } from '../../../test/support/version-oracles.js';
import { apk } from './apk.js';

function dataCases(): Case[] {
  const file = shared('versions', 'apk-tools-version.data');
  const cases: Case[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const text = line.replace(/#.*/, '').trim();
      if (!text) return;
      const m = /^(\S+) ([<=>]) (\S+)$/.exec(text);
      assert.ok(m, `${file}:${i + 1}: unexpected line ${JSON.stringify(line)}`);
      cases.push([m[1]!, m[2] as Op, m[3]!]);
    });
  return cases;
}

describe('apk: apk-tools test data', () => {
  test('every line of apk-tools-version.data', () => {
    const cases = dataCases();
    assert.ok(cases.length > 700, `only ${cases.length} cases read`);
    checkCases(apk, cases);
  });

  test('validity lines of test/unit/version.data', () => {
    for (const v of ['1.2', '0.1_pre2', '0.1_pre2~1234abcd', '0.1_p1_pre2', '0.1_alpha1_pre2', '0.1_git20240101_pre1', '1.0-r0', '2.34.1_git20240101~abc123-r10']) {
      assert.equal(apk.valid(v), true, v);
    }
    const invalid = [
      '',
      '0.1bc',
      '0.1bc1',
      '0.1a1',
      '0.1a.1',
      '0.1_pre2~',
      '0.1_pre2~1234xbcd',
      '0.1_pre2~1234abcd_pre1',
      '0.1_pre2-r1~1234xbcd',
      '0.1_foobar',
      '0.1_foobar1',
      '0.1-pre1.1',
      '0.1-r',
      '0.1-r2_pre1',
      '0.1-r2_p3_pre1',
      '0.1-r2-r3',
      '0.1-r2.1',
      '.1',
      'a',
      '_pre1',
      '-r1',
      '0.1_',
      '0.1_-r0',
      '0.1__alpha',
      '0.1_1_alpha',
    ];
    for (const v of invalid) assert.equal(apk.valid(v), false, v);
  });

  test('pairs left out of the shared copy: apk-tools 3 compares invalid versions token by token', () => {
    // "1.0bc" is invalid after its letter; up to there it is 1.0 plus a letter, so newer than 1.0 (apk-tools 2
    // fell back to a string compare and said the same).
    // "23_foo" vs "4_beta": decided by the first numbers (23 > 4) before the invalid suffix is reached.
    checkCases(apk, [
      ['1.0', '<', '1.0bc'],
      ['23_foo', '>', '4_beta'],
    ]);
  });

  test('Alpine secdb-style versions', () => {
    checkCases(apk, [
      ['3.1.4-r5', '<', '3.1.4-r6'],
      ['3.1.4-r6', '<', '3.1.5-r0'],
      ['1.36.1-r15', '<', '1.36.1-r29'],
      ['8.5.0-r0', '>', '8.4.0-r12'],
      ['1.2.13-r0', '<', '1.2.13-r1'],
      ['2.4.57-r0', '>', '2.4.57_rc1-r0'],
      ['1.1.1w-r1', '>', '1.1.1w-r0'],
      ['1.1.1w-r0', '>', '1.1.1v-r3'],
      ['9.9_p1-r0', '>', '9.9-r3'],
      ['0.13.1_git20230101-r0', '>', '0.13.1-r0'],
      ['1.2.3_alpha1', '<', '1.2.3_beta'],
    ]);
  });
});
