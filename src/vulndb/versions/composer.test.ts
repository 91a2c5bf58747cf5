/**
 * Composer version comparison: the cases of composer/semver's own tests (tests/VersionParserTest.php normalisation
 * lists, tests/ComparatorTest.php, tests/SemverTest.php sortProvider), then a differential test against the real
 * composer/semver and PHP's version_compare (Debian packages php-cli and php-composer-semver): normalize() on every
 * pool value and Semver::sort's comparison on pairs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agree, checkCases, pairsFrom, prng, requireTool, runTool, type Case, type Rng } from '../../../test/support/version-oracles.js';
import { composer, normalizeComposerBranch, normalizeComposerVersion, phpVersionCompare } from './composer.js';

// VersionParserTest::successfulNormalizedVersions.
const NORMALIZED: [string, string][] = [
  ['1.0.0', '1.0.0.0'],
  ['1.2.3.4', '1.2.3.4'],
  ['1.0.0RC1dev', '1.0.0.0-RC1-dev'],
  ['1.0.0-rC15-dev', '1.0.0.0-RC15-dev'],
  ['1.0.0.RC.15-dev', '1.0.0.0-RC15-dev'],
  ['1.0.0-rc1', '1.0.0.0-RC1'],
  ['1.0.0.pl3-dev', '1.0.0.0-patch3-dev'],
  ['1.0-dev', '1.0.0.0-dev'],
  ['0', '0.0.0.0'],
  ['99999', '99999.0.0.0'],
  ['10.4.13-beta', '10.4.13.0-beta'],
  ['10.4.13beta2', '10.4.13.0-beta2'],
  ['10.4.13beta.2', '10.4.13.0-beta2'],
  ['v1.13.11-beta.0', '1.13.11.0-beta0'],
  ['1.13.11.0-beta0', '1.13.11.0-beta0'],
  ['10.4.13-b', '10.4.13.0-beta'],
  ['10.4.13-b5', '10.4.13.0-beta5'],
  ['v1.0.0', '1.0.0.0'],
  ['2010.01', '2010.01.0.0'],
  ['2010.01.02', '2010.01.02.0'],
  ['2010.1.555', '2010.1.555.0'],
  ['2010.10.200', '2010.10.200.0'],
  ['20230131.0.0', '20230131.0.0'],
  ['202301310000.0.0', '202301310000.0.0'],
  ['v20100102', '20100102'],
  ['20100102', '20100102'],
  ['20100102.0', '20100102.0'],
  ['20100102.1.0', '20100102.1.0'],
  ['20100102.0.3', '20100102.0.3'],
  ['100000', '100000'],
  ['2010-01-02-10-20-30.0.3', '2010.01.02.10.20.30.0.3'],
  ['2010-01-02-10-20-30.5', '2010.01.02.10.20.30.5'],
  ['2010-01-02', '2010.01.02'],
  ['2012.06.07', '2012.06.07.0'],
  ['2010-01-02.5', '2010.01.02.5'],
  ['20100102-203040', '20100102.203040'],
  ['20100102.x-dev', '20100102.9999999.9999999.9999999-dev'],
  ['20100102.203040.x-dev', '20100102.203040.9999999.9999999-dev'],
  ['20100102203040-10', '20100102203040.10'],
  ['20100102-203040-p1', '20100102.203040-patch1'],
  ['201903.0', '201903.0'],
  ['201903.x-dev', '201903.9999999.9999999.9999999-dev'],
  ['201903.0-p2', '201903.0-patch2'],
  ['dev-master', 'dev-master'],
  ['master', 'dev-master'],
  ['dev-trunk', 'dev-trunk'],
  ['1.x-dev', '1.9999999.9999999.9999999-dev'],
  ['dev-feature-foo', 'dev-feature-foo'],
  ['DEV-FOOBAR', 'dev-FOOBAR'],
  ['dev-feature/foo', 'dev-feature/foo'],
  ['dev-feature+issue-1', 'dev-feature+issue-1'],
  ['dev-master as 1.0.0', 'dev-master'],
  ['dev-load-varnish-only-when-used as ^2.0', 'dev-load-varnish-only-when-used'],
  ['dev-load-varnish-only-when-used@dev as ^2.0@dev', 'dev-load-varnish-only-when-used'],
  ['1.0.0+foo@dev', '1.0.0.0'],
  ['dev-load-varnish-only-when-used@stable', 'dev-load-varnish-only-when-used'],
  ['1.0.0-beta.5+foo', '1.0.0.0-beta5'],
  ['1.0.0+foo', '1.0.0.0'],
  ['1.0.0-alpha.3.1+foo', '1.0.0.0-alpha3.1'],
  ['1.0.0-alpha2.1+foo', '1.0.0.0-alpha2.1'],
  ['1.0.0-alpha-2.1-3+foo', '1.0.0.0-alpha2.1-3'],
  ['1.0.0+foo as 2.0', '1.0.0.0'],
  ['00.01.03.04', '00.01.03.04'],
  ['000.001.003.004', '000.001.003.004'],
  ['0.000.103.204', '0.000.103.204'],
  ['0700', '0700.0.0.0'],
  ['041.x-dev', '041.9999999.9999999.9999999-dev'],
  ['dev-041.003', 'dev-041.003'],
  ['dev-1.0.0-dev<1.0.5-dev', 'dev-1.0.0-dev<1.0.5-dev'],
  ['dev-foo bar', 'dev-foo bar'],
  [' 1.0.0', '1.0.0.0'],
  ['1.0.0 ', '1.0.0.0'],
];

// VersionParserTest::failingNormalizedVersions.
const FAILING = [
  '',
  'a',
  '1.0.0-meh',
  '1.0.0.0.0',
  'feature-foo',
  '1.0.0+foo bar',
  '1.0.1-SNAPSHOT',
  '1.0.0<1.0.5-dev',
  '1.0.0-dev<1.0.5-dev',
  'foo bar-dev',
  '1.0 .2',
  ' as ',
  ' as 1.2',
  '^',
  '^8 || ^',
  '~',
  '~1 ~',
  '~1',
  '^1',
  '1.*',
  '20100102.0.3.4',
  '100000.0.0.0',
  '2023013.0.0',
  '202301311.0.0',
  '20230131000.0.0',
  '2023013100000.0.0',
  // The alias (or aliased) halves of failingNormalizedVersionsWithBadAlias(ee), normalised alone as the test does.
  '^2.0',
  '~2.0',
  '>2.0',
  '<2.0',
  '<2.0@dev',
];

// VersionParserTest::successfulNormalizedBranches.
const BRANCHES: [string, string][] = [
  ['v1.x', '1.9999999.9999999.9999999-dev'],
  ['v1.*', '1.9999999.9999999.9999999-dev'],
  ['v1.0', '1.0.9999999.9999999-dev'],
  ['2.0', '2.0.9999999.9999999-dev'],
  ['v1.0.x', '1.0.9999999.9999999-dev'],
  ['v1.0.3.*', '1.0.3.9999999-dev'],
  ['v2.4.0', '2.4.0.9999999-dev'],
  ['2.4.4', '2.4.4.9999999-dev'],
  ['master', 'dev-master'],
  ['trunk', 'dev-trunk'],
  ['feature-a', 'dev-feature-a'],
  ['FOOBAR', 'dev-FOOBAR'],
  ['feature+issue-1', 'dev-feature+issue-1'],
];

// ComparatorTest (greaterThan, lessThan, equalTo, compare providers), through normalisation.
const COMPARATOR: Case[] = [
  ['1.25.0', '>', '1.24.0'],
  ['1.25.0', '=', '1.25.0'],
  ['1.25.0', '<', '1.26.0'],
  ['1.26.0', '>', 'dev-foo'],
  ['1.0.0', '<', '1.2-dev'],
  ['dev-foo', '<', '1.26.0'],
  ['1.25.0-beta2.1', '<', '1.25.0-b.3'],
  ['1.25.0-b2.1', '<', '1.25.0beta.3'],
  ['1.25.0-b-2.1', '<', '1.25.0-rc'],
  ['1.25.0-beta2.1', '=', '1.25.0-b.2.1'],
  ['1.25.0beta2.1', '=', '1.25.0-b2.1'],
];

// SemverTest::sortProvider: [input, ascending].
const SORTS: [string[], string[]][] = [
  [
    ['1.0', '0.1', '0.1', '3.2.1', '2.4.0-alpha', '2.4.0'],
    ['0.1', '0.1', '1.0', '2.4.0-alpha', '2.4.0', '3.2.1'],
  ],
  [
    ['dev-foo', 'dev-master', '1.0', '50.2'],
    ['dev-foo', '1.0', '50.2', 'dev-master'],
  ],
];

// The stability order of version_compare() on normalised versions.
const STABILITY: Case[] = [
  ['1.0.0-dev', '<', '1.0.0-alpha1'],
  ['1.0.0-alpha1', '<', '1.0.0-beta1'],
  ['1.0.0-beta1', '<', '1.0.0-RC1'],
  ['1.0.0-RC1', '<', '1.0.0'],
  ['1.0.0', '<', '1.0.0-p1'],
  ['1.0.0-patch1', '<', '1.0.1'],
  ['1.0.0-beta1-dev', '<', '1.0.0-beta1'],
  ['v2.0.0', '=', '2.0'],
  ['2.0.0.0', '=', '2'],
];

const TABLE: Case[] = [...COMPARATOR, ...STABILITY];

describe('composer: composer/semver tests', () => {
  test('normalize(): successfulNormalizedVersions', () => {
    for (const [v, n] of NORMALIZED) assert.equal(normalizeComposerVersion(v), n, v);
  });

  test('normalize(): failingNormalizedVersions are invalid and sort first', () => {
    for (const v of FAILING) {
      assert.equal(normalizeComposerVersion(v), undefined, v);
      assert.equal(composer.valid(v), false, v);
      assert.equal(composer.compare(v, 'dev-foo'), -1, v);
    }
  });

  test('normalizeBranch(): successfulNormalizedBranches', () => {
    for (const [v, n] of BRANCHES) assert.equal(normalizeComposerBranch(v), n, v);
  });

  test(`${TABLE.length} comparisons`, () => checkCases(composer, TABLE));

  test('Semver::sort order (sortProvider)', () => {
    for (const [input, expected] of SORTS) assert.deepEqual([...input].sort((a, b) => composer.compare(a, b)), expected);
  });

  test('two different dev- branches, incomparable in Composer, get a total order', () => {
    assert.notEqual(composer.compare('dev-foo', 'dev-bar'), 0);
    assert.equal(composer.compare('dev-foo', 'dev-bar'), -composer.compare('dev-bar', 'dev-foo'));
    assert.equal(composer.compare('dev-foo', 'dev-foo'), 0);
  });

  test("version_compare() itself (PHP's documented examples)", () => {
    const cases: [string, string, number][] = [
      ['5.2', '5.2.0', -1],
      ['1.0rc1', '1.0', -1],
      ['1.0', '1.0.0', -1],
      ['1.0pl1', '1.0', 1],
      ['1.0-dev', '1.0a1', -1],
      ['1.0a1', '1.0b1', -1],
      ['1.0b1', '1.0RC1', -1],
      ['1.0RC1', '1.0rc1', 0],
      ['1.0', '1.0-p1', -1],
      ['', '1', -1],
      ['', '', 0],
    ];
    for (const [a, b, r] of cases) assert.equal(phpVersionCompare(a, b), r, `${a} vs ${b}`);
  });
});

function randomComposerVersion(rng: Rng): string {
  if (rng.chance(0.08)) return rng.pick(['dev-master', 'master', 'dev-foo', 'dev-1.x', 'feature-foo', '1.x-dev', '2.1.x-dev', 'v3.x-dev', 'dev-trunk', 'trunk', 'junk', '1.0.0-SNAPSHOT', '^1.0', '1.0.0 as 2.0.0', '1.0.0@beta', '']);
  const n = (): string => String(rng.pick([0, 0, 1, 2, 3, 9, 10, 25, 100]));
  let v = rng.chance(0.15) ? 'v' : '';
  if (rng.chance(0.08)) v += `20${rng.int(10, 24)}${rng.pick(['', '-', '.'])}0${rng.int(1, 9)}${rng.chance(0.5) ? `${rng.pick(['', '-', '.'])}1${rng.int(0, 9)}` : ''}`;
  else v += Array.from({ length: rng.int(1, 4) }, n).join('.');
  if (rng.chance(0.4)) {
    v += rng.pick(['-', '.', '_', '']);
    v += rng.pick(['alpha', 'beta', 'b', 'a', 'RC', 'rc', 'patch', 'pl', 'p', 'stable', 'Alpha', 'BETA']);
    if (rng.chance(0.6)) v += rng.pick(['', '.', '-']) + String(rng.int(0, 12)) + (rng.chance(0.2) ? `.${rng.int(0, 3)}` : '');
  }
  if (rng.chance(0.15)) v += rng.pick(['-dev', '.dev', 'dev', '-DEV']);
  if (rng.chance(0.1)) v += rng.pick(['+build.1', '+foo', '@dev', '@stable']);
  return v;
}

const ORACLE = `
require 'Composer/Semver/autoload.php';
use Composer\\Semver\\VersionParser;
use Composer\\Semver\\Comparator;
[$values, $pairs] = json_decode(stream_get_contents(STDIN), true);
$parser = new VersionParser();
$norm = function ($v) use ($parser) {
    try { return $parser->normalize($v); } catch (\\UnexpectedValueException $e) { return null; }
};
$normalized = array_map($norm, $values);
$order = array();
foreach ($pairs as [$a, $b]) {
    // Semver::sort(): normalize, normalizeDefaultBranch, then Comparator::lessThan.
    $x = $parser->normalizeDefaultBranch($parser->normalize($a));
    $y = $parser->normalizeDefaultBranch($parser->normalize($b));
    $order[] = $x === $y ? 0 : (Comparator::lessThan($x, $y) ? -1 : (Comparator::lessThan($y, $x) ? 1 : null));
}
echo json_encode(array($normalized, $order));
`;

// composer/semver 3.3.2 (Debian 12) reads date versions with one trailing part at most; 3.4 (implemented here)
// with two, so that CalVer majors like 20230131.0.0 parse. Versions only 3.4 accepts are left out of the comparison
// with Debian's copy.
const DATE_33 = /^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?$/i;
const DATE_34 = /^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?$/i;
const onlyIn34 = (v: string): boolean => {
  const s = v.trim().replace(/\+.*$/, '').replace(/@\w+$/, '');
  return DATE_34.test(s) && !DATE_33.test(s);
};

describe('composer: differential against composer/semver and PHP version_compare', () => {
  test('normalize() and Semver::sort order agree with PHP on table values and seeded random versions', () => {
    requireTool('php', 'php-cli');
    requireTool('/usr/share/php/Composer/Semver/autoload.php', 'php-composer-semver', 'composer/semver');
    const rng = prng(0xc0);
    const tableValues = [...TABLE.flatMap(([a, , b]) => [a, b]), ...NORMALIZED.flat(), ...FAILING, ...SORTS.flat(2)];
    const pool = [...new Set([...tableValues, ...Array.from({ length: 1500 }, () => randomComposerVersion(rng))])].filter((v) => !onlyIn34(v));
    const validPool = pool.filter((v) => composer.valid(v));
    const pairs = pairsFrom(validPool, rng, 15000);
    const [normalized, order] = JSON.parse(runTool('php', ['-d', 'display_errors=stderr', '-r', ORACLE], JSON.stringify([pool, pairs]))) as [(string | null)[], (number | null)[]];
    const normFailures = pool.flatMap((v, i) => ((normalizeComposerVersion(v) ?? null) === normalized[i] ? [] : [`${JSON.stringify(v)}: composer says ${JSON.stringify(normalized[i])}, we say ${JSON.stringify(normalizeComposerVersion(v))}`]));
    assert.deepEqual(normFailures.slice(0, 30), [], `${normFailures.length} normalisations disagree`);
    assert.ok(pool.length - validPool.length > 20, 'the pool has invalid versions');
    // Composer finds two different dev- branches incomparable (null): those pairs are left out.
    const comparable = pairs.flatMap((p, i) => (order[i] === null ? [] : [[p, order[i]!] as const]));
    assert.ok(comparable.length > pairs.length * 0.9, `only ${comparable.length} comparable pairs`);
    agree(
      composer,
      comparable.map(([p]) => p),
      comparable.map(([, r]) => r),
      'composer/semver',
    );
  });
});
