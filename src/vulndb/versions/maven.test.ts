/**
 * Maven version comparison: the cases of maven-artifact's ComparableVersionTest (Maven 3.9.x, which carries the
 * same rules as the 3.8.7 of Debian), then a differential test against the real ComparableVersion: the
 * maven-artifact jar of Debian's libmaven3-core-java, whose main() prints "a OP b" for adjacent arguments.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agree, allEqual, ascending, checkCases, pairsFrom, prng, requireTool, runTool, type Case, type Rng } from '../../../test/support/version-oracles.js';
import { canonicalMavenVersion, maven } from './maven.js';

const VERSIONS_QUALIFIER = [
  '1-alpha2snapshot',
  '1-alpha2',
  '1-alpha-123',
  '1-beta-2',
  '1-beta123',
  '1-m2',
  '1-m11',
  '1-rc',
  '1-cr2',
  '1-rc123',
  '1-SNAPSHOT',
  '1',
  '1-sp',
  '1-sp2',
  '1-sp123',
  '1-abc',
  '1-def',
  '1-pom-1',
  '1-1-snapshot',
  '1-1',
  '1-2',
  '1-123',
];

const VERSIONS_NUMBER = ['2.0', '2.0.a', '2-1', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1', '2.2', '2.123', '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m'];

// testVersionsEqual.
const EQUAL: [string, string][] = [
  ['1', '1'],
  ['1', '1.0'],
  ['1', '1.0.0'],
  ['1.0', '1.0.0'],
  ['1', '1-0'],
  ['1', '1.0-0'],
  ['1.0', '1.0-0'],
  ['1a', '1-a'],
  ['1a', '1.0-a'],
  ['1a', '1.0.0-a'],
  ['1.0a', '1-a'],
  ['1.0.0a', '1-a'],
  ['1x', '1-x'],
  ['1x', '1.0-x'],
  ['1x', '1.0.0-x'],
  ['1.0x', '1-x'],
  ['1.0.0x', '1-x'],
  ['1ga', '1'],
  ['1release', '1'],
  ['1final', '1'],
  ['1cr', '1rc'],
  ['1a1', '1-alpha-1'],
  ['1b2', '1-beta-2'],
  ['1m3', '1-milestone-3'],
  ['1X', '1x'],
  ['1A', '1a'],
  ['1B', '1b'],
  ['1M', '1m'],
  ['1Ga', '1'],
  ['1GA', '1'],
  ['1RELEASE', '1'],
  ['1release', '1'],
  ['1RELeaSE', '1'],
  ['1Final', '1'],
  ['1FinaL', '1'],
  ['1FINAL', '1'],
  ['1Cr', '1Rc'],
  ['1cR', '1rC'],
  ['1m3', '1Milestone3'],
  ['1m3', '1MileStone3'],
  ['1m3', '1MILESTONE3'],
  ['1-abcdefghijklmnopqrstuvwxyz', '1-ABCDEFGHIJKLMNOPQRSTUVWXYZ'], // testLocaleIndependent
];

// testVersionComparing, testMng5568, testMng6572, testMng6964.
const ORDERED: [string, string][] = [
  ['1', '2'],
  ['1.5', '2'],
  ['1', '2.5'],
  ['1.0', '1.1'],
  ['1.1', '1.2'],
  ['1.0.0', '1.1'],
  ['1.0.1', '1.1'],
  ['1.1', '1.2.0'],
  ['1.0-alpha-1', '1.0'],
  ['1.0-alpha-1', '1.0-alpha-2'],
  ['1.0-alpha-1', '1.0-beta-1'],
  ['1.0-beta-1', '1.0-SNAPSHOT'],
  ['1.0-SNAPSHOT', '1.0'],
  ['1.0-alpha-1-SNAPSHOT', '1.0-alpha-1'],
  ['1.0', '1.0-1'],
  ['1.0-1', '1.0-2'],
  ['1.0.0', '1.0-1'],
  ['2.0-1', '2.0.1'],
  ['2.0.1-klm', '2.0.1-lmn'],
  ['2.0.1', '2.0.1-xyz'],
  ['2.0.1', '2.0.1-123'],
  ['2.0.1-xyz', '2.0.1-123'],
  ['6.1.0rc3', '6.1.0'],
  ['6.1.0rc3', '6.1H.5-beta'],
  ['6.1.0', '6.1H.5-beta'],
  ['20190126.230843', '1234567890.12345'],
  ['1234567890.12345', '123456789012345.1H.5-beta'],
  ['20190126.230843', '123456789012345.1H.5-beta'],
  ['123456789012345.1H.5-beta', '12345678901234567890.1H.5-beta'],
  ['1234567890.12345', '12345678901234567890.1H.5-beta'],
  ['20190126.230843', '12345678901234567890.1H.5-beta'],
  ['1-0.alpha', '1'],
  ['1-0.beta', '1'],
  ['1-0.alpha', '1-0.beta'],
];

// testMng7644: 1.0.0.X1 < 1.0.0-X2, and 2.0.X == 2-X == 2.0.0.X for any string X.
const MNG_7644: Case[] = ['abc', 'alpha', 'a', 'beta', 'b', 'def', 'milestone', 'm', 'RC'].flatMap((x): Case[] => [
  [`1.0.0.${x}1`, '<', `1.0.0-${x}2`],
  [`2-${x}`, '=', `2.0.${x}`],
  [`2-${x}`, '=', `2.0.0.${x}`],
  [`2.0.${x}`, '=', `2.0.0.${x}`],
]);

// testVersionEqualWithLeadingZeroes / testVersionZeroEqualWithLeadingZeroes: lengths 1 to 19.
const LEADING_ONES = Array.from({ length: 19 }, (_, i) => `${'0'.repeat(i)}1`);
const LEADING_ZEROS = Array.from({ length: 19 }, (_, i) => '0'.repeat(i + 1));

const TABLE: Case[] = [
  ...ascending(VERSIONS_QUALIFIER),
  ...ascending(VERSIONS_NUMBER),
  ...EQUAL.map(([a, b]): Case => [a, '=', b]),
  ...ORDERED.map(([a, b]): Case => [a, '<', b]),
  ...MNG_7644,
  ...allEqual(LEADING_ONES),
  ...allEqual(LEADING_ZEROS),
];

describe('maven: ComparableVersionTest', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(maven, TABLE));

  test('canonical forms are stable (newComparable of the upstream test)', () => {
    for (const v of TABLE.flatMap(([a, , b]) => [a, b])) {
      const c = canonicalMavenVersion(v);
      assert.equal(canonicalMavenVersion(c), c, v);
    }
    // Printed by the jar's main(): "1.0.0.RC1 -> 1-rc-1", "2.0.abc -> 2-abc", "1.0-SNAPSHOT -> 1-snapshot".
    assert.equal(canonicalMavenVersion('1.0.0.RC1'), '1-rc-1');
    assert.equal(canonicalMavenVersion('2.0.abc'), '2-abc');
    assert.equal(canonicalMavenVersion('1.0-SNAPSHOT'), '1-snapshot');
  });

  test('every string is ordered; valid() rejects only empty and whitespace', () => {
    checkCases(maven, [
      ['', '<', '1'],
      ['', '=', '0'],
      ['junk', '<', '0.1'],
    ]);
    assert.equal(maven.valid(''), false);
    assert.equal(maven.valid('1.0 beta'), false);
    assert.equal(maven.valid('1.0.0.Final'), true);
  });
});

function randomMavenVersion(rng: Rng): string {
  const token = (): string =>
    rng.pick([
      () => String(rng.int(0, 20)),
      () => String(rng.int(0, 2)).padStart(rng.int(1, 3), '0'),
      () => rng.pick(['alpha', 'a', 'beta', 'b', 'milestone', 'm', 'rc', 'cr', 'snapshot', 'SNAPSHOT', 'ga', 'final', 'Final', 'release', 'RELEASE', 'sp', 'GA', 'RC', 'jre', 'android', 'x', 'abc', 'M']),
      () => rng.pick(['1234567890', '12345678901234567890', '0000000000', '٣', 'é']),
    ])();
  let v = token();
  for (let n = rng.int(0, 5); n > 0; n--) v += rng.pick(['.', '.', '-', '', '.', '-']) + token();
  if (rng.chance(0.05)) v = rng.pick(['.', '-', '..']) + v;
  if (rng.chance(0.05)) v += rng.pick(['.', '-']);
  return v;
}

/** Runs the jar's main() on `args` and returns the results of the adjacent comparisons it prints. */
function javaCompare(jar: string, args: string[]): number[] {
  const out = runTool('java', ['-cp', jar, 'org.apache.maven.artifact.versioning.ComparableVersion', ...args], undefined, { LC_ALL: 'C.UTF-8' });
  const lines = out.split('\n').filter((l) => l.startsWith('   '));
  assert.equal(lines.length, args.length - 1, 'one comparison line per adjacent pair');
  return lines.map((line, i) => {
    const prefix = `   ${args[i]} `;
    assert.ok(line.startsWith(prefix) && line.endsWith(` ${args[i + 1]}`), `unexpected line ${JSON.stringify(line)}`);
    const op = line.slice(prefix.length, line.length - args[i + 1]!.length - 1);
    assert.ok(op === '<' || op === '==' || op === '>', `unexpected operator in ${JSON.stringify(line)}`);
    return op === '<' ? -1 : op === '>' ? 1 : 0;
  });
}

describe('maven: differential against maven-artifact ComparableVersion', () => {
  test('table values and seeded random versions agree with the jar', () => {
    const jar = '/usr/share/maven/lib/maven-artifact-3.x.jar';
    requireTool('java', 'default-jre-headless');
    requireTool(jar, 'libmaven3-core-java', 'the maven-artifact jar');
    const rng = prng(0x3a7e);
    const tableValues = TABLE.flatMap(([a, , b]) => [a, b]);
    const pool = [...new Set([...tableValues, ...Array.from({ length: 1500 }, () => randomMavenVersion(rng))])].filter((v) => v !== '' && !/\s/.test(v));
    // main() compares adjacent arguments: a1 b1 a2 b2 ... checks every pair and, between them, b1 with a2.
    const pairs = pairsFrom(pool, rng, 6000);
    const args = pairs.flat();
    const results = javaCompare(jar, args);
    const adjacent = args.slice(1).map((b, i): [string, string] => [args[i]!, b]);
    agree(maven, adjacent, results, 'ComparableVersion');
  });
});
