import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { shared } from '../../../../test/support/paths.js';
import type { Advisory, AffectedPackage } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import type { FeedRecord } from '../feed.js';
import { debianFileKind, feed } from './index.js';
import { parseTrackerJson } from './parse-tracker-json.js';
import { DebianReleases } from './releases.js';

const MIRROR = shared('vulndb');
const SAMPLES = path.join(MIRROR, 'debian', 'samples');
const JSON_REL = 'debian/samples/security-tracker-json/debian.json';

async function readAll(mirror: string, warnings: string[] = []): Promise<Advisory[]> {
  const out: Advisory[] = [];
  for await (const r of feed.read(mirror, { warn: (m) => warnings.push(m) }) as AsyncIterable<FeedRecord>) if (r.kind === 'advisory') out.push(r.advisory);
  return out;
}

const warnings: string[] = [];
const all = readAll(MIRROR, warnings);
const byId = async (id: string) => {
  const a = (await all).find((x) => x.id === id);
  assert.ok(a, `${id} missing`);
  return a;
};
const release = (a: Advisory, distro: string, name: string): AffectedPackage => {
  const p = a.affected.find((x) => x.distro === distro && x.name === name);
  assert.ok(p, `${a.id} ${distro} ${name} missing`);
  return p;
};
const fixedIn = (v: string) => [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: v }] }];
const open = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }];

test('debian: every file of the tracker samples is read', async () => {
  const raw = readdirSync(path.join(SAMPLES, 'security-tracker-raw'));
  assert.deepEqual(raw.map((f) => debianFileKind(`debian/samples/security-tracker-raw/${f}`)).sort(), ['CVE', 'DLA', 'DSA', 'DSA', 'distributions']);
  assert.equal(debianFileKind(JSON_REL), 'json');
  assert.equal(debianFileKind('debian/security-tracker/data/DSA/list'), 'DSA');

  const advisories = await all;
  // JSON: ids and (package, id, release) statements counted by string scan.
  const text = readFileSync(path.join(MIRROR, JSON_REL), 'utf8');
  const jsonIds = new Set([...text.matchAll(/^ {4}"((?:CVE|TEMP)-[^"]+)": \{/gm)].map((m) => m[1]!));
  const statements = (text.match(/"status":/g) ?? []).length;
  const fromJson = advisories.filter((a) => jsonIds.has(a.id));
  assert.equal(fromJson.length, jsonIds.size);
  assert.equal(fromJson.reduce((n, a) => n + a.affected.length, 0), statements);
  // DSA/DLA: headers counted by string scan; three are announcements with neither CVE nor package (DSA-2819-1
  // "iceape - several", DSA-3281-1 key change, DSA-4205-1 jessie end-of-life: checked by eye) and are dropped.
  let headers = 0;
  for (const f of raw.filter((f) => /^D[SL]A-list/.test(f))) {
    headers += (readFileSync(path.join(SAMPLES, 'security-tracker-raw', f), 'utf8').match(/^\[\d\d [A-Z][a-z]{2} \d{4}\] D[SL]A-\d+/gm) ?? []).length;
  }
  const dsa = advisories.filter((a) => /^D[SL]A-/.test(a.id));
  assert.equal(dsa.length, headers - 3);
  for (const id of ['DSA-2819-1', 'DSA-3281-1', 'DSA-4205-1']) assert.equal(advisories.find((a) => a.id === id), undefined);
  // CVE/list: the five entries minus the placeholder ids (CVE-2023-XXXX ×2), TODO-only and NOT-FOR-US ones.
  const fromList = advisories.filter((a) => !jsonIds.has(a.id) && !/^D[SL]A-/.test(a.id)).map((a) => a.id);
  assert.deepEqual(fromList.sort(), ['CVE-2021-36367', 'CVE-2021-36373']);
  // The DLA excerpt ends with a malformed header (a vuln-list-update sad-path line): reported with its line.
  assert.deepEqual(warnings, ['debian: debian/samples/security-tracker-raw/DLA-list-excerpt:4: malformed DLA header skipped with its annotations: "[19 Jul 2021] MALFORMED HEADER"']);
  for (const a of advisories) {
    assert.equal(a.source, 'debian');
    for (const p of a.affected) assert.equal(p.ecosystem, 'deb');
  }
});

test('debian: hand-checked tracker JSON records', async () => {
  // chromium CVE-2022-0456: bookworm resolved 98.0.4758.80-1 "not yet assigned"; bullseye 98.0.4758.80-1~deb11u1;
  // buster/stretch open with urgency end-of-life; sid resolved.
  const chromium = await byId('CVE-2022-0456');
  assert.deepEqual(release(chromium, 'debian:12', 'chromium'), {
    ecosystem: 'deb',
    distro: 'debian:12',
    name: 'chromium',
    status: 'fixed',
    ranges: fixedIn('98.0.4758.80-1'),
    severity: 'UNKNOWN',
  });
  assert.deepEqual(release(chromium, 'debian:11', 'chromium').ranges, fixedIn('98.0.4758.80-1~deb11u1'));
  assert.equal(release(chromium, 'debian:10', 'chromium').status, 'end-of-life');
  assert.deepEqual(release(chromium, 'debian:10', 'chromium').ranges, open);
  assert.equal(release(chromium, 'debian:9', 'chromium').status, 'end-of-life');
  assert.equal(release(chromium, 'debian:unstable', 'chromium').status, 'fixed');
  assert.equal(chromium.affected.length, 5);

  // prototypejs CVE-2007-2383: resolved with fixed_version "0", urgency unimportant → not affected, NEGLIGIBLE.
  const proto = await byId('CVE-2007-2383');
  for (const d of ['debian:8', 'debian:9', 'debian:10', 'debian:unstable']) {
    assert.deepEqual(release(proto, d, 'prototypejs'), { ecosystem: 'deb', distro: d, name: 'prototypejs', status: 'not-affected', ranges: [], severity: 'NEGLIGIBLE' });
  }
  assert.ok(proto.references!.includes('https://bugs.debian.org/555217'));

  // prototypejs CVE-2008-7220: "high**" (urgency from NVD) → HIGH, fixed 1.6.0.2-1.
  assert.deepEqual(release(await byId('CVE-2008-7220'), 'debian:10', 'prototypejs').severity, 'HIGH');
  assert.deepEqual(release(await byId('CVE-2008-7220'), 'debian:10', 'prototypejs').ranges, fixedIn('1.6.0.2-1'));

  // sope CVE-2025-53603: trixie (13) fixed 5.12.1-2; DSA-5970-1 lists the CVE, so it is an alias.
  const sope = await byId('CVE-2025-53603');
  assert.deepEqual(release(sope, 'debian:13', 'sope').ranges, fixedIn('5.12.1-2'));
  assert.deepEqual(release(sope, 'debian:12', 'sope').ranges, fixedIn('5.8.0-1+deb12u1'));
  assert.deepEqual(sope.aliases, ['DSA-5970-1']);
  assert.match(sope.details ?? '', /^In Alinto SOPE SOGo 2\.0\.2 through 5\.12\.2/);

  // chromium-browser CVE-2022-0358: "releases": [] (no release yet) is an advisory without affected entries.
  assert.deepEqual((await byId('CVE-2022-0358')).affected, []);
});

test('debian: hand-checked DSA, DLA and CVE/list records', async () => {
  const redis = await byId('DSA-4480-1');
  assert.deepEqual(redis.aliases, ['CVE-2019-10192', 'CVE-2019-10193']);
  assert.equal(redis.published, '2019-07-11');
  assert.equal(redis.summary, 'redis: security update');
  assert.deepEqual(release(redis, 'debian:9', 'redis').ranges, fixedIn('3:3.2.6-3+deb9u3'));
  assert.deepEqual(release(redis, 'debian:10', 'redis').ranges, fixedIn('5:5.0.3-4+deb10u1'));

  const png = await byId('DSA-140');
  assert.deepEqual(png.aliases, ['CVE-2002-0660', 'CVE-2002-0728']);
  assert.deepEqual(png.affected.map((p) => [p.distro, p.name]), [
    ['debian:3', 'libpng'],
    ['debian:3', 'libpng3'],
  ]);

  const thunderbird = await byId('DLA-2711-1');
  assert.deepEqual(thunderbird.aliases, ['CVE-2021-29969', 'CVE-2021-29970', 'CVE-2021-29976', 'CVE-2021-30547']);
  assert.deepEqual(release(thunderbird, 'debian:9', 'thunderbird').ranges, fixedIn('1:78.12.0-1~deb9u1'));

  // CVE/list: "- putty 0.75-3 (low; bug #990901)", "[bullseye] - putty <no-dsa> (Minor issue)".
  const putty = await byId('CVE-2021-36367');
  assert.deepEqual(release(putty, 'debian:unstable', 'putty'), { ecosystem: 'deb', distro: 'debian:unstable', name: 'putty', status: 'fixed', ranges: fixedIn('0.75-3'), severity: 'LOW' });
  const bullseye = release(putty, 'debian:11', 'putty');
  assert.equal(bullseye.status, 'unfixed');
  assert.equal(bullseye.severity, 'LOW');
  assert.match(bullseye.note ?? '', /^no-dsa: Minor issue/);
  // "- ant <unfixed> (unimportant)".
  assert.deepEqual(release(await byId('CVE-2021-36373'), 'debian:unstable', 'ant'), {
    ecosystem: 'deb',
    distro: 'debian:unstable',
    name: 'ant',
    status: 'unfixed',
    ranges: open,
    severity: 'NEGLIGIBLE',
  });
});

test('debian: open issues by nodsa_reason and urgency; unknown codenames; distributions.json', () => {
  // The tracker's JSON shape for the statuses the excerpt lacks (values as the tracker writes them).
  const doc = {
    openssl: {
      'CVE-2024-0001': {
        releases: {
          bookworm: { status: 'open', urgency: 'low', nodsa: 'Minor issue', nodsa_reason: '', repositories: { bookworm: '3.0.11-1~deb12u2' } },
          bullseye: { status: 'open', urgency: 'low', nodsa: 'Minor issue', nodsa_reason: 'ignored' },
          trixie: { status: 'open', urgency: 'medium', nodsa: 'Will be fixed via point release', nodsa_reason: 'postponed' },
          sid: { status: 'undetermined', urgency: 'not yet assigned' },
          excalibur: { status: 'resolved', fixed_version: '3.5.0-1', urgency: 'low' },
          experimental: { status: 'resolved', fixed_version: '3.5.0-1', urgency: 'low' },
        },
      },
    },
  };
  const releases = new DebianReleases();
  releases.addDistributionsJson('debian/distributions.json', JSON.stringify({ excalibur: { 'major-version': '16', support: 'none' } }));
  const { advisories, unknownReleases } = parseTrackerJson('t.json', JSON.stringify(doc), releases);
  const a = advisories[0]!;
  const get = (d: string) => a.affected.find((p) => p.distro === d)!;
  assert.deepEqual([get('debian:12').status, get('debian:12').severity, get('debian:12').ranges], ['unfixed', 'LOW', open]);
  assert.match(get('debian:12').note!, /^no-dsa: Minor issue/);
  assert.equal(get('debian:11').status, 'will-not-fix');
  assert.equal(get('debian:11').note, 'ignored: Minor issue');
  assert.equal(get('debian:13').status, 'unfixed');
  assert.match(get('debian:13').note!, /^postponed: Will be fixed via point release/);
  assert.deepEqual([get('debian:unstable').status, get('debian:unstable').severity], ['unfixed', 'UNKNOWN']);
  assert.match(get('debian:unstable').note!, /^undetermined/);
  assert.equal(get('debian:16').status, 'fixed', 'a codename only distributions.json knows');
  assert.deepEqual([...unknownReleases], ['experimental']);
});

const tmp = mkdtempSync(path.join(tmpdir(), 'tollgate-debian-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function rejects(name: string, content: string, message: RegExp): Promise<void> {
  const mirror = path.join(tmp, name);
  cpSync(SAMPLES, path.join(mirror, 'debian', 'samples'), { recursive: true });
  writeFileSync(path.join(mirror, JSON_REL), content);
  await assert.rejects(readAll(mirror), (e: unknown) => {
    assert.ok(e instanceof VulnDbError, String(e));
    assert.equal(e.code, 'MALFORMED_FEED');
    assert.ok(e.message.includes(JSON_REL), e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('debian: a malformed tracker JSON fails with the file and the entry named; unknown fields are tolerated', async () => {
  const original = readFileSync(path.join(MIRROR, JSON_REL), 'utf8');
  const doc = JSON.parse(original) as Record<string, Record<string, Record<string, unknown>>>;
  const edit = (f: (d: typeof doc) => void) => {
    const d = structuredClone(doc);
    f(d);
    return JSON.stringify(d);
  };
  await rejects('truncated', original.slice(0, original.length / 2), /not valid JSON/);
  await rejects('releases-type', edit((d) => (d.txt2man!['CVE-2013-1444']!.releases = 'stretch')), /txt2man CVE-2013-1444: releases: expected an object/);
  await rejects(
    'status-type',
    edit((d) => ((d.txt2man!['CVE-2013-1444']!.releases as Record<string, Record<string, unknown>>).buster!.status = 5)),
    /txt2man CVE-2013-1444: releases\.buster: status: expected a string/,
  );
  await rejects(
    'no-fixed-version',
    edit((d) => delete (d.txt2man!['CVE-2013-1444']!.releases as Record<string, Record<string, unknown>>).sid!.fixed_version),
    /txt2man CVE-2013-1444: releases\.sid: status "resolved" without fixed_version/,
  );
  await rejects('package-type', edit((d) => ((d as Record<string, unknown>).txt2man = [1])), /txt2man: expected \{CVE: …\}/);

  const mirror = path.join(tmp, 'unknown-field');
  cpSync(SAMPLES, path.join(mirror, 'debian', 'samples'), { recursive: true });
  writeFileSync(
    path.join(mirror, JSON_REL),
    edit((d) => {
      d.txt2man!['CVE-2013-1444']!.future = { x: [1] };
      (d.txt2man!['CVE-2013-1444']!.releases as Record<string, Record<string, unknown>>).sid!.future = 1;
    }),
  );
  const got = await readAll(mirror);
  assert.deepEqual(got.find((a) => a.id === 'CVE-2013-1444'), await byId('CVE-2013-1444'));
});

test('debian: DSA list annotations the parser does not know are reported, not fatal', async () => {
  const mirror = path.join(tmp, 'odd-dsa');
  mkdirSync(path.join(mirror, 'debian', 'security-tracker', 'data', 'DSA'), { recursive: true });
  writeFileSync(
    path.join(mirror, 'debian', 'security-tracker', 'data', 'DSA', 'list'),
    '[11 Jul 2019] DSA-4480-1 redis - security update\n\t{CVE-2019-10192}\n\t[buster] - redis 5:5.0.3-4+deb10u1\n\tsomething odd\n',
  );
  const w: string[] = [];
  const got = await readAll(mirror, w);
  assert.equal(got.length, 1);
  assert.deepEqual(w, ['debian: debian/security-tracker/data/DSA/list:4: DSA-4480-1: unrecognised annotation skipped: "something odd"']);
});
