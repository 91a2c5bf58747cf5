/**
 * RubyGems version comparison: the cases of rubygems' test/rubygems/test_gem_version.rb, then a differential test
 * against Ruby's own Gem::Version (Debian package ruby: `ruby -e`), on the table values and seeded random versions,
 * for both the order (`<=>`) and validity (`Gem::Version.correct?`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agree, checkCases, pairsFrom, prng, requireTool, runTool, type Case, type Rng } from '../../../test/support/version-oracles.js';
import { gem, parseGemVersion } from './gem.js';

const TABLE: Case[] = [
  // test_spaceship
  ['1.0', '=', '1.0.0'],
  ['1.0', '>', '1.0.a'],
  ['1.8.2', '>', '0.0.0'],
  ['1.8.2', '>', '1.8.2.a'],
  ['1.8.2.b', '>', '1.8.2.a'],
  ['1.8.2.a', '<', '1.8.2'],
  ['1.8.2.a10', '>', '1.8.2.a9'],
  ['', '=', '0'],
  ['0.beta.1', '=', '0.0.beta.1'],
  ['0.0.beta', '<', '0.0.beta.1'],
  ['0.0.beta', '<', '0.beta.1'],
  ['5.a', '<', '5.0.0.rc2'],
  ['5.x', '>', '5.0.0.rc2'],
  ['1.9.3', '=', '1.9.3'],
  ['1.9.3', '>', '1.9.2.99'],
  ['1.9.3', '<', '1.9.3.1'],
  // test_semver
  ['1.0.0-alpha', '<', '1.0.0-alpha.1'],
  ['1.0.0-alpha.1', '<', '1.0.0-beta.2'],
  ['1.0.0-beta.2', '<', '1.0.0-beta.11'],
  ['1.0.0-beta.11', '<', '1.0.0-rc.1'],
  ['1.0.0-rc1', '<', '1.0.0'],
  ['1.0.0-1', '<', '1'],
  // test_eql_eh / test_equals2 / test_hash / test_segments
  ['1.2', '=', '1.2'],
  ['1.2', '<', '1.3'],
  ['1.2.b1', '=', '1.2.b.1'],
  ['1.2', '=', '1.2.0'],
  ['1.2.pre.1', '=', '1.2.0.pre.1.0'],
  ['9.8.8', '>', '9.8.7'],
  // test_initialize / test_empty_version
  ['1.0', '=', '1.0 '],
  ['1.0', '=', ' 1.0 '],
  ['1.0', '=', '1.0\n'],
  ['1.0', '=', '\n1.0\n'],
  ['0', '=', '   '],
  ['0', '=', ' '],
  // test_release / test_frozen_version: a version sorts after its prereleases and before the bump
  ['1.2.0.a', '<', '1.2.0'],
  ['1.1.rc10', '<', '1.1'],
  ['1.9.3.alpha.5', '<', '1.9.3'],
  ['5.2.4', '<', '5.3'],
  ['5.2.4.a10', '<', '5.3'],
  ['5.0.0', '<', '5.1'],
  ['1.a', '<', '1'],
];

describe('gem: test_gem_version.rb', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(gem, TABLE));

  test('canonical segments (test_canonical_segments)', () => {
    assert.deepEqual(parseGemVersion('1.0.0')!.canonical, [1n]);
    assert.deepEqual(parseGemVersion('1.0.0.a.1.0')!.canonical, [1n, 'a', 1n]);
    assert.deepEqual(parseGemVersion('1.2.3-1')!.canonical, [1n, 2n, 3n, 'pre', 1n]);
  });

  test('malformed versions (test_initialize_invalid, test_class_correct) sort first', () => {
    const invalid = ['junk', '1.0\n2.0', '1..2', '1.2 3.4', '2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.', 'an incorrect version'];
    for (const v of invalid) {
      assert.equal(gem.valid(v), false, v);
      assert.equal(gem.compare(v, '0'), -1, v);
    }
    for (const v of ['5.1', '1.0', '', '1-1', '1-a', '1.A', '22.1.50.0.d']) assert.equal(gem.valid(v), true, v);
  });
});

function randomGemVersion(rng: Rng): string {
  if (rng.chance(0.05)) return rng.pick(['junk', '1..2', '1.2 3.4', '.1', '1.', '-1', '1.0-', 'v1.0', '1_0', '1.0.a_1']);
  const seg = (): string => rng.pick([() => String(rng.int(0, 12)), () => '0', () => rng.pick(['a', 'b', 'rc', 'pre', 'beta', 'A', 'x', 'dev', 'alpha']) + (rng.chance(0.5) ? String(rng.int(0, 11)) : '')])();
  let v = String(rng.int(0, 5));
  for (let n = rng.int(0, 5); n > 0; n--) v += '.' + seg();
  if (rng.chance(0.15)) v += '-' + [seg(), ...(rng.chance(0.3) ? [seg()] : [])].join('.');
  if (rng.chance(0.05)) v = rng.pick([' ', '\n', '\t']) + v + rng.pick(['', ' ', '\n']);
  if (rng.chance(0.05)) {
    // Damage it: most of these are malformed.
    const at = rng.int(0, v.length);
    v = v.slice(0, at) + rng.pick(['..', '_', ' ', '+', '-', '.', 'é', '~']) + v.slice(at);
  }
  return v;
}

const ORACLE = `
require 'json'
values, pairs = JSON.parse($stdin.read)
correct = values.map { |v| Gem::Version.correct?(v) ? true : false }
order = pairs.map { |a, b| Gem::Version.new(a) <=> Gem::Version.new(b) }
puts JSON.generate([correct, order])
`;

describe('gem: differential against Gem::Version', () => {
  test('table values and seeded random versions agree with Ruby', () => {
    requireTool('ruby', 'ruby');
    const rng = prng(0x9e3);
    const tableValues = TABLE.flatMap(([a, , b]) => [a, b]);
    const pool = [...new Set([...tableValues, ...Array.from({ length: 1500 }, () => randomGemVersion(rng))])];
    // Gem::Version.new raises on malformed versions: only valid ones are compared (validity is checked on all).
    const validPool = pool.filter((v) => gem.valid(v));
    const pairs = pairsFrom(validPool, rng, 15000);
    const [correct, order] = JSON.parse(runTool('ruby', ['-e', ORACLE], JSON.stringify([pool, pairs]))) as [boolean[], number[]];
    const validity = pool.flatMap((v, i) => (gem.valid(v) === correct[i] ? [] : [`${JSON.stringify(v)}: Gem::Version.correct? = ${correct[i]}`]));
    assert.deepEqual(validity, [], 'valid() disagrees with Gem::Version.correct?');
    assert.ok(pool.length - validPool.length > 50, 'the pool has malformed versions');
    agree(gem, pairs, order, 'Gem::Version#<=>');
  });
});
