import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { shared } from '../../../../test/support/paths.js';
import type { Advisory, AffectedPackage } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import type { FeedRecord } from '../feed.js';
import { feed } from './index.js';

const MIRROR = shared('vulndb');
const REPO = path.join(MIRROR, 'friendsofphp-security-advisories');

async function readAll(mirror: string): Promise<Advisory[]> {
  const out: Advisory[] = [];
  for await (const r of feed.read(mirror, { warn: () => {} }) as AsyncIterable<FeedRecord>) if (r.kind === 'advisory') out.push(r.advisory);
  return out;
}

const all = readAll(MIRROR);
const byId = async (id: string) => {
  const a = (await all).find((x) => x.id === id);
  assert.ok(a, `${id} missing`);
  return a;
};
const entries = (a: Advisory, name: string): AffectedPackage[] => a.affected.filter((p) => p.name === name);
const events = (a: AffectedPackage[]) => a.flatMap((p) => p.ranges.map((r) => r.events));

test('friendsofphp: every advisory file of the mirror is read, every branch becomes one range', async () => {
  // Independent counts by string scan: files, "versions:" lines (one per branch), vendor/package folders.
  let files = 0;
  let branches = 0;
  const packages = new Set<string>();
  for (const vendor of readdirSync(REPO)) {
    if (!statSync(path.join(REPO, vendor)).isDirectory()) continue;
    for (const pkg of readdirSync(path.join(REPO, vendor))) {
      for (const f of readdirSync(path.join(REPO, vendor, pkg))) {
        if (!f.endsWith('.yaml')) continue;
        files++;
        packages.add(`${vendor}/${pkg}`.toLowerCase());
        branches += (readFileSync(path.join(REPO, vendor, pkg, f), 'utf8').match(/^\s+versions:/gm) ?? []).length;
      }
    }
  }
  assert.equal(files, 1592);
  const advisories = await all;
  const ranges = advisories.reduce((n, a) => n + a.affected.reduce((m, p) => m + p.ranges.length, 0), 0);
  assert.equal(ranges, branches);
  assert.deepEqual(new Set(advisories.flatMap((a) => a.affected.map((p) => p.name))), packages);
  assert.equal(new Set(advisories.map((a) => a.id)).size, advisories.length);
  for (const a of advisories) {
    assert.equal(a.source, 'friendsofphp');
    for (const p of a.affected) assert.equal(p.ecosystem, 'composer');
  }
});

test('friendsofphp: hand-checked records', async () => {
  // cakephp/cakephp/2015-08-06.yaml: no CVE, a date name: id is the repository path; 8 branches.
  const cake = await byId('cakephp/cakephp/2015-08-06');
  assert.equal(cake.summary, 'Direct access of prefixed controller actions');
  assert.equal(cake.published, '2015-08-06T22:08:00Z');
  assert.deepEqual(cake.references, ['https://bakery.cakephp.org/2015/08/06/cakephp_2_5_9_2_6_10_2_7_2_released.html']);
  assert.equal(cake.affected.length, 1);
  assert.deepEqual(events(cake.affected)[5], [{ introduced: '2.5.0' }, { fixed: '2.5.9' }]);
  assert.equal(events(cake.affected).length, 8);

  // amphp/artax/CVE-2016-5385.yaml: branches ['>=2', '<2.0.4'] and ['>0.7.1', '<1.0.4']; the CVE is shared by
  // guzzle, drupal, bugsnag… which are the same advisory.
  const proxy = await byId('CVE-2016-5385');
  const artax = entries(proxy, 'amphp/artax');
  assert.deepEqual(events(artax), [
    [{ introduced: '2' }, { fixed: '2.0.4' }],
    [{ introduced: '0.7.1' }, { fixed: '1.0.4' }],
  ]);
  assert.deepEqual(artax[1]!.unaffected, [['<= 0.7.1']], '">0.7.1" cannot be an introduced event');
  assert.equal(artax[0]!.unaffected, undefined);
  assert.ok(entries(proxy, 'guzzlehttp/guzzle').length === 1);

  // illuminate/database/CVE-2020-24940.yaml: '<=5.5.44' is last_affected.
  const guard = await byId('CVE-2020-24940');
  assert.deepEqual(events(guard.affected), [
    [{ introduced: '5.5.0' }, { last_affected: '5.5.44' }],
    [{ introduced: '6.0.0' }, { fixed: '6.18.34' }],
    [{ introduced: '7.0.0' }, { fixed: '7.23.2' }],
  ]);
  assert.equal(guard.summary, 'Guard bypass in Eloquent models');

  // easycorp/easyadmin-bundle/GHSA-2wwr-9x6f-88gp.yaml: no cve field, the GHSA file name is the id.
  const ghsa = await byId('GHSA-2wwr-9x6f-88gp');
  assert.deepEqual(ghsa.aliases, []);
  assert.deepEqual(events(entries(ghsa, 'easycorp/easyadmin-bundle')), [
    [{ introduced: '4.0.0' }, { fixed: '4.29.10' }],
    [{ introduced: '5.0.0' }, { fixed: '5.0.10' }],
  ]);

  // silverstripe/framework/SS-2016-003-1.yaml: cve ~, SilverStripe id; '>3.2' branch.
  const ss = await byId('SS-2016-003-1');
  const fw = entries(ss, 'silverstripe/framework');
  assert.equal(fw.length, 2);
  assert.deepEqual(fw[1]!.ranges[0]!.events, [{ introduced: '3.2' }, { fixed: '3.3.0' }]);
  assert.deepEqual(fw[1]!.unaffected, [['<= 3.2']]);
});

const tmp = mkdtempSync(path.join(tmpdir(), 'tollgate-fop-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const REL = 'friendsofphp-security-advisories/amphp/artax/CVE-2016-5385.yaml';
async function rejects(name: string, content: string, message: RegExp): Promise<void> {
  const mirror = path.join(tmp, name);
  mkdirSync(path.dirname(path.join(mirror, REL)), { recursive: true });
  cpSync(path.join(REPO, 'cakephp'), path.join(mirror, 'friendsofphp-security-advisories', 'cakephp'), { recursive: true });
  writeFileSync(path.join(mirror, REL), content);
  await assert.rejects(readAll(mirror), (e: unknown) => {
    assert.ok(e instanceof VulnDbError, String(e));
    assert.equal(e.code, 'MALFORMED_FEED');
    assert.ok(e.message.includes(REL), e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('friendsofphp: malformed files fail with the file and the entry named; unknown fields are tolerated', async () => {
  const original = readFileSync(path.join(MIRROR, REL), 'utf8');
  await rejects('truncated', original.slice(0, original.indexOf("'<2.0.4']")), /amphp\/artax\/CVE-2016-5385: not valid YAML/);
  await rejects('wrong-type', original.replace("versions: ['>=2', '<2.0.4']", 'versions: 7'), /branches\.master\.versions: expected a non-empty list/);
  await rejects('no-branches', original.replace(/branches:[\s\S]*reference/, 'reference'), /branches: missing/);
  await rejects('bad-constraint', original.replace("'<2.0.4'", "'~2.0'"), /branches\.master\.versions\[1\]: unsupported constraint "~2.0"/);
  await rejects('bad-reference', original.replace('composer://amphp/artax', 'pear://artax'), /reference: expected composer:\/\/vendor\/package/);

  const mirror = path.join(tmp, 'unknown-field');
  mkdirSync(path.dirname(path.join(mirror, REL)), { recursive: true });
  writeFileSync(path.join(mirror, REL), `${original}\nfuture:\n    field: [1]\n`);
  const [got] = await readAll(mirror);
  assert.equal(got!.id, 'CVE-2016-5385');
  assert.deepEqual(got!.affected, entries(await byId('CVE-2016-5385'), 'amphp/artax'));
});
