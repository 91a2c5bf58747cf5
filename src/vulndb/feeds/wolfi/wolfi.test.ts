import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { shared } from '../../../../test/support/paths.js';
import type { Advisory } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import type { FeedRecord } from '../feed.js';
import { feed, wolfiDistro } from './index.js';

const MIRROR = shared('vulndb');

async function readAll(mirror: string): Promise<Advisory[]> {
  const out: Advisory[] = [];
  for await (const r of feed.read(mirror, { warn: () => {} }) as AsyncIterable<FeedRecord>) if (r.kind === 'advisory') out.push(r.advisory);
  return out;
}
const all = readAll(MIRROR);

test('wolfi: every (distribution, package, version, id) of both security.json files is one statement', async () => {
  // Expected statements straight from the JSON (JSON.parse, not the feed's parser).
  const expected = new Set<string>();
  for (const [dir, distro] of [
    ['wolfi', 'wolfi:rolling'],
    ['chainguard', 'chainguard:rolling'],
  ]) {
    const doc = JSON.parse(readFileSync(path.join(MIRROR, 'samples', dir!, 'secdb', 'security.json'), 'utf8')) as {
      packages: { pkg: { name: string; secfixes: Record<string, string[]> } }[];
    };
    for (const { pkg } of doc.packages) {
      for (const [version, ids] of Object.entries(pkg.secfixes)) for (const id of ids) expected.add(`${id} ${distro} ${pkg.name} ${version}`);
    }
  }
  const got = new Set<string>();
  for (const a of await all) {
    assert.equal(a.source, 'wolfi');
    for (const p of a.affected) {
      const fixed = p.status === 'not-affected' ? '0' : (p.ranges[0]!.events[1] as { fixed: string }).fixed;
      got.add(`${a.id} ${p.distro} ${p.name} ${fixed}`);
    }
  }
  assert.deepEqual(got, expected);
  assert.equal(expected.size, 256);
});

test('wolfi: hand-checked records', async () => {
  const find = async (id: string) => (await all).find((a) => a.id === id)!;
  // wolfi binutils 2.39-r1: CVE-2022-38126; chainguard has the same package statement.
  assert.deepEqual((await find('CVE-2022-38126')).affected.map((p) => [p.distro, p.name, p.status, p.ranges]), [
    ['wolfi:rolling', 'binutils', 'fixed', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.39-r1' }] }]],
    ['chainguard:rolling', 'binutils', 'fixed', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.39-r1' }] }]],
  ]);
  // wolfi coreutils "0": CVE-2016-2781 (not affected).
  assert.equal((await find('CVE-2016-2781')).affected[0]!.status, 'not-affected');
  // wolfi apko "0": GHSA-jq35-85cj-fj4p, a GHSA id as the advisory id.
  assert.deepEqual((await find('GHSA-jq35-85cj-fj4p')).affected.map((p) => [p.distro, p.name, p.status]), [['wolfi:rolling', 'apko', 'not-affected']]);
  // chainguard grafana 7.5.19-r0: CVE-2022-31130.
  assert.deepEqual((await find('CVE-2022-31130')).affected.map((p) => [p.distro, p.name]), [['chainguard:rolling', 'grafana']]);
  // wolfi busybox 1.35.0-r3: CVE-2022-28391, CVE-2022-30065.
  assert.equal(((await find('CVE-2022-30065')).affected.find((p) => p.distro === 'wolfi:rolling')!.ranges[0]!.events[1] as { fixed: string }).fixed, '1.35.0-r3');
  assert.equal(wolfiDistro('wolfi/secdb/security.json'), 'wolfi:rolling');
  assert.equal(wolfiDistro('samples/chainguard/secdb/security.json'), 'chainguard:rolling');
});

const tmp = mkdtempSync(path.join(tmpdir(), 'tollgate-wolfi-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('wolfi: malformed files fail with the file and the entry named', async () => {
  const json = readFileSync(path.join(MIRROR, 'samples/wolfi/secdb/security.json'), 'utf8');
  const rel = 'wolfi/secdb/security.json';
  for (const [name, content, message] of [
    ['truncated', json.slice(0, 500), /not valid JSON/],
    ['wrong-type', json.replace('"packages": [', '"packages": 5, "old": ['), /packages: expected a list, found number 5/],
    ['secfixes-list', json.replace(/"secfixes": \{\s*"2\.39-r1"/, '"secfixes": ["2.39-r1"], "x": {"a"'), /packages\[0\] \(binutils\)\.pkg\.secfixes: expected a mapping/],
  ] as const) {
    const mirror = path.join(tmp, name);
    mkdirSync(path.dirname(path.join(mirror, rel)), { recursive: true });
    writeFileSync(path.join(mirror, rel), content);
    await assert.rejects(readAll(mirror), (e: unknown) => {
      assert.ok(e instanceof VulnDbError, String(e));
      assert.ok(e.message.includes(rel), e.message);
      assert.match(e.message, message);
      return true;
    }, name);
  }
});
