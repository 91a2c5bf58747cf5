import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { shared } from '../../../../test/support/paths.js';
import type { Advisory, AffectedPackage } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import type { FeedRecord } from '../feed.js';
import { alpineBranch, feed } from './index.js';
import { parseSecfixEntry } from '../../secdb/parse-secdb.js';

const MIRROR = shared('vulndb');
const ALPINE = path.join(MIRROR, 'alpine');

async function readAll(mirror: string, warnings: string[] = []): Promise<Advisory[]> {
  const out: Advisory[] = [];
  for await (const r of feed.read(mirror, { warn: (m) => warnings.push(m) }) as AsyncIterable<FeedRecord>) if (r.kind === 'advisory') out.push(r.advisory);
  return out;
}

const warnings: string[] = [];
const all = readAll(MIRROR, warnings);
async function entry(id: string, distro: string, name: string): Promise<AffectedPackage> {
  const a = (await all).find((x) => x.id === id);
  assert.ok(a, `${id} missing`);
  const p = a.affected.find((x) => x.distro === distro && x.name === name);
  assert.ok(p, `${id} ${distro} ${name} missing`);
  return p;
}
const fixedIn = (version: string) => [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: version }] }];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(json|ya?ml)$/.test(n) ? [p] : [];
  });
}

test('alpine: every secdb file is read; every CVE and XSA id in the files is an advisory id or alias', async () => {
  const paths = files(ALPINE);
  assert.equal(paths.length, 34, 'README.md table: 18 YAML branch files, 6+2 samples, 8 vuln-list files');
  // Independent scan of the raw text (typos "CVE_2019-2426", "CVE 2018-16859" included).
  const cves = new Set<string>();
  const xsas = new Set<string>();
  for (const p of paths) {
    const text = readFileSync(p, 'utf8');
    for (const m of text.matchAll(/CVE[-_ ](\d{4}-\d{4,})/g)) cves.add(`CVE-${m[1]}`);
    for (const m of text.matchAll(/XSA-\d+/g)) xsas.add(m[0]);
  }
  const advisories = await all;
  const ids = new Set(advisories.flatMap((a) => [a.id, ...a.aliases]));
  assert.deepEqual(new Set([...ids].filter((i) => i.startsWith('CVE-'))), cves);
  assert.deepEqual(new Set([...ids].filter((i) => i.startsWith('XSA-'))), xsas);
  assert.deepEqual(warnings, [], 'every entry of the mirror names an id');
  // Branches: the nine YAML branches, the JSON/YAML samples (3.11, 3.12, 3.15, edge) and vuln-list (3.16, 3.18, 3.20).
  const distros = new Set(advisories.flatMap((a) => a.affected.map((p) => p.distro)));
  assert.deepEqual(
    [...distros].sort(),
    ['3.10', '3.11', '3.12', '3.15', '3.16', '3.18', '3.20', '3.3', '3.4', '3.5', '3.6', '3.7', '3.8', '3.9', 'edge'].map((b) => `alpine:${b}`).sort(),
  );
  for (const a of advisories) {
    assert.equal(a.source, 'alpine');
    for (const p of a.affected) assert.equal(p.ecosystem, 'apk');
  }
});

test('alpine: hand-checked records', async () => {
  // vuln-list alpine/3.20/main/zlib.json: "0": [CVE-2023-45853, CVE-2023-6992], "1.2.12-r2": [CVE-2022-37434].
  assert.deepEqual(await entry('CVE-2023-45853', 'alpine:3.20', 'zlib'), { ecosystem: 'apk', distro: 'alpine:3.20', name: 'zlib', status: 'not-affected', ranges: [] });
  assert.deepEqual((await entry('CVE-2022-37434', 'alpine:3.20', 'zlib')).ranges, fixedIn('1.2.12-r2'));
  assert.equal((await entry('CVE-2022-37434', 'alpine:3.20', 'zlib')).status, 'fixed');
  // alpine-secdb-yaml/v3.11/main.yaml: ansible 2.9.3-r0: CVE-2019-14904.
  assert.deepEqual((await entry('CVE-2019-14904', 'alpine:3.11', 'ansible')).ranges, fixedIn('2.9.3-r0'));
  // v3.5/main.yaml xen 4.7.2-r1: "CVE-2017-8903 XSA-213".
  assert.deepEqual((await entry('CVE-2017-8903', 'alpine:3.5', 'xen')).ranges, fixedIn('4.7.2-r1'));
  assert.deepEqual((await all).find((a) => a.id === 'CVE-2017-8903')!.aliases, ['XSA-213']);
  // v3.11/community.yaml openjdk7 7.211.2.6.17-r0: "CVE_2019-2426" (typo normalised).
  assert.deepEqual((await entry('CVE-2019-2426', 'alpine:3.11', 'openjdk7')).ranges, fixedIn('7.211.2.6.17-r0'));
  // v3.9/main.yaml ansible 2.7.3-r0: "CVE 2018-16859".
  assert.deepEqual((await entry('CVE-2018-16859', 'alpine:3.9', 'ansible')).ranges, fixedIn('2.7.3-r0'));
  // samples/secdb-json/edge-main.json: apk-tools 2.12.6-r0: CVE-2021-36159, distroversion "edge".
  assert.deepEqual((await entry('CVE-2021-36159', 'alpine:edge', 'apk-tools')).ranges, fixedIn('2.12.6-r0'));
  // samples/secdb-json/v3.12-main.json: ansible "2.7.9-r0": [CVE-2018-16876], "2.8.0-r0": {} (nothing).
  assert.deepEqual((await entry('CVE-2018-16876', 'alpine:3.12', 'ansible')).ranges, fixedIn('2.7.9-r0'));
  // v3.10/community.yaml exim lists CVE-2018-6789 under 4.91-r0 and 4.90.1-r0: the higher version is kept.
  const exim = await entry('CVE-2018-6789', 'alpine:3.10', 'exim');
  assert.deepEqual(exim.ranges, fixedIn('4.91-r0'));
  assert.equal(exim.note, 'also listed under 4.90.1-r0');
});

test('alpine: secfixes entries and branch names', () => {
  assert.deepEqual(parseSecfixEntry('CVE-2017-8903 XSA-213'), { ids: ['CVE-2017-8903', 'XSA-213'] });
  assert.deepEqual(parseSecfixEntry('CVE-2017-17434-1'), { ids: ['CVE-2017-17434'] });
  assert.deepEqual(parseSecfixEntry('CVE-2019-19451.patch'), { ids: ['CVE-2019-19451'] });
  assert.deepEqual(parseSecfixEntry('CVE-2018-1000120 (BGP)'), { ids: ['CVE-2018-1000120'], note: 'BGP' });
  assert.deepEqual(parseSecfixEntry('CVE-????-?????  XSA-295'), { ids: ['XSA-295'] });
  assert.deepEqual(parseSecfixEntry('CVE-????-?????'), { ids: [] });
  assert.equal(alpineBranch('v3.19'), '3.19');
  assert.equal(alpineBranch('edge'), 'edge');
  assert.equal(alpineBranch('alpine/vuln-list/3.20/main/zlib.json'), '3.20');
  assert.equal(alpineBranch('alpine/samples/secdb-json/v3.12-main.json'), '3.12');
  assert.equal(alpineBranch('alpine/secdb/main.json'), undefined);
});

const tmp = mkdtempSync(path.join(tmpdir(), 'tollgate-alpine-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function rejects(name: string, rel: string, content: string, message: RegExp): Promise<void> {
  const mirror = path.join(tmp, name);
  mkdirSync(path.dirname(path.join(mirror, rel)), { recursive: true });
  writeFileSync(path.join(mirror, rel), content);
  await assert.rejects(readAll(mirror), (e: unknown) => {
    assert.ok(e instanceof VulnDbError, String(e));
    assert.equal(e.code, 'MALFORMED_FEED');
    assert.ok(e.message.includes(rel), e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('alpine: malformed files fail with the file and the entry named; unknown fields are tolerated', async () => {
  const json = readFileSync(path.join(ALPINE, 'samples/secdb-json/edge-main.json'), 'utf8');
  const yaml = readFileSync(path.join(ALPINE, 'alpine-secdb-yaml/v3.11/main.yaml'), 'utf8');
  const rel = 'alpine/secdb/edge/main.json';
  // A YAML file cut inside a quoted string. (Cut at a line end, YAML stays valid YAML: only the JSON form, which
  // db update downloads, detects every truncation.)
  await rejects('truncated-json', rel, json.slice(0, json.length / 2), /not valid JSON/);
  await rejects('truncated-yaml', 'alpine/secdb/v3.11/main.yaml', yaml.slice(0, yaml.indexOf('apkurl:') + 20), /not valid YAML/);
  await rejects('wrong-type', rel, json.replace('"CVE-2021-36159"', '36159'), /packages\[0\] \(apk-tools\)\.pkg\.secfixes\.2\.12\.6-r0\[0\]: expected a string/);
  await rejects('ids-not-a-list', rel, json.replace(/\[\s*"CVE-2021-36159"\s*\]/, '"CVE-2021-36159"'), /apk-tools\)\.pkg\.secfixes\.2\.12\.6-r0: expected a list of ids/);
  await rejects('no-name', rel, json.replace('"name": "apk-tools",', ''), /packages\[0\]\.pkg\.name: expected a package name/);
  await rejects('no-branch', 'alpine/secdb/main.json', json.replace('"distroversion":"edge",', ''), /no distroversion, and the path names no branch/);

  const mirror = path.join(tmp, 'unknown-field');
  mkdirSync(path.join(mirror, 'alpine/secdb/edge'), { recursive: true });
  writeFileSync(path.join(mirror, rel), json.replace('"reponame":"main",', '"reponame":"main","future":{"x":[1]},'));
  const got = await readAll(mirror);
  assert.deepEqual(
    got.map((a) => a.id),
    ['CVE-2021-30139', 'CVE-2021-36159'],
  );
});
