/**
 * PEP 440 comparison: the cases of packaging's own test suite (tests/test_version.py of packaging 23.0, and the
 * LegacyVersion cases of packaging 21.3), then differential tests against Debian's packaging
 * (/usr/bin/python3 + python3-packaging 23: `packaging.version.Version`) for valid versions and against the
 * packaging 21.3 that Debian's pip vendors (python3-pip: `pip._vendor.packaging.version.parse`, whose
 * LegacyVersion is our fallback) for everything, on the table values and seeded random versions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agree, allEqual, ascending, checkCases, pairsFrom, prng, requireTool, runTool, type Case, type Rng } from '../../../test/support/version-oracles.js';
import { normalizePypiVersion, pypi } from './pypi.js';

// tests/test_version.py VERSIONS: "This list must be in the correct sorting order".
const VERSIONS = [
  '1.0.dev456',
  '1.0a1',
  '1.0a2.dev456',
  '1.0a12.dev456',
  '1.0a12',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0b2-346',
  '1.0c1.dev456',
  '1.0c1',
  '1.0rc2',
  '1.0c3',
  '1.0',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.1.dev1',
  '1.2+123abc',
  '1.2+123abc456',
  '1.2+abc',
  '1.2+abc123',
  '1.2+abc123def',
  '1.2+1234.abc',
  '1.2+123456',
  '1.2.r32+123456',
  '1.2.rev33+123456',
  '1!1.0.dev456',
  '1!1.0a1',
  '1!1.0a2.dev456',
  '1!1.0a12.dev456',
  '1!1.0a12',
  '1!1.0b1.dev456',
  '1!1.0b2',
  '1!1.0b2.post345.dev456',
  '1!1.0b2.post345',
  '1!1.0b2-346',
  '1!1.0c1.dev456',
  '1!1.0c1',
  '1!1.0rc2',
  '1!1.0c3',
  '1!1.0',
  '1!1.0.post456.dev34',
  '1!1.0.post456',
  '1!1.1.dev1',
  '1!1.2+123abc',
  '1!1.2+123abc456',
  '1!1.2+abc',
  '1!1.2+abc123',
  '1!1.2+abc123def',
  '1!1.2+1234.abc',
  '1!1.2+123456',
  '1!1.2.r32+123456',
  '1!1.2.rev33+123456',
];

// test_normalized_versions: (version, str(Version(version))).
const NORMALIZED: [string, string][] = [
  ['1.0dev', '1.0.dev0'],
  ['1.0.dev', '1.0.dev0'],
  ['1.0dev1', '1.0.dev1'],
  ['1.0-dev', '1.0.dev0'],
  ['1.0-dev1', '1.0.dev1'],
  ['1.0DEV', '1.0.dev0'],
  ['1.0.DEV', '1.0.dev0'],
  ['1.0DEV1', '1.0.dev1'],
  ['1.0.DEV1', '1.0.dev1'],
  ['1.0-DEV', '1.0.dev0'],
  ['1.0-DEV1', '1.0.dev1'],
  ['1.0a', '1.0a0'],
  ['1.0.a', '1.0a0'],
  ['1.0.a1', '1.0a1'],
  ['1.0-a', '1.0a0'],
  ['1.0-a1', '1.0a1'],
  ['1.0alpha', '1.0a0'],
  ['1.0.alpha', '1.0a0'],
  ['1.0.alpha1', '1.0a1'],
  ['1.0-alpha', '1.0a0'],
  ['1.0-alpha1', '1.0a1'],
  ['1.0A', '1.0a0'],
  ['1.0.A', '1.0a0'],
  ['1.0.A1', '1.0a1'],
  ['1.0-A', '1.0a0'],
  ['1.0-A1', '1.0a1'],
  ['1.0ALPHA', '1.0a0'],
  ['1.0.ALPHA', '1.0a0'],
  ['1.0.ALPHA1', '1.0a1'],
  ['1.0-ALPHA', '1.0a0'],
  ['1.0-ALPHA1', '1.0a1'],
  ['1.0b', '1.0b0'],
  ['1.0.b', '1.0b0'],
  ['1.0.b1', '1.0b1'],
  ['1.0-b', '1.0b0'],
  ['1.0-b1', '1.0b1'],
  ['1.0beta', '1.0b0'],
  ['1.0.beta', '1.0b0'],
  ['1.0.beta1', '1.0b1'],
  ['1.0-beta', '1.0b0'],
  ['1.0-beta1', '1.0b1'],
  ['1.0B', '1.0b0'],
  ['1.0.B', '1.0b0'],
  ['1.0.B1', '1.0b1'],
  ['1.0-B', '1.0b0'],
  ['1.0-B1', '1.0b1'],
  ['1.0BETA', '1.0b0'],
  ['1.0.BETA', '1.0b0'],
  ['1.0.BETA1', '1.0b1'],
  ['1.0-BETA', '1.0b0'],
  ['1.0-BETA1', '1.0b1'],
  ['1.0c', '1.0rc0'],
  ['1.0.c', '1.0rc0'],
  ['1.0.c1', '1.0rc1'],
  ['1.0-c', '1.0rc0'],
  ['1.0-c1', '1.0rc1'],
  ['1.0rc', '1.0rc0'],
  ['1.0.rc', '1.0rc0'],
  ['1.0.rc1', '1.0rc1'],
  ['1.0-rc', '1.0rc0'],
  ['1.0-rc1', '1.0rc1'],
  ['1.0C', '1.0rc0'],
  ['1.0.C', '1.0rc0'],
  ['1.0.C1', '1.0rc1'],
  ['1.0-C', '1.0rc0'],
  ['1.0-C1', '1.0rc1'],
  ['1.0RC', '1.0rc0'],
  ['1.0.RC', '1.0rc0'],
  ['1.0.RC1', '1.0rc1'],
  ['1.0-RC', '1.0rc0'],
  ['1.0-RC1', '1.0rc1'],
  ['1.0post', '1.0.post0'],
  ['1.0.post', '1.0.post0'],
  ['1.0post1', '1.0.post1'],
  ['1.0-post', '1.0.post0'],
  ['1.0-post1', '1.0.post1'],
  ['1.0POST', '1.0.post0'],
  ['1.0.POST', '1.0.post0'],
  ['1.0POST1', '1.0.post1'],
  ['1.0r', '1.0.post0'],
  ['1.0rev', '1.0.post0'],
  ['1.0.POST1', '1.0.post1'],
  ['1.0.r1', '1.0.post1'],
  ['1.0.rev1', '1.0.post1'],
  ['1.0-POST', '1.0.post0'],
  ['1.0-POST1', '1.0.post1'],
  ['1.0-5', '1.0.post5'],
  ['1.0-r5', '1.0.post5'],
  ['1.0-rev5', '1.0.post5'],
  ['1.0+AbC', '1.0+abc'],
  ['1.01', '1.1'],
  ['1.0a05', '1.0a5'],
  ['1.0b07', '1.0b7'],
  ['1.0c056', '1.0rc56'],
  ['1.0rc09', '1.0rc9'],
  ['1.0.post000', '1.0.post0'],
  ['1.1.dev09000', '1.1.dev9000'],
  ['00!1.2', '1.2'],
  ['0100!0.0', '100!0.0'],
  ['v1.0', '1.0'],
  ['   v1.0\t\n', '1.0'],
];

// test_version_str_repr: versions whose str() is themselves (0! dropped).
const STR_REPR: [string, string][] = [
  ['1.0.post456.dev34', '1.0.post456.dev34'],
  ['0!1.0.2', '1.0.2'],
  ['1.0.3+7', '1.0.3+7'],
  ['0!1.0.4+8.0', '1.0.4+8.0'],
  ['1.0.5+9.5', '1.0.5+9.5'],
  ['7!1.0b2.post345.dev456', '7!1.0b2.post345.dev456'],
  ['7!1.0.5+9.5', '7!1.0.5+9.5'],
];

const TABLE: Case[] = [
  ...ascending(VERSIONS),
  ...NORMALIZED.map(([a, b]): Case => [a, '=', b]),
  ...STR_REPR.map(([a, b]): Case => [a, '=', b]),
  ['1.0rc1', '=', '1.0c1'], // test_version_rc_and_c_equals
  ...allEqual(['1', '1.0', '1.0.0', '1.0.0.0', '0!1', 'v1.0']),
  // packaging 21.3 test_compare_legacyversion_version: LegacyVersion("1") < Version("0") (pip's vendored copy).
  ['lolwut', '<', '0'],
  ['1-1-1', '<', '0'],
];

describe('pypi: packaging test suite', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(pypi, TABLE));

  test('normalisation (str(Version(v)))', () => {
    for (const [v, n] of [...NORMALIZED, ...STR_REPR]) assert.equal(normalizePypiVersion(v), n, v);
  });

  test('invalid versions (test_invalid_versions, test_parse_raises) and packaging 21.3 legacy versions', () => {
    const invalid = ['french toast', '1.0+a+', '1.0++', '1.0+_foobar', '1.0+foo&asd', '1.0+1+1', 'lolwat', 'foobar', 'a cat is fine too', 'lolwut', '1-1-1', ''];
    for (const v of invalid) {
      assert.equal(pypi.valid(v), false, v);
      assert.equal(normalizePypiVersion(v), undefined, v);
      assert.equal(pypi.compare(v, '0.dev0'), -1, `${v} sorts before every PEP 440 version`);
    }
    // Legacy versions are all different from each other (21.3 test_comparison_true / _false; its LEGACY_VERSIONS
    // "1-0" and "2.0-a1" are valid PEP 440 versions, so not legacy here).
    const legacy = ['foobar', 'a cat is fine too', 'lolwut', '1-1-1'];
    for (const a of legacy) for (const b of legacy) assert.equal(pypi.compare(a, b) === 0, a === b, `${a} vs ${b}`);
  });
});

function randomPypiVersion(rng: Rng): string {
  if (rng.chance(0.08)) return rng.pick(['foobar', 'a cat is fine too', '1-0', '2.0-a1', '1.0-beta-2', '2004d', '0.9.1-r-2', '1.0+', 'dev', 'v', '1..0', '1.0_final', '1.0.0-SNAPSHOT', 'rc1', '1.0pre-2', '1.0-1-1']);
  const sep = (): string => rng.pick(['', '', '.', '-', '_']);
  let v = rng.chance(0.1) ? rng.pick(['v', 'V', ' ', '  v']) : '';
  if (rng.chance(0.1)) v += `${rng.int(0, 2)}!`;
  v += Array.from({ length: rng.int(1, 4) }, () => String(rng.int(0, rng.chance(0.8) ? 3 : 20)).padStart(rng.chance(0.1) ? 2 : 1, '0')).join('.');
  if (rng.chance(0.35)) v += sep() + rng.pick(['a', 'b', 'c', 'rc', 'alpha', 'beta', 'pre', 'preview', 'A', 'RC', 'Beta']) + sep() + (rng.chance(0.7) ? String(rng.int(0, 12)) : '');
  if (rng.chance(0.25)) v += rng.chance(0.3) ? `-${rng.int(0, 9)}` : sep() + rng.pick(['post', 'rev', 'r', 'POST']) + sep() + (rng.chance(0.7) ? String(rng.int(0, 12)) : '');
  if (rng.chance(0.25)) v += sep() + rng.pick(['dev', 'DEV']) + sep() + (rng.chance(0.7) ? String(rng.int(0, 12)) : '');
  if (rng.chance(0.2)) v += '+' + Array.from({ length: rng.int(1, 3) }, () => rng.pick(['ubuntu', 'abc', 'ABC', '1', '01', '2', 'deb12', 'x1', '10'])).join(rng.pick(['.', '-', '_']));
  if (rng.chance(0.05)) v += rng.pick([' ', '\t', '\n']);
  return v;
}

const ORACLE = `
import json, sys
from packaging.version import Version, InvalidVersion
from pip._vendor.packaging.version import parse as legacy_parse
def cmp(x, y):
    return (x > y) - (x < y)
def pep440(v):
    try:
        return Version(v)
    except InvalidVersion:
        return None
out = []
for a, b in json.load(sys.stdin):
    va, vb = pep440(a), pep440(b)
    modern = cmp(va, vb) if va is not None and vb is not None else None
    out.append([modern, cmp(legacy_parse(a), legacy_parse(b))])
json.dump(out, sys.stdout)
`;

describe('pypi: differential against packaging (python3-packaging, python3-pip)', () => {
  test('table values and seeded random versions agree with packaging 23 and with the LegacyVersion of packaging 21.3', () => {
    // python3 on PATH may be a pyenv shim: use Debian's interpreter, which sees the Debian packages.
    const python = '/usr/bin/python3';
    requireTool(python, 'python3', 'Debian python3');
    const check = (module: string, pkg: string): void => {
      const ok = runTool(python, ['-c', `import importlib.util as u; print(u.find_spec(${JSON.stringify(module)}) is not None)`]).trim() === 'True';
      assert.ok(ok, `the Python module ${module} is missing: the differential test needs it (apt-get install ${pkg})`);
    };
    check('packaging', 'python3-packaging');
    check('pip', 'python3-pip');

    const rng = prng(440);
    const tableValues = TABLE.flatMap(([a, , b]) => [a, b]);
    const pool = [...new Set([...tableValues, ...Array.from({ length: 1500 }, () => randomPypiVersion(rng))])];
    const pairs = pairsFrom(pool, rng, 15000);
    const answers = JSON.parse(runTool(python, ['-c', ORACLE], JSON.stringify(pairs))) as [number | null, number][];
    const modern = pairs.flatMap((p, i) => (answers[i]![0] === null ? [] : [[p, answers[i]![0]] as const]));
    assert.ok(modern.length > 10000, `only ${modern.length} pairs of valid versions`);
    agree(
      pypi,
      modern.map(([p]) => p),
      modern.map(([, r]) => r),
      'packaging 23 Version',
    );
    agree(
      pypi,
      pairs,
      answers.map((r) => r[1]),
      "pip's packaging 21.3 parse()",
    );
  });
});
