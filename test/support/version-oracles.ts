/**
 * Shared pieces of the version comparator tests (src/vulndb/versions/*.test.ts): the table format and its checker,
 * a seeded generator for random versions, and the runner of the reference tools used as differential oracles
 * (dpkg, rpm, python3-packaging, ruby, the Maven jar, …) — each missing tool fails the test with the Debian
 * package to install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export type Op = '<' | '=' | '>';
/** One expectation `a OP b`, as the reference implementation's own test suite states it. */
export type Case = readonly [a: string, op: Op, b: string];

interface Order {
  compare(a: string, b: string): -1 | 0 | 1;
}

export const opOf = (n: number): Op => (n < 0 ? '<' : n > 0 ? '>' : '=');
const flip = (op: Op): Op => (op === '<' ? '>' : op === '>' ? '<' : '=');

/** Checks every case both ways round (a OP b and b flip(OP) a); fails listing every case that does not hold. */
export function checkCases(order: Order, cases: readonly Case[]): void {
  const failures: string[] = [];
  for (const [a, op, b] of cases) {
    const got = opOf(order.compare(a, b));
    if (got !== op) failures.push(`${JSON.stringify(a)} ${op} ${JSON.stringify(b)}, got ${got}`);
    const back = opOf(order.compare(b, a));
    if (back !== flip(op)) failures.push(`${JSON.stringify(b)} ${flip(op)} ${JSON.stringify(a)} (reversed), got ${back}`);
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases fail`);
}

/** Cases saying that `versions` are in strictly ascending order (every pair, as the upstream suites check them). */
export function ascending(versions: readonly string[]): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < versions.length; i++) for (let j = i + 1; j < versions.length; j++) out.push([versions[i]!, '<', versions[j]!]);
  return out;
}

/** Cases saying that all `versions` are equal. */
export function allEqual(versions: readonly string[]): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < versions.length; i++) for (let j = i; j < versions.length; j++) out.push([versions[i]!, '=', versions[j]!]);
  return out;
}

/** mulberry32: a small seeded PRNG, so that the random cases are the same on every run. */
export function prng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

export interface Rng {
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

/** `count` random pairs drawn from `pool`, plus every adjacent pair of the pool (so near-equal values meet). */
export function pairsFrom(pool: readonly string[], rng: Rng, count: number): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < pool.length; i++) out.push([pool[i]!, pool[i + 1]!]);
  for (let i = 0; i < count; i++) out.push([rng.pick(pool), rng.pick(pool)]);
  return out;
}

/**
 * Fails with the Debian package to install when a reference tool is missing (CI installs them, see .ci/run).
 * `probe` is an executable path or a command name looked up on PATH.
 */
export function requireTool(probe: string, debianPackage: string, what = probe): void {
  const found = probe.includes('/') ? existsSync(probe) : spawnSync('sh', ['-c', `command -v ${probe}`]).status === 0;
  assert.ok(found, `${what} is not installed: the differential test needs it (apt-get install ${debianPackage})`);
}

/** Runs a reference tool and returns its stdout; fails with its stderr when it exits non-zero. */
export function runTool(cmd: string, args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: env ? { ...process.env, ...env } : undefined });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} exited with ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return r.stdout;
}

/**
 * Compares our results with the oracle's on the same pairs and fails listing the first disagreements. `expected`
 * holds the oracle's -1/0/1 for each pair.
 */
export function agree(order: Order, pairs: readonly (readonly [string, string])[], expected: readonly number[], tool: string): void {
  assert.equal(expected.length, pairs.length, `${tool} answered ${expected.length} of ${pairs.length} comparisons`);
  const failures: string[] = [];
  pairs.forEach(([a, b], i) => {
    const ours = opOf(order.compare(a, b));
    const theirs = opOf(expected[i]!);
    if (ours !== theirs) failures.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${tool} says ${theirs}, we say ${ours}`);
  });
  assert.deepEqual(failures.slice(0, 30), [], `${failures.length} of ${pairs.length} comparisons disagree with ${tool}`);
}
