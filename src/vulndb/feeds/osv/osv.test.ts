/**
 * The osv feed on every OSV file of the offline mirror (GHSA, the Go vulndb, the PyPA YAML database, Ubuntu and
 * Chainguard OSV), spot checks of hand-read records, the ecosystem mapping, and malformed/hostile copies.
 * Expected counts come from walking and reading the files here, independently of the feed's own code.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { Advisory } from '../../../core/index.js';
import { VulnDbError } from '../../../core/index.js';
import { shared } from '../../../../test/support/paths.js';
import { makeZip } from '../../../../test/support/zip-writer.js';
import { feed } from './index.js';
import { mapEcosystem } from './ecosystems.js';

const mirror = shared('vulndb');

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

async function readAll(dir: string): Promise<{ advisories: Advisory[]; warnings: string[] }> {
  const advisories: Advisory[] = [];
  const warnings: string[] = [];
  for await (const r of feed.read(dir, { warn: (m) => warnings.push(m) })) {
    assert.equal(r.kind, 'advisory');
    if (r.kind === 'advisory') advisories.push(r.advisory);
  }
  return { advisories, warnings };
}

let all: Advisory[];
let warnings: string[];
let byId: Map<string, Advisory>;
before(async () => {
  ({ advisories: all, warnings } = await readAll(mirror));
  byId = new Map(all.map((a) => [a.id, a]));
});

describe('osv feed on the whole mirror', () => {
  test('one advisory per record file, ids equal to the file names', () => {
    const ghsa = walk(shared('vulndb', 'ghsa')).filter((f) => f.endsWith('.json'));
    const go = walk(shared('vulndb', 'osv', 'golang-vulndb')).filter((f) => /GO-\d{4}-\d+\.json$/.test(f));
    const pypa = walk(shared('vulndb', 'osv', 'pypa-advisory-database')).filter((f) => f.endsWith('.yaml'));
    const ubuntu = walk(shared('vulndb', 'samples', 'ubuntu', 'osv')).filter((f) => f.endsWith('.json'));
    const chainguard = walk(shared('vulndb', 'samples', 'chainguard', 'osv')).filter((f) => /CGA-.*\.json$/.test(f));
    assert.equal(ghsa.length, 26);
    assert.equal(go.length, 4291);
    assert.equal(pypa.length, 2661);
    assert.equal(ubuntu.length, 7);
    assert.equal(chainguard.length, 3);
    const expected = [...ghsa, ...go, ...pypa, ...ubuntu, ...chainguard].map((f) => path.basename(f).replace(/\.(json|yaml)$/, '')).sort();
    assert.equal(all.length, expected.length);
    assert.deepEqual(all.map((a) => a.id).sort(), expected);
    for (const a of all) assert.equal(a.source, 'osv');
  });

  test('Go: every affected package of every record, SEMVER ranges kept as published', () => {
    let affected = 0;
    let ranges = 0;
    for (const f of walk(shared('vulndb', 'osv', 'golang-vulndb', 'data', 'osv'))) {
      const doc = JSON.parse(readFileSync(f, 'utf8')) as { affected?: { package?: unknown; ranges?: unknown[] }[] };
      for (const a of doc.affected ?? []) {
        if (!a.package) continue;
        affected++;
        ranges += a.ranges?.length ?? 0;
      }
    }
    const go = all.filter((a) => a.id.startsWith('GO-'));
    assert.equal(go.flatMap((a) => a.affected).length, affected);
    assert.equal(go.flatMap((a) => a.affected.flatMap((p) => p.ranges)).length, ranges);
    for (const p of go.flatMap((a) => a.affected)) assert.equal(p.ecosystem, 'golang');
  });

  test('PyPA YAML: ids, withdrawn records and GIT ranges as the files state them (counted with line greps)', () => {
    const files = walk(shared('vulndb', 'osv', 'pypa-advisory-database', 'vulns'));
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    const withdrawn = texts.filter((t) => /^withdrawn: /m.test(t)).length;
    const gitRanges = texts.reduce((n, t) => n + (t.match(/^ {2}- type: GIT$/gm)?.length ?? 0), 0);
    const pysec = all.filter((a) => a.id.startsWith('PYSEC-'));
    assert.equal(withdrawn, 10);
    assert.equal(pysec.filter((a) => a.withdrawn).length, withdrawn);
    assert.equal(pysec.flatMap((a) => a.affected.flatMap((p) => p.ranges)).filter((r) => r.type === 'GIT').length, gitRanges);
    for (const p of pysec.flatMap((a) => a.affected)) {
      assert.equal(p.ecosystem, 'pypi');
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${p.name} is PEP 503 normalised`);
    }
  });

  test('no warnings: every ecosystem in the mirror is mapped, every CVSS vector parses', () => {
    assert.deepEqual(warnings, []);
  });
});

describe('hand-checked records', () => {
  test('GHSA-jf85-cpcp-j695 (lodash defaultsDeep prototype pollution)', () => {
    const a = byId.get('GHSA-jf85-cpcp-j695')!;
    assert.deepEqual(a.aliases, ['CVE-2019-10744']);
    assert.equal(a.severity, 'CRITICAL');
    assert.deepEqual(a.cvss, [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 9.1, source: 'ghsa' }]);
    assert.deepEqual(a.cwes, ['CWE-20']);
    assert.equal(a.published, '2019-07-10T19:45:23Z');
    assert.equal(a.modified, '2023-09-05T22:24:55Z');
    assert.equal(a.summary, 'Prototype Pollution in lodash');
    assert.deepEqual(
      a.affected.map((p) => [p.ecosystem, p.distro, p.name, p.status, p.ranges]),
      [
        ['npm', undefined, 'lodash', 'affected', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.12' }] }]],
        ['npm', undefined, 'lodash-es', 'affected', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.14' }] }]],
        ['npm', undefined, 'lodash-amd', 'affected', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.17.13' }] }]],
        ['npm', undefined, 'lodash.defaultsdeep', 'affected', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '4.6.1' }] }]],
      ],
    );
    assert.ok(a.references?.includes('https://nvd.nist.gov/vuln/detail/CVE-2019-10744'));
  });

  test('GHSA-jfh8-c2jp-5v3q (Log4Shell): Maven group:artifact, three affected ranges, CVSS 10.0', () => {
    const a = byId.get('GHSA-jfh8-c2jp-5v3q')!;
    assert.deepEqual(a.aliases, ['CVE-2021-44228']);
    assert.equal(a.cvss?.[0]?.score, 10);
    assert.deepEqual(a.cwes, ['CWE-20', 'CWE-400', 'CWE-502', 'CWE-917']);
    assert.deepEqual(
      a.affected.map((p) => [p.ecosystem, p.name, p.ranges[0]!.events]),
      [
        ['maven', 'org.apache.logging.log4j:log4j-core', [{ introduced: '2.13.0' }, { fixed: '2.15.0' }]],
        ['maven', 'org.apache.logging.log4j:log4j-core', [{ introduced: '0' }, { fixed: '2.3.1' }]],
        ['maven', 'org.apache.logging.log4j:log4j-core', [{ introduced: '2.4' }, { fixed: '2.12.2' }]],
      ],
    );
  });

  test('GO-2022-0969 (HTTP/2 DoS): stdlib with two intervals, x/net fixed at a pseudo-version, zero modified dropped', () => {
    const a = byId.get('GO-2022-0969')!;
    assert.deepEqual(a.aliases, ['CVE-2022-27664', 'GHSA-69cg-p879-7622']);
    assert.equal(a.published, '2022-09-12T20:23:06Z');
    assert.equal(a.modified, undefined, '0001-01-01T00:00:00Z means "not set" in the Go repository');
    assert.equal(a.severity, undefined);
    const stdlib = a.affected.find((p) => p.name === 'stdlib')!;
    assert.equal(stdlib.ecosystem, 'golang');
    assert.deepEqual(stdlib.ranges, [
      { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.18.6' }, { introduced: '1.19.0-0' }, { fixed: '1.19.1' }] },
    ]);
    const net = a.affected.find((p) => p.name === 'golang.org/x/net')!;
    assert.deepEqual(net.ranges[0]!.events, [{ introduced: '0' }, { fixed: '0.0.0-20220906165146-f3363e06e74c' }]);
  });

  test('PYSEC-2020-342 (YAML): explicit versions list, CVSS 9.8 from the vector', () => {
    const a = byId.get('PYSEC-2020-342')!;
    assert.deepEqual(a.aliases, ['CVE-2020-13921']);
    assert.equal(a.published, '2020-08-05T14:15:00Z');
    assert.deepEqual(a.cvss, [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, source: 'pypa' }]);
    const p = a.affected[0]!;
    assert.equal(p.name, 'apache-skywalking');
    assert.deepEqual(p.ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
    assert.deepEqual(p.versions, ['0.1.0', '0.2.0', '0.3.0', '0.4.0', '0.5.0', '0.6.0', '0.7.0', '0.8.0', '1.0.0', '1.0.1']);
  });

  test('PYSEC-2020-341 (YAML): name jw.util → jw-util, quoted "1.4" stays a string, odd versions kept verbatim', () => {
    const p = byId.get('PYSEC-2020-341')!.affected[0]!;
    assert.equal(p.name, 'jw-util');
    assert.deepEqual(p.ranges, [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.3' }] }]);
    assert.ok(p.versions?.includes('1.4'));
    assert.ok(p.versions?.includes('-class.-jw.util.version.Version-'));
    for (const v of p.versions ?? []) assert.equal(typeof v, 'string');
  });

  test('PYSEC-2023-73 is withdrawn', () => {
    const text = readFileSync(shared('vulndb', 'osv', 'pypa-advisory-database', 'vulns', 'redis', 'PYSEC-2023-73.yaml'), 'utf8');
    const stated = /^withdrawn: '?([^'\n]+)'?$/m.exec(text)![1];
    assert.equal(byId.get('PYSEC-2023-73')!.withdrawn, stated);
  });

  test('UBUNTU-CVE-2016-20013: Ubuntu priority as vendor severity, releases as distro keys, Pro noted', () => {
    const a = byId.get('UBUNTU-CVE-2016-20013')!;
    assert.equal(a.severity, 'NEGLIGIBLE');
    assert.deepEqual(a.aliases, ['CVE-2016-20013']);
    assert.equal(a.cvss?.[0]?.source, 'ubuntu');
    const eglibc = a.affected.find((p) => p.name === 'eglibc')!;
    assert.equal(eglibc.ecosystem, 'deb');
    assert.equal(eglibc.distro, 'ubuntu:14.04');
    assert.match(eglibc.note ?? '', /Ubuntu Pro/);
    assert.equal(eglibc.versions?.at(-1), '2.19-0ubuntu6.15+esm4');
    const sssd = a.affected.find((p) => p.name === 'sssd')!;
    assert.equal(sssd.distro, 'ubuntu:16.04');
    assert.equal(sssd.note, undefined);
  });

  test('CGA-224q-ccj5-2p53: Chainguard and Wolfi apk packages, upstream ids as aliases', () => {
    const a = byId.get('CGA-224q-ccj5-2p53')!;
    assert.deepEqual(a.aliases, ['CVE-2025-32464', 'GHSA-frg5-h47x-75j9']);
    assert.deepEqual(
      a.affected.map((p) => [p.ecosystem, p.distro, p.name, p.ranges[0]!.events.at(-1)]),
      [
        ['apk', 'chainguard:rolling', 'haproxy-2.2', { fixed: '2.2.34-r0' }],
        ['apk', 'chainguard:rolling', 'haproxy-2.8', { fixed: '2.8.18-r0' }],
        ['apk', 'wolfi:rolling', 'haproxy-3.0', { fixed: '3.0.10-r0' }],
        ['apk', 'wolfi:rolling', 'haproxy-3.1', { fixed: '3.1.7-r0' }],
      ],
    );
  });
});

describe('ecosystem mapping', () => {
  const table: [string, ReturnType<typeof mapEcosystem>][] = [
    ['npm', { ecosystem: 'npm' }],
    ['PyPI', { ecosystem: 'pypi' }],
    ['Go', { ecosystem: 'golang' }],
    ['Maven', { ecosystem: 'maven' }],
    ['RubyGems', { ecosystem: 'gem' }],
    ['crates.io', { ecosystem: 'cargo' }],
    ['NuGet', { ecosystem: 'nuget' }],
    ['Packagist', { ecosystem: 'composer' }],
    ['Debian:12', { ecosystem: 'deb', distro: 'debian:12' }],
    ['Ubuntu:22.04:LTS', { ecosystem: 'deb', distro: 'ubuntu:22.04' }],
    ['Ubuntu:24.10', { ecosystem: 'deb', distro: 'ubuntu:24.10' }],
    ['Alpine:v3.19', { ecosystem: 'apk', distro: 'alpine:3.19' }],
    ['Rocky Linux:9', { ecosystem: 'rpm', distro: 'rocky:9' }],
    ['AlmaLinux:8', { ecosystem: 'rpm', distro: 'alma:8' }],
    ['Red Hat:enterprise_linux:9::appstream', { ecosystem: 'rpm', distro: 'redhat:9' }],
    ['Red Hat:rhel_eus:9.2::baseos', undefined],
    ['Ubuntu:Pro:FIPS-updates:22.04:LTS', undefined],
    ['Debian', undefined],
    ['Hex', undefined],
    ['GIT', undefined],
  ];
  for (const [osv, expected] of table) test(osv, () => assert.deepEqual(mapEcosystem(osv), expected));
});

describe('malformed and hostile input', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-osv-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const lodash = () => readFileSync(shared('vulndb', 'ghsa', 'advisories', 'github-reviewed', '2019', '07', 'GHSA-jf85-cpcp-j695', 'GHSA-jf85-cpcp-j695.json'), 'utf8');

  /** A mirror with one file at `rel`. */
  async function mirrorWith(name: string, rel: string, content: string | Buffer): Promise<string> {
    const dir = path.join(tmp, name);
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
    return dir;
  }

  async function failure(dir: string): Promise<VulnDbError> {
    try {
      await readAll(dir);
    } catch (e) {
      assert.ok(e instanceof VulnDbError, String(e));
      assert.equal(e.code, 'MALFORMED_FEED');
      return e;
    }
    assert.fail('expected MALFORMED_FEED');
  }

  test('truncated JSON names the file', async () => {
    const text = lodash();
    const e = await failure(await mirrorWith('truncated', 'ghsa/x/GHSA-jf85-cpcp-j695.json', text.slice(0, text.length / 2)));
    assert.match(e.message, /ghsa\/x\/GHSA-jf85-cpcp-j695\.json: not valid JSON/);
  });

  test('a wrong type names the file, the record and the field', async () => {
    const doc = JSON.parse(lodash()) as Record<string, unknown>;
    doc.aliases = 'CVE-2019-10744';
    const e = await failure(await mirrorWith('wrong-type', 'ghsa/GHSA-jf85-cpcp-j695.json', JSON.stringify(doc)));
    assert.match(e.message, /ghsa\/GHSA-jf85-cpcp-j695\.json: GHSA-jf85-cpcp-j695: aliases: expected an array/);
  });

  test('a missing required field names it', async () => {
    const doc = JSON.parse(lodash()) as { affected: { package: Record<string, unknown> }[] };
    delete doc.affected[2]!.package.name;
    const e = await failure(await mirrorWith('missing', 'ghsa/GHSA-jf85-cpcp-j695.json', JSON.stringify(doc)));
    assert.match(e.message, /GHSA-jf85-cpcp-j695: affected\[2\]\.package\.name: expected a non-empty string/);
    const noId = JSON.parse(lodash()) as Record<string, unknown>;
    delete noId.id;
    assert.match((await failure(await mirrorWith('no-id', 'ghsa/a.json', JSON.stringify(noId)))).message, /ghsa\/a\.json: id: expected/);
    const badEvent = JSON.parse(lodash()) as { affected: { ranges: { events: unknown[] }[] }[] };
    badEvent.affected[0]!.ranges[0]!.events[1] = { fixed: '1', introduced: '0' };
    assert.match(
      (await failure(await mirrorWith('bad-event', 'ghsa/b.json', JSON.stringify(badEvent)))).message,
      /affected\[0\]\.ranges\[0\]\.events\[1\]: expected exactly one of/,
    );
  });

  test('unknown fields and unknown ecosystems are tolerated (the latter reported once)', async () => {
    const doc = JSON.parse(lodash()) as Record<string, unknown> & { affected: { package: { ecosystem: string } }[] };
    doc.x_vendor_extension = { anything: [1, 2, 3] };
    doc.schema_version = '9.9.9';
    doc.affected[1]!.package.ecosystem = 'Hex';
    const { advisories, warnings } = await readAll(await mirrorWith('extra', 'ghsa/GHSA-jf85-cpcp-j695.json', JSON.stringify(doc)));
    assert.equal(advisories.length, 1);
    assert.equal(advisories[0]!.affected.length, 3);
    assert.deepEqual(warnings, ['osv: skipped affected packages of ecosystems Tollgate does not match: Hex (1)']);
  });

  test('broken YAML names the file', async () => {
    const e = await failure(await mirrorWith('yaml', 'osv/pypa/vulns/x/PYSEC-1.yaml', 'id: PYSEC-1\naffected:\n  - package: [unclosed\n'));
    assert.match(e.message, /osv\/pypa\/vulns\/x\/PYSEC-1\.yaml: not valid YAML/);
  });

  test('all.zip: records are read from the archive, index files are not records', async () => {
    const ghsa = walk(shared('vulndb', 'ghsa')).filter((f) => f.endsWith('.json'));
    const npm = ghsa.filter((f) => (JSON.parse(readFileSync(f, 'utf8')) as { affected: { package: { ecosystem: string } }[] }).affected.some((a) => a.package.ecosystem === 'npm'));
    assert.ok(npm.length >= 10);
    const zip = makeZip([...npm.map((f) => ({ name: path.basename(f), content: readFileSync(f) })), { name: 'all.json', content: '[{"id":"x","modified":"y"}]' }]);
    const dir = await mirrorWith('zip', 'osv/npm/all.zip', zip);
    const { advisories } = await readAll(dir);
    assert.deepEqual(advisories.map((a) => a.id).sort(), npm.map((f) => path.basename(f, '.json')).sort());
  });

  test('all.zip: a zip-slip entry name is refused', async () => {
    const zip = makeZip([{ name: '../../etc/evil.json', content: lodash() }]);
    const e = await failure(await mirrorWith('slip', 'osv/npm/all.zip', zip));
    assert.match(e.message, /osv\/npm\/all\.zip: .*invalid relative path/);
  });

  test('all.zip: an entry declaring more than the limit is refused before inflating', async () => {
    const zeros = Buffer.alloc(100 * 1024 * 1024);
    const zip = makeZip([{ name: 'bomb.json', content: Buffer.alloc(0), raw: zlib.deflateRawSync(zeros), declaredSize: zeros.length }]);
    assert.ok(zip.length < 1024 * 1024, 'a small archive');
    const e = await failure(await mirrorWith('bomb', 'osv/npm/all.zip', zip));
    assert.match(e.message, /entry bomb\.json: declares 104857600 bytes, more than the per-entry limit/);
  });

  test('all.zip: an entry inflating past its declared size is stopped', async () => {
    const zeros = Buffer.alloc(20 * 1024 * 1024);
    const zip = makeZip([{ name: 'liar.json', content: Buffer.alloc(0), raw: zlib.deflateRawSync(zeros), declaredSize: 1000, crc32: 0 }]);
    const e = await failure(await mirrorWith('liar', 'osv/npm/all.zip', zip));
    assert.match(e.message, /entry liar\.json: .*(too many bytes|inflates past)/);
  });

  test('a file that is not a ZIP archive', async () => {
    const e = await failure(await mirrorWith('notzip', 'osv/npm/all.zip', 'hello'));
    assert.match(e.message, /osv\/npm\/all\.zip: not a readable ZIP archive/);
  });

  test('the whole record set of a copy is unchanged by reading it twice (pure parsing)', async () => {
    const once = (await readAll(await mirrorWith('twice', 'ghsa/GHSA-jf85-cpcp-j695.json', await readFile(path.join(mirror, 'ghsa/advisories/github-reviewed/2019/07/GHSA-jf85-cpcp-j695/GHSA-jf85-cpcp-j695.json'))))).advisories;
    assert.deepEqual(once, [byId.get('GHSA-jf85-cpcp-j695')]);
  });
});
