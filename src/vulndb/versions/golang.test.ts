/**
 * Go module version comparison: the cases of golang.org/x/mod's semver_test.go (TestCompare over its whole table,
 * TestSort's golden order) and the pseudo-versions of module/pseudo_test.go, then a differential test against the
 * real golang.org/x/mod/semver: the copy vendored in the Go toolchain (Debian package golang-go,
 * $GOROOT/src/cmd/vendor/golang.org/x/mod/semver), built in a temporary module.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { agree, ascending, checkCases, pairsFrom, prng, requireTool, runTool, type Case, type Rng } from '../../../test/support/version-oracles.js';
import { golang } from './golang.js';

// semver_test.go `tests`: {in, canonical out}; "" = invalid.
const TESTS: [string, string][] = [
  ['bad', ''],
  ['v1-alpha.beta.gamma', ''],
  ['v1-pre', ''],
  ['v1+meta', ''],
  ['v1-pre+meta', ''],
  ['v1.2-pre', ''],
  ['v1.2+meta', ''],
  ['v1.2-pre+meta', ''],
  ['v1.0.0-alpha', 'v1.0.0-alpha'],
  ['v1.0.0-alpha.1', 'v1.0.0-alpha.1'],
  ['v1.0.0-alpha.beta', 'v1.0.0-alpha.beta'],
  ['v1.0.0-beta', 'v1.0.0-beta'],
  ['v1.0.0-beta.2', 'v1.0.0-beta.2'],
  ['v1.0.0-beta.11', 'v1.0.0-beta.11'],
  ['v1.0.0-rc.1', 'v1.0.0-rc.1'],
  ['v1', 'v1.0.0'],
  ['v1.0', 'v1.0.0'],
  ['v1.0.0', 'v1.0.0'],
  ['v1.2', 'v1.2.0'],
  ['v1.2.0', 'v1.2.0'],
  ['v1.2.3-456', 'v1.2.3-456'],
  ['v1.2.3-456.789', 'v1.2.3-456.789'],
  ['v1.2.3-456-789', 'v1.2.3-456-789'],
  ['v1.2.3-456a', 'v1.2.3-456a'],
  ['v1.2.3-pre', 'v1.2.3-pre'],
  ['v1.2.3-pre+meta', 'v1.2.3-pre'],
  ['v1.2.3-pre.1', 'v1.2.3-pre.1'],
  ['v1.2.3-zzz', 'v1.2.3-zzz'],
  ['v1.2.3', 'v1.2.3'],
  ['v1.2.3+meta', 'v1.2.3'],
  ['v1.2.3+meta-pre', 'v1.2.3'],
  ['v1.2.3+meta-pre.sha.256a', 'v1.2.3'],
];

// TestCompare: equal canonical forms compare 0, otherwise the table order decides.
const COMPARE: Case[] = TESTS.flatMap(([a, ca], i) => TESTS.map(([b, cb], j): Case => [a, ca === cb ? '=' : i < j ? '<' : '>', b]));

// module/pseudo_test.go: a pseudo-version sorts after the version it derives from and before the next release.
const PSEUDO: Case[] = [
  ['v0.0.0-20060102150405-hash', '<', 'v0.0.0'],
  ['v1.0.0-20060102150405-hash', '<', 'v1.0.0'],
  ['v0.0.0', '<', 'v0.0.1-0.20060102150405-hash'],
  ['v0.0.1-0.20060102150405-hash', '<', 'v0.0.1'],
  ['v1.2.3', '<', 'v1.2.4-0.20060102150405-hash'],
  ['v1.2.99999999999999999', '<', 'v1.2.100000000000000000-0.20060102150405-hash'],
  ['v1.2.3-pre', '<', 'v1.2.3-pre.0.20060102150405-hash'],
  ['v1.3.0-pre.0.20060102150405-hash', '<', 'v1.3.0'],
  ['v0.0.0--', '<', 'v0.0.0--.0.20060102150405-hash'],
  ['v1.0.0+metadata', '<', 'v1.0.1-0.20060102150405-hash+metadata'],
  ['v2.0.0+incompatible', '<', 'v2.0.1-0.20060102150405-hash+incompatible'],
  ['v2.3.0-pre+incompatible', '<', 'v2.3.0-pre.0.20060102150405-hash+incompatible'],
  ['v0.0.0-20210101000000-abcdef123456', '<', 'v0.0.0-20220101000000-000000000000'],
  ['v2.0.0+incompatible', '=', 'v2.0.0'],
];

const TABLE: Case[] = [...COMPARE, ...PSEUDO];

describe('golang: x/mod semver_test.go', () => {
  test(`${TABLE.length} comparisons`, () => checkCases(golang, TABLE));

  test('TestIsValid', () => {
    for (const [v, canonical] of TESTS) assert.equal(golang.valid(v), canonical !== '', v);
    for (const v of ['1.2.3', 'v01.2.3', 'v1.2.3-01', 'v1.2.3-', 'v1.2.3+', 'V1.2.3', '', 'v1.2.3.4']) assert.equal(golang.valid(v), false, v);
  });

  test('TestSort golden order (ties keep the table order there; here they are equal)', () => {
    const golden = ['bad', 'v1+meta', 'v1-alpha.beta.gamma', 'v1-pre', 'v1-pre+meta', 'v1.2+meta', 'v1.2-pre', 'v1.2-pre+meta', 'v1.0.0-alpha', 'v1.0.0-alpha.1', 'v1.0.0-alpha.beta', 'v1.0.0-beta', 'v1.0.0-beta.2', 'v1.0.0-beta.11', 'v1.0.0-rc.1', 'v1', 'v1.0', 'v1.0.0', 'v1.2', 'v1.2.0', 'v1.2.3-456', 'v1.2.3-456.789', 'v1.2.3-456-789', 'v1.2.3-456a', 'v1.2.3-pre', 'v1.2.3-pre+meta', 'v1.2.3-pre.1', 'v1.2.3-zzz', 'v1.2.3', 'v1.2.3+meta', 'v1.2.3+meta-pre', 'v1.2.3+meta-pre.sha.256a'];
    // semver.Sort breaks Compare ties with strings.Compare.
    const sorted = [...golden].reverse().sort((a, b) => golang.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(sorted, golden);
    checkCases(golang, ascending(['v1.0.0-alpha', 'v1.0.0-alpha.1', 'v1.0.0-beta', 'v1.0.0', 'v1.2.3']));
  });
});

function randomGoVersion(rng: Rng): string {
  if (rng.chance(0.05)) return rng.pick(['bad', '1.2.3', 'v', 'v1.', 'v1.2.', 'v01.2.3', 'v1.2.3-', 'v1.2.3+', 'v1.2.3-01', 'go1.21.3', 'V1.0.0', '']);
  const n = (): string => String(rng.pick([0, 0, 1, 2, 3, 10, 11, 99, 100]));
  const parts = rng.chance(0.1) ? [n()] : rng.chance(0.1) ? [n(), n()] : [n(), n(), n()];
  let v = `v${parts.join('.')}`;
  if (parts.length === 3 && rng.chance(0.4)) {
    v += rng.pick([
      () => `-${rng.int(2019, 2024)}0${rng.int(1, 9)}0${rng.int(1, 9)}120000-${rng.pick(['abcdef123456', '000000000000', 'ffffffffffff'])}`,
      () => `-0.${rng.int(2019, 2024)}0101120000-abcdef123456`,
      () => `-${rng.pick(['alpha', 'beta', 'rc', 'pre', 'A', 'zz', '0', '1', '10', '2', 'x-y'])}${rng.chance(0.5) ? `.${rng.pick(['1', '2', '11', 'a', '0'])}` : ''}`,
    ])();
  }
  if (rng.chance(0.2)) v += rng.pick(['+incompatible', '+meta', '+build.1', '+']);
  return v;
}

const ORACLE_MAIN = `package main

import (
	"encoding/json"
	"os"

	"oracle/semver"
)

func main() {
	var pairs [][2]string
	if err := json.NewDecoder(os.Stdin).Decode(&pairs); err != nil {
		panic(err)
	}
	out := make([]int, len(pairs))
	for i, p := range pairs {
		out[i] = semver.Compare(p[0], p[1])
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
`;

describe('golang: differential against golang.org/x/mod/semver', () => {
  test('table values and seeded random versions agree with semver.Compare', () => {
    requireTool('go', 'golang-go');
    const goroot = runTool('go', ['env', 'GOROOT']).trim();
    const source = path.join(goroot, 'src/cmd/vendor/golang.org/x/mod/semver/semver.go');
    assert.ok(existsSync(source), `${source} is missing (apt-get install golang-go)`);
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-gosemver-'));
    try {
      mkdirSync(path.join(dir, 'semver'));
      copyFileSync(source, path.join(dir, 'semver', 'semver.go'));
      writeFileSync(path.join(dir, 'go.mod'), 'module oracle\n\ngo 1.19\n');
      writeFileSync(path.join(dir, 'main.go'), ORACLE_MAIN);
      const rng = prng(0x60);
      const tableValues = TABLE.flatMap(([a, , b]) => [a, b]);
      const pool = [...new Set([...tableValues, ...Array.from({ length: 1500 }, () => randomGoVersion(rng))])];
      const pairs = pairsFrom(pool, rng, 15000);
      const env = { GOPROXY: 'off', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', GOWORK: 'off' };
      const out = runTool('sh', ['-c', `cd "$1" && go run .`, 'sh', dir], JSON.stringify(pairs), env);
      agree(golang, pairs, JSON.parse(out) as number[], 'x/mod semver.Compare');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
