/**
 * Debian version comparison: the cases of dpkg's own test suites (scripts/t/Dpkg_Version.t, lib/dpkg/t/t-version.c,
 * Debian Policy §5.6.12), then a differential test against `dpkg --compare-versions` (Debian package dpkg) on the
 * table values and seeded random versions.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { agree, checkCases, pairsFrom, prng, requireTool, type Case, type Rng } from '../../../test/support/version-oracles.js';
import { deb, parseDebVersion } from './deb.js';

// scripts/t/Dpkg_Version.t (__DATA__: "a b expected").
const DPKG_VERSION_T: Case[] = [
  ['1.0-1', '<', '2.0-2'],
  ['2.2~rc-4', '<', '2.2-1'],
  ['2.2-1', '>', '2.2~rc-4'],
  ['1.0000-1', '=', '1.0-1'],
  ['1', '=', '0:1'],
  ['0', '=', '0:0-0'],
  ['2:2.5', '>', '1:7.5'],
  ['1:0foo', '>', '0foo'],
  ['0:0foo', '=', '0foo'],
  ['0foo', '=', '0foo'],
  ['0foo-0', '=', '0foo'],
  ['0foo', '=', '0foo-0'],
  ['0foo', '>', '0fo'],
  ['0foo-0', '<', '0foo+'],
  ['0foo~1', '<', '0foo'],
  ['0foo~foo+Bar', '<', '0foo~foo+bar'],
  ['0foo~~', '<', '0foo~'],
  ['1~', '<', '1'],
  ['12345+that-really-is-some-ver-0', '<', '12345+that-really-is-some-ver-10'],
  ['0foo-0', '<', '0foo-01'],
  ['0foo.bar', '>', '0foobar'],
  ['0foo.bar', '>', '0foo1bar'],
  ['0foo.bar', '>', '0foo0bar'],
  ['0foo1bar-1', '<', '0foobar-1'],
  ['0foo2.0', '>', '0foo2'],
  ['0foo2.0.0', '<', '0foo2.10.0'],
  ['0foo2.0', '<', '0foo2.0.0'],
  ['0foo2.0', '<', '0foo2.10'],
  ['0foo2.1', '<', '0foo2.10'],
  ['1.09', '=', '1.9'],
  ['1.0.8+nmu1', '>', '1.0.8'],
  ['3.11', '>', '3.10+nmu1'],
  ['0.9j-20080306-4', '>', '0.9i-20070324-2'],
  ['1.2.0~b7-1', '>', '1.2.0~b6-1'],
  ['1.011-1', '>', '1.06-2'],
  ['0.0.9+dfsg1-1', '>', '0.0.8+dfsg1-3'],
  ['4.6.99+svn6582-1', '>', '4.6.99+svn6496-1'],
  ['53', '>', '52'],
  ['0.9.9~pre122-1', '>', '0.9.9~pre111-1'],
  ['2:2.3.2-2+lenny2', '>', '2:2.3.2-2'],
  ['1:3.8.1-1', '>', '3.8.GA-1'],
  ['1.0.1+gpl-1', '>', '1.0.1-2'],
  ['1a', '<', '1000a'],
];

// lib/dpkg/t/t-version.c: test_version_compare, test_version_relate and the parse-then-compare cases of
// test_version_parse, written as version strings.
const T_VERSION_C: Case[] = [
  ['1:0', '<', '2:0'],
  ['0:1-1', '<', '0:2-1'],
  ['0:1-1', '<', '0:1-2'],
  ['0:0-0', '=', '0:0-0'],
  ['0:0-00', '=', '0:00-0'],
  ['1:2-3', '=', '1:2-3'],
  ['0:0-0', '<', '1:0-0'],
  ['0:a-0', '<', '0:b-0'],
  ['0:0-a', '<', '0:0-b'],
  ['1-1', '=', '1-1'],
  ['1-1', '<', '2-1'],
  ['2-1', '>', '1-1'],
  ['0', '=', '0:0'],
  ['0:0-0', '=', '0-0'],
  ['0:0.0-0.0', '=', '0.0-0.0'],
  ['1:0', '=', '1:0'],
  ['5:1', '>', '4:9'],
  ['0:0-0-0', '=', '0-0-0'],
  ['0:0-0-0-0', '=', '0-0-0-0'],
  ['0:0:0-0', '=', '0:0:0-0'],
  ['0:0:0:0-0', '=', '0:0:0:0-0'],
  ['0:0:0-0-0', '=', '0:0:0-0-0'],
  ['0:0-0:0-0', '=', '0:0-0:0-0'],
  ['0:0-azAZ09.+~', '=', '0-azAZ09.+~'],
  ['  \t0:0-1', '=', '0:0-1'],
  ['0:0-1\t  ', '=', '0:0-1'],
  ['\t  0:0-1  \t', '=', '0-1'],
];

// Debian Policy §5.6.12: "~~" < "~~a" < "~" < "" < "a", and the usual Debian version shapes.
const POLICY: Case[] = [
  ['1.0~~', '<', '1.0~~a'],
  ['1.0~~a', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0', '<', '1.0a'],
  ['1.0~rc1-1', '<', '1.0-1'],
  ['1.0-1', '<', '1.0-1+deb12u1'],
  ['1.0-1+deb11u1', '<', '1.0-1+deb12u1'],
  ['1.0-1+deb12u1', '<', '1.0-1.1'],
  ['1.0-1~bpo11+1', '<', '1.0-1'],
  ['2.36-9+deb12u4', '<', '2.36-9+deb12u10'],
  ['1:1.0', '>', '9.9'],
  ['3.0.11-1~deb12u2', '<', '3.0.11-1'],
  ['7.88.1-10+deb12u5', '>', '7.88.1-10'],
];

const TABLE = [...DPKG_VERSION_T, ...T_VERSION_C, ...POLICY];

describe('deb: dpkg test suites', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(deb, TABLE));

  test('parse errors (dpkg refuses) and warnings (dpkg compares anyway), from t-version.c', () => {
    const errors = ['', '  ', '0:', ':1.0', '1.0-', '0:0 0-1', '-1:0-1', '999999999999999999999999:0-1', 'a:0-0', 'A:0-0', '-0', '0:-0'];
    for (const v of errors) {
      assert.ok(parseDebVersion(v).error, `${JSON.stringify(v)} is an error`);
      assert.equal(deb.valid(v), false, v);
    }
    const warnings = ['0:abc3-0', '0:0-0:0'];
    for (const c of "!#@$%&/|\\<>()[]{};,_=*^'") warnings.push(`0:0${c}-0`);
    for (const c of "!#@$%&/|\\<>()[]{}:;,_=*^'") warnings.push(`0:0-${c}`);
    for (const v of warnings) {
      const p = parseDebVersion(v);
      assert.ok(p.warning && !p.error && p.version, `${JSON.stringify(v)} is a warning`);
      assert.equal(deb.valid(v), false, v);
    }
    for (const v of ['0', '0:0', '0:0-0', '1:2.30-1+b1', '0:09azAZ.-+~:-0', '0:0-azAZ09.+~', '  \t0:0-1']) assert.equal(deb.valid(v), true, v);
    // The split of t-version.c's parse cases: epoch, upstream version, revision.
    const split = (v: string): [number, string, string] => {
      const p = parseDebVersion(v).version!;
      return [p.epoch, Buffer.from(p.upstream).toString(), Buffer.from(p.revision).toString()];
    };
    assert.deepEqual(split('0:0-0-0'), [0, '0-0', '0']);
    assert.deepEqual(split('0:0:0:0-0'), [0, '0:0:0', '0']);
    assert.deepEqual(split('0:0-0:0-0'), [0, '0-0:0', '0']);
    assert.deepEqual(split('0:09azAZ.-+~:-0'), [0, '09azAZ.-+~:', '0']);
    assert.deepEqual(split('0:0-azAZ09.+~'), [0, '0', 'azAZ09.+~']);
    assert.deepEqual(split('5:1'), [5, '1', '']);
  });

  test('versions dpkg refuses sort before all others and compare without throwing', () => {
    checkCases(deb, [
      ['', '<', '0'],
      ['1.0-', '<', '0~'],
      ['a:1', '<', '0'],
      ['', '=', ''],
      ['abc', '>', '1.0-'], // a warning-only version is still a version
    ]);
  });
});

/** A random Debian-looking version: mostly valid, sometimes with characters that only draw a warning. */
function randomDebVersion(rng: Rng): string {
  const atom = (): string =>
    rng.pick([
      () => String(rng.int(0, 20)),
      () => String(rng.int(0, 3)).padStart(rng.int(1, 3), '0'),
      () => rng.pick(['a', 'b', 'z', 'A', 'Z', 'rc', 'dfsg', 'deb', 'u', 'git', 'svn', 'b', 'ubuntu', 'build', 'pre', 'nmu']),
      () => rng.pick(['.', '.', '+', '~', '~~', '-', ':']),
      () => rng.pick(['_', 'é', '%']), // warnings only
    ])();
  let upstream = String(rng.int(0, 12));
  for (let n = rng.int(0, 6); n > 0; n--) upstream += atom();
  upstream = upstream.replace(/-+$/, '').replace(/^-/, '');
  let v = rng.chance(0.15) ? `${rng.int(0, 3)}:` : '';
  v += upstream;
  if (rng.chance(0.6)) {
    let rev = String(rng.int(0, 5));
    for (let n = rng.int(0, 4); n > 0; n--) rev += rng.pick(['+deb12u', '.', '~bpo', '+b', 'ubuntu', '~', String(rng.int(0, 12)), 'a']);
    v += `-${rev}`;
  }
  return v;
}

async function dpkgCompare(pairs: [string, string][]): Promise<number[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-dpkg-'));
  try {
    // A few shell loops side by side; each pair costs one or two dpkg runs.
    const workers = 3;
    const chunks = Array.from({ length: workers }, (_, w) => pairs.filter((_, i) => i % workers === w));
    const script =
      'while IFS="$(printf "\\t")" read -r a b; do ' +
      'if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo -1; ' +
      'elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0; else echo 1; fi; done < "$1"';
    const outputs = await Promise.all(
      chunks.map((chunk, w) => {
        const file = path.join(dir, `pairs-${w}.tsv`);
        writeFileSync(file, chunk.map(([a, b]) => `${a}\t${b}\n`).join(''));
        return new Promise<string>((resolve, reject) => {
          const child = spawn('sh', ['-c', script, 'sh', file]);
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`dpkg loop exited with ${code}`))));
        });
      }),
    );
    const results: number[] = new Array<number>(pairs.length);
    outputs.forEach((out, w) => {
      out
        .trim()
        .split('\n')
        .forEach((line, k) => (results[k * workers + w] = Number(line)));
    });
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deb: differential against dpkg --compare-versions', () => {
  test('table values and seeded random versions agree with dpkg', async () => {
    requireTool('dpkg', 'dpkg');
    const rng = prng(0xdeb);
    const tableValues = TABLE.flatMap(([a, , b]) => [a, b]);
    const pool = [...new Set([...tableValues, ...Array.from({ length: 700 }, () => randomDebVersion(rng))])].filter(
      // dpkg exits 2 on versions it refuses (and reads the tab-separated file line by line): leave those out.
      (v) => parseDebVersion(v).error === undefined && !/[\t\n\\]/.test(v) && v.trim() === v,
    );
    const pairs = pairsFrom(pool, rng, 1200);
    agree(deb, pairs, await dpkgCompare(pairs), 'dpkg --compare-versions');
  });
});
