/**
 * RPM version comparison: the cases of rpm's own test suite (tests/rpmvercmp.at, the Lua and Python version object
 * tests of tests/rpmmacro.at and tests/rpmpython.at), then a differential test against rpm itself (Debian package
 * rpm): `rpm --eval '%{lua: ...rpm.vercmp(a, b)...}'`, many pairs in one Lua chunk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { agree, checkCases, pairsFrom, prng, requireTool, runTool, type Case, type Rng } from '../../../test/support/version-oracles.js';
import { parseEvr, rpm, rpmvercmp } from './rpm.js';

// tests/rpmvercmp.at: RPMVERCMP(a, b, expected) (the dnl'ed "oddities" are left out, as upstream does).
const RPMVERCMP_AT: Case[] = [
  ['1.0', '=', '1.0'],
  ['1.0', '<', '2.0'],
  ['2.0', '>', '1.0'],
  ['2.0.1', '=', '2.0.1'],
  ['2.0', '<', '2.0.1'],
  ['2.0.1', '>', '2.0'],
  ['2.0.1a', '=', '2.0.1a'],
  ['2.0.1a', '>', '2.0.1'],
  ['2.0.1', '<', '2.0.1a'],
  ['5.5p1', '=', '5.5p1'],
  ['5.5p1', '<', '5.5p2'],
  ['5.5p2', '>', '5.5p1'],
  ['5.5p10', '=', '5.5p10'],
  ['5.5p1', '<', '5.5p10'],
  ['5.5p10', '>', '5.5p1'],
  ['10xyz', '<', '10.1xyz'],
  ['10.1xyz', '>', '10xyz'],
  ['xyz10', '=', 'xyz10'],
  ['xyz10', '<', 'xyz10.1'],
  ['xyz10.1', '>', 'xyz10'],
  ['xyz.4', '=', 'xyz.4'],
  ['xyz.4', '<', '8'],
  ['8', '>', 'xyz.4'],
  ['xyz.4', '<', '2'],
  ['2', '>', 'xyz.4'],
  ['5.5p2', '<', '5.6p1'],
  ['5.6p1', '>', '5.5p2'],
  ['5.6p1', '<', '6.5p1'],
  ['6.5p1', '>', '5.6p1'],
  ['6.0.rc1', '>', '6.0'],
  ['6.0', '<', '6.0.rc1'],
  ['10b2', '>', '10a1'],
  ['10a2', '<', '10b2'],
  ['1.0aa', '=', '1.0aa'],
  ['1.0a', '<', '1.0aa'],
  ['1.0aa', '>', '1.0a'],
  ['10.0001', '=', '10.0001'],
  ['10.0001', '=', '10.1'],
  ['10.1', '=', '10.0001'],
  ['10.0001', '<', '10.0039'],
  ['10.0039', '>', '10.0001'],
  ['4.999.9', '<', '5.0'],
  ['5.0', '>', '4.999.9'],
  ['20101121', '=', '20101121'],
  ['20101121', '<', '20101122'],
  ['20101122', '>', '20101121'],
  ['2_0', '=', '2_0'],
  ['2.0', '=', '2_0'],
  ['2_0', '=', '2.0'],
  ['a', '=', 'a'],
  ['a+', '=', 'a+'],
  ['a+', '=', 'a_'],
  ['a_', '=', 'a+'],
  ['+a', '=', '+a'],
  ['+a', '=', '_a'],
  ['_a', '=', '+a'],
  ['+_', '=', '+_'],
  ['_+', '=', '+_'],
  ['_+', '=', '_+'],
  ['+', '=', '_'],
  ['_', '=', '+'],
  ['1.0~rc1', '=', '1.0~rc1'],
  ['1.0~rc1', '<', '1.0'],
  ['1.0', '>', '1.0~rc1'],
  ['1.0~rc1', '<', '1.0~rc2'],
  ['1.0~rc2', '>', '1.0~rc1'],
  ['1.0~rc1~git123', '=', '1.0~rc1~git123'],
  ['1.0~rc1~git123', '<', '1.0~rc1'],
  ['1.0~rc1', '>', '1.0~rc1~git123'],
  ['1.0^', '=', '1.0^'],
  ['1.0^', '>', '1.0'],
  ['1.0', '<', '1.0^'],
  ['1.0^git1', '=', '1.0^git1'],
  ['1.0^git1', '>', '1.0'],
  ['1.0', '<', '1.0^git1'],
  ['1.0^git1', '<', '1.0^git2'],
  ['1.0^git2', '>', '1.0^git1'],
  ['1.0^git1', '<', '1.01'],
  ['1.01', '>', '1.0^git1'],
  ['1.0^20160101', '=', '1.0^20160101'],
  ['1.0^20160101', '<', '1.0.1'],
  ['1.0.1', '>', '1.0^20160101'],
  ['1.0^20160101^git1', '=', '1.0^20160101^git1'],
  ['1.0^20160102', '>', '1.0^20160101^git1'],
  ['1.0^20160101^git1', '<', '1.0^20160102'],
  ['1.0~rc1^git1', '=', '1.0~rc1^git1'],
  ['1.0~rc1^git1', '>', '1.0~rc1'],
  ['1.0~rc1', '<', '1.0~rc1^git1'],
  ['1.0^git1~pre', '=', '1.0^git1~pre'],
  ['1.0^git1', '>', '1.0^git1~pre'],
  ['1.0^git1~pre', '<', '1.0^git1'],
];

// tests/rpmmacro.at "lua rpm version objects" and tests/rpmpython.at "version objects 1" / "3".
const VERSION_OBJECTS: Case[] = [
  ['1:4.16-5', '>', '4.4-1'],
  ['1.0', '=', '1.0'],
  ['1.0', '<', '4:1.0'],
  ['4:1.0', '>', '1.5-1'],
  ['1.5-1', '<', '3:2.0-1'],
  ['v1.0', '<', 'v2.0'],
  ['v1.0', '=', 'v1.0'],
];

// EVR comparisons as distribution feeds write them (epoch 0 = no epoch; a missing release is older).
const EVR: Case[] = [
  ['0:1.0-1', '=', '1.0-1'],
  ['1:2.3-4.el9', '>', '2.3-5.el9'],
  ['1.0-1.el9', '<', '1.0-1.el9_2'],
  ['1.0-1.el9_2', '<', '1.0-2.el9'],
  ['3.0.7-24.el9', '<', '3.0.7-25.el9_3'],
  ['1.0', '<', '1.0-1'],
  ['2.9.1-5.fc38', '<', '2.9.1-5.fc39'],
  [':1.0-1', '=', '0:1.0-1'],
  ['1.0~beta-1', '<', '1.0-1'],
  ['7.76.1-26.el9_3.2', '>', '7.76.1-26.el9'],
];

const TABLE = [...RPMVERCMP_AT, ...VERSION_OBJECTS, ...EVR];

describe('rpm: rpm test suites', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(rpm, TABLE));

  test('rpmvercmp on the parts themselves', () => {
    for (const [a, op, b] of RPMVERCMP_AT) assert.equal(rpmvercmp(a, b), op === '<' ? -1 : op === '>' ? 1 : 0, `${a} ${op} ${b}`);
  });

  test('EVR split as parseEVR() and the rpm.ver objects of rpmmacro.at', () => {
    assert.deepEqual(parseEvr('1:4.16-5'), { epoch: '1', version: '4.16', release: '5' });
    assert.deepEqual(parseEvr('4.16-1'), { epoch: undefined, version: '4.16', release: '1' });
    assert.deepEqual(parseEvr('4.16'), { epoch: undefined, version: '4.16', release: undefined });
    assert.deepEqual(parseEvr('1:2.3-4.el9'), { epoch: '1', version: '2.3', release: '4.el9' });
    assert.deepEqual(parseEvr(':1.0-1'), { epoch: '0', version: '1.0', release: '1' });
    assert.deepEqual(parseEvr('1.0-rc1-2'), { epoch: undefined, version: '1.0-rc1', release: '2' });
  });

  test('the empty string (rpm: "invalid version") sorts first and is the only invalid version', () => {
    checkCases(rpm, [
      ['', '<', '0'],
      ['', '<', '~'],
      ['', '=', ''],
    ]);
    assert.equal(rpm.valid(''), false);
    for (const v of ['0', 'x', '~', '-', '1:2-3', 'N/A']) assert.equal(rpm.valid(v), true, v);
  });
});

function randomRpmVersion(rng: Rng): string {
  const seg = (): string =>
    rng.pick([
      () => String(rng.int(0, 30)),
      () => String(rng.int(0, 3)).padStart(rng.int(1, 4), '0'),
      () => rng.pick(['a', 'b', 'rc', 'git', 'el', 'fc', 'p', 'beta', 'Z', 'pre', 'x']),
      () => rng.pick(['.', '.', '.', '_', '+', '~', '^', '~~', '^~', 'é', ' ']),
    ])();
  const part = (): string => {
    let s = String(rng.int(0, 12));
    for (let n = rng.int(0, 6); n > 0; n--) s += seg();
    return s;
  };
  let v = rng.chance(0.2) ? `${rng.pick(['', '0', '1', '2', '10'])}:` : '';
  v += part();
  if (rng.chance(0.7)) v += `-${part()}${rng.pick(['', '.el9', '.el9_3', '.fc39', '.el8_10'])}`;
  return v;
}

function rpmCompare(pairs: [string, string][]): number[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-rpm-'));
  try {
    const file = path.join(dir, 'vercmp.lua');
    const lines = pairs.map(([a, b]) => `{[==[${a}]==], [==[${b}]==]},`);
    writeFileSync(
      file,
      `local ps = {\n${lines.join('\n')}\n}\nlocal out = {}\n` +
        'for i, p in ipairs(ps) do out[i] = tostring(rpm.vercmp(p[1], p[2])) end\nprint(table.concat(out, "\\n"))\n',
    );
    return runTool('rpm', ['--eval', `%{lua: dofile(${JSON.stringify(file)})}`])
      .trim()
      .split('\n')
      .map(Number);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('rpm: differential against rpm.vercmp()', () => {
  test('table values and seeded random EVRs agree with rpm', () => {
    requireTool('rpm', 'rpm');
    const rng = prng(0x4b1d);
    const tableValues = TABLE.flatMap(([a, , b]) => [a, b]);
    // rpm.vercmp() raises on the empty string; "]==]" would end the Lua string.
    const pool = [...new Set([...tableValues, ...Array.from({ length: 1500 }, () => randomRpmVersion(rng))])].filter((v) => v !== '' && !v.includes(']=='));
    const pairs = pairsFrom(pool, rng, 20000);
    agree(rpm, pairs, rpmCompare(pairs), 'rpm.vercmp');
  });
});
