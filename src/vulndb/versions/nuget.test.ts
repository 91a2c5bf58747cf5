/**
 * NuGet version comparison: the cases of NuGet.Versioning's own tests (test/NuGet.Core.Tests/NuGet.Versioning.Test:
 * VersionComparerTests.cs, NuGetVersionTest.cs, VersionParsingTests.cs), checked through the Comparator.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCases, type Case } from '../../../test/support/version-oracles.js';
import { nuget, parseNuGetVersion } from './nuget.js';

const TABLE: Case[] = [
  // VersionComparerTests.VersionComparisonDefaultEqual
  ['1.0.0', '=', '1.0.0'],
  ['1.0.0-BETA', '=', '1.0.0-beta'],
  ['1.0.0-BETA+AA', '=', '1.0.0-beta+aa'],
  ['1.0.0-BETA.X.y.5.77.0+AA', '=', '1.0.0-beta.x.y.5.77.0+aa'],
  ['1.0.0', '=', '1.0.0+beta'],
  // VersionComparisonDefaultEqualWithNuGetVersion / NotEqualWithNuGetVersion (the 4th part)
  ['1.0', '=', '1.0.0.0'],
  ['1.0+test', '=', '1.0.0.0'],
  ['1.0.0.1-1.2.A', '=', '1.0.0.1-1.2.a+A'],
  ['1.0.01', '=', '1.0.1.0'],
  ['1.0', '<', '1.0.0.1'],
  ['1.0+test', '<', '1.0.0.1'],
  ['1.0.0.1-1.2.A', '<', '1.0.0.1-1.2.a.A+A'],
  ['1.0.01', '<', '1.0.1.2'],
  // VersionComparisonDefaultLess (VersionComparisonDefaultNotEqual compares the strings themselves, not versions)
  ['0.0.0', '<', '1.0.0'],
  ['1.0.0', '<', '1.1.0'],
  ['1.0.0', '<', '1.0.1'],
  ['1.999.9999', '<', '2.1.1'],
  ['1.0.0-BETA', '<', '1.0.0-beta2'],
  ['1.0.0-beta+AA', '<', '1.0.0+aa'],
  ['1.0.0-BETA', '<', '1.0.0-beta.1+AA'],
  ['1.0.0-BETA.X.y.5.77.0+AA', '<', '1.0.0-beta.x.y.5.79.0+aa'],
  ['1.0.0-BETA.X.y.5.79.0+AA', '<', '1.0.0-beta.x.y.5.790.0+abc'],
  // NuGetVersionTest.SemVerLessThanAndGreaterThanOperatorsWorks
  ['1.0', '<', '1.0.1'],
  ['1.23', '<', '1.231'],
  ['1.4.5.6', '<', '1.45.6'],
  ['1.4.5.6', '<', '1.4.5.60'],
  ['1.01', '<', '1.10'],
  ['1.01-alpha', '<', '1.10-beta'],
  ['1.01.0-RC-1', '<', '1.10.0-rc-2'],
  ['1.01-RC-1', '<', '1.01'],
  ['1.01', '<', '1.2-preview'],
  // NuGetVersionTest.SemVerEqualsOperatorWorks
  ['1.0', '=', '1.0.0.0'],
  ['1.23.01', '=', '1.23.1'],
  ['1.45.6', '=', '1.45.6.0'],
  ['1.45.6-Alpha', '=', '1.45.6-Alpha'],
  ['1.6.2-BeTa', '=', '1.6.02-beta'],
  ['22.3.07     ', '=', '22.3.07'],
  ['1.0', '=', '1.0.0.0+beta'],
  ['1.0.0.0+beta.2', '=', '1.0.0.0+beta.1'],
  // ParseReadsLegacyStyleVersionNumbers / ParseIgnoresLeadingAndTrailingWhitespace
  ['1.022', '=', '1.22.0.0'],
  ['23.2.3', '=', '23.2.3.0'],
  ['  1.022-Beta', '=', '1.22.0.0-Beta'],
  ['23.2.3-Alpha  ', '=', '23.2.3.0-alpha'],
  ['    1.3.42.10133-PreRelease  ', '=', '1.3.42.10133-PreRelease'],
  // SemVer 2.0 §11 label rules as VersionComparer applies them.
  ['1.0.0-alpha', '<', '1.0.0-alpha.1'],
  ['1.0.0-alpha.1', '<', '1.0.0-alpha.beta'],
  ['1.0.0-beta.2', '<', '1.0.0-beta.11'],
  ['1.0.0-rc.1', '<', '1.0.0'],
  ['1.0.0-2', '<', '1.0.0-a'],
];

describe('nuget: NuGet.Versioning tests', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(nuget, TABLE));

  test('parsing: NuGetVersionParseStrict, StringConstructorParsesValuesCorrectly, VersionParsingTests', () => {
    const valid = ['1.0.0', '0.0.1', '1.2.3', '1.2.3-alpha', '1.2.3-X.y.3+Meta-2', '1.2.3-X.yZ.3.234.243.3242342+METADATA', '1.2.3-X.y3+0', '1.2.3-X+0', '1.2.3+0', '1.2.3-0', '2', '2.0', '2.0.0', '2.0.0.0', '1.0.0-RC.X.35.A.3455+Meta-A-B-C'];
    for (const v of valid) assert.ok(parseNuGetVersion(v), v);
    const parsed: [string, number[], string[], string][] = [
      ['1.0.0', [1, 0, 0, 0], [], ''],
      ['2.3-alpha', [2, 3, 0, 0], ['alpha'], ''],
      ['3.4.0.3-RC-3', [3, 4, 0, 3], ['RC-3'], ''],
      ['1.0.0-beta.x.y.5.79.0+aa', [1, 0, 0, 0], ['beta', 'x', 'y', '5', '79', '0'], 'aa'],
      ['1.3.42.200930-RC-2', [1, 3, 42, 200930], ['RC-2'], ''],
      ['234.234234.1111', [234, 234234, 1111, 0], [], ''],
      ['3.5.1-x.y.z+AA', [3, 5, 1, 0], ['x', 'y', 'z'], 'AA'],
    ];
    for (const [v, parts, labels, metadata] of parsed) assert.deepEqual(parseNuGetVersion(v), { parts, labels, metadata }, v);
  });

  test('ParseThrowsIfStringIsNotAValidSemVer: invalid, and sorted first', () => {
    const invalid = [
      '',
      '         ',
      '1beta',
      '1.2Av^c',
      '1.2..',
      '1.2.3.4.5',
      '1.2.3.Beta',
      '1.2.3.4This version is full of awesomeness!!',
      'So.is.this',
      '1.34.2Alpha',
      '1.34.2Release Candidate',
      '1.4.7-',
      '1.4.7-*',
      '1.4.7+*',
      '1.4.7-AA.01^',
      '1.4.7-AA.0A^',
      '1.4.7-A^A',
      '1.4.7+AA.01^',
      '1.2147483648',
      '1.1.2147483648',
      '1.1.1.2147483648',
      '1.1.1.1.2147483648',
      '10000000000000000000',
      '1.10000000000000000000',
      '1.1.10000000000000000000',
      '1.1.1.1.10000000000000000000',
      '1..2',
      '....',
      '..1',
      '-1.1.1.1',
      '1.-1.1.1',
      '1.1.-1.1',
      '1.1.1.-1',
      '1.',
      '1.1.',
      '1.1.1.',
      '1.1.1.1.',
      '1.1.1.1.1.',
      '1     1.1.1.1',
      '1.1     1.1.1',
      '1.1.1     1.1',
      '1.1.1.1     1',
      ' .1.1.1',
      '1. .1.1',
      '1.1. .1',
      '1.1.1. ',
      '1 .',
      '1.1 .',
      '1.1.1 .',
      '1.1.1.1 .',
      '2147483648.2.3.4',
      '1.2147483648.3.4',
      '1.2.2147483648.4',
      '1.2.3.2147483648',
      '..1.2',
      '-1.2.3.4',
      '1.-2.3.4',
      '1.2.-3.4',
      '1.2.3.-4',
      '   1 9',
      '   19.   1 9',
      '   19.   19.   1 9',
      '   19.   19.   19.   1 9',
      '1 9   ',
      '19   .1 9   ',
      '19   .19   .1 9   ',
      '19   .19   .19   .1 9   ',
      '   1 9   ',
      '   19   .   1 9   ',
      '   19   .   19   .   1 9   ',
      '   19   .   19   .   19   .   1 9   ',
    ];
    for (const v of invalid) {
      assert.equal(nuget.valid(v), false, JSON.stringify(v));
      assert.equal(nuget.compare(v, '0.0.0-0'), -1, JSON.stringify(v));
    }
    // Spaces around the parts are allowed (TryGetNormalizedVersion), as long as no digits are split.
    checkCases(nuget, [
      [' 19 . 19 ', '=', '19.19'],
      ['1.0 -beta', '=', '1.0.0-beta'],
    ]);
  });
});
