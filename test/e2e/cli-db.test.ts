/** `tollgate db update | status` run as a user would: outputs on the right streams, exit codes, no stack traces. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasStackTrace, runCli } from '../support/cli.js';
import { shared } from '../support/paths.js';

let tmp: string;
let db: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-e2e-db-'));
  db = path.join(tmp, 'db', 'tollgate.db');
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const env = () => ({ XDG_CACHE_HOME: path.join(tmp, 'cache'), TOLLGATE_DB: '', TOLLGATE_DB_MIRROR_URL: '' });
const sha = async (f: string) => createHash('sha256').update(await readFile(f)).digest('hex');

describe('tollgate db', () => {
  test('db update --from the offline mirror: summary on stderr, nothing on stdout, exit 0', async () => {
    const r = await runCli(['db', 'update', '--from', shared('vulndb'), '--db', db, '--feeds', 'osv,nvd,cve5,kev,epss'], { env: env(), timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^osv: 6988 advisories, 0 CVE enrichments \(/m);
    assert.match(r.stderr, /^kev: 0 advisories, 1404 CVE enrichments \(/m);
    assert.match(r.stderr, new RegExp(`^built ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 6988 advisories, \\d+ package statements, \\d+ CVE enrichments, [\\d.]+ MB in [\\d.]+ s$`, 'm'));
    assert.deepEqual(readdirSync(path.dirname(db)), ['tollgate.db']);
  });

  test('db status: table and json', async () => {
    const t = await runCli(['db', 'status', '--db', db], { env: env() });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^Database {2}.*tollgate\.db \([\d.]+ MB, schema 1\)$/m);
    assert.match(t.stdout, /^Built {5}\d{4}-\d\d-\d\dT.* \(\d+ (second|minute)s? ago\) by tollgate /m);
    assert.match(t.stdout, new RegExp(`^Source {4}${shared('vulndb').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(t.stdout, /^osv +6988 +6988 +0 /m);
    assert.match(t.stdout, /^golang +- +osv +4293 +\d+$/m);
    assert.match(t.stdout, /^deb +ubuntu:22\.04 +osv +\d+ +\d+$/m);
    const j = await runCli(['db', 'status', '--db', db, '--format', 'json'], { env: env() });
    assert.equal(j.code, 0, j.stderr);
    const s = JSON.parse(j.stdout) as { feeds: { id: string; records: number }[]; totals: { advisories: number }; age: string; schemaVersion: number };
    assert.equal(s.totals.advisories, 6988);
    assert.equal(s.schemaVersion, 1);
    assert.deepEqual(s.feeds.map((f) => f.id).sort(), ['cve5', 'epss', 'kev', 'nvd', 'osv']);
    assert.match(s.age, /^\d+ (second|minute)s?$/);
  });

  test('the default path is under the cache dir; TOLLGATE_DB overrides it', async () => {
    const r = await runCli(['db', 'update', '--from', shared('vulndb'), '--feeds', 'kev', '-q'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(readdirSync(path.join(tmp, 'cache', 'tollgate', 'db')), ['tollgate.db']);
    const alt = path.join(tmp, 'alt.db');
    const e = await runCli(['db', 'update', '--from', shared('vulndb'), '--feeds', 'epss', '-q'], { env: { ...env(), TOLLGATE_DB: alt } });
    assert.equal(e.code, 0, e.stderr);
    const s = await runCli(['db', 'status', '--format', 'json'], { env: { ...env(), TOLLGATE_DB: alt } });
    assert.deepEqual((JSON.parse(s.stdout) as { feeds: { id: string }[] }).feeds.map((f) => f.id), ['epss']);
  });

  test('db status without a database: exit 3, the command to run, no stack trace', async () => {
    const r = await runCli(['db', 'status', '--db', path.join(tmp, 'none.db')], { env: env() });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: no vulnerability database at .*none\.db: run `tollgate db update`/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('db status on a file that is not a database, or a damaged one: exit 3, the command to run', async () => {
    const junk = path.join(tmp, 'junk.db');
    await writeFile(junk, 'not a database '.repeat(1000));
    const cut = path.join(tmp, 'cut.db');
    await writeFile(cut, (await readFile(db)).subarray(0, 100_000));
    for (const f of [junk, cut]) {
      const r = await runCli(['db', 'status', '--db', f], { env: env() });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /^error: the vulnerability database .* (is not readable|is truncated or damaged).*: run `tollgate db update`/);
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    }
  });

  test('a malformed mirror: exit 3 naming the file; the previous database is unchanged and still usable', async () => {
    const bad = path.join(tmp, 'bad');
    await mkdir(path.join(bad, 'ghsa'), { recursive: true });
    await writeFile(path.join(bad, 'ghsa', 'GHSA-xxxx-xxxx-xxxx.json'), '{"id": "GHSA-xxxx-xxxx-xxxx", "affected": [');
    const before = await sha(db);
    const r = await runCli(['db', 'update', '--from', bad, '--db', db], { env: env() });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^error: osv: ghsa\/GHSA-xxxx-xxxx-xxxx\.json: not valid JSON: .*\(the previous database .*tollgate\.db is unchanged\)$/m);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    assert.equal(await sha(db), before);
    assert.deepEqual(readdirSync(path.dirname(db)), ['tollgate.db']);
    assert.equal((await runCli(['db', 'status', '--db', db], { env: env() })).code, 0);
  });

  test('bad invocations: unknown feed and format are usage errors (exit 2); a missing folder is exit 3', async () => {
    const feed = await runCli(['db', 'update', '--from', shared('vulndb'), '--db', db, '--feeds', 'nope'], { env: env() });
    assert.equal(feed.code, 2);
    assert.match(feed.stderr, /^error: unknown feed nope; known feeds: /m);
    const format = await runCli(['db', 'status', '--db', db, '--format', 'xml'], { env: env() });
    assert.equal(format.code, 2);
    const folder = await runCli(['db', 'update', '--from', path.join(tmp, 'missing'), '--db', db], { env: env() });
    assert.equal(folder.code, 3);
    assert.match(folder.stderr, /^error: --from .*missing: no such folder/m);
    for (const r of [feed, format, folder]) assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('db --help lists update and status', async () => {
    const r = await runCli(['db', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /update/);
    assert.match(r.stdout, /status/);
  });
});
