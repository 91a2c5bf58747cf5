/**
 * matchPackages on hand-made statements (an in-memory AdvisoryLookup): grouping of one problem's records, the
 * id a problem is reported under, vendor statuses, who stated the severity, and what makes a scan incomplete.
 * The known answers on the real feeds are in test/integration/scan-known-answers.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AffectedPackage, CveEnrichment, Ecosystem, Package } from '../core/index.js';
import { matchPackages } from './matcher.js';
import type { AdvisoryLookup, AdvisorySummary, Statement } from './source.js';

function lookupOf(statements: Statement[], enrichment: CveEnrichment[] = [], covered: string[] = []): AdvisoryLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup(ecosystem: Ecosystem, distro: string | undefined, name: string) {
      asked.push(`${ecosystem}|${distro ?? ''}|${name}`);
      return statements.filter((s) => s.affected.ecosystem === ecosystem && (s.affected.distro ?? '') === (distro ?? '') && s.affected.name === name);
    },
    enrichments(cves: readonly string[]) {
      return new Map(enrichment.filter((e) => cves.includes(e.cve)).map((e) => [e.cve, e]));
    },
    covers(ecosystem: Ecosystem, distro?: string) {
      return distro === undefined ? true : covered.includes(`${ecosystem}|${distro}`);
    },
  };
}

const adv = (id: string, aliases: string[] = [], extra: Partial<AdvisorySummary> = {}): AdvisorySummary => ({ id, source: 'osv', aliases, ...extra });
const fixedIn = (v: string): AffectedPackage['ranges'] => [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: v }] }];

function gem(name: string, version: string, extra: Partial<Package> = {}): Package {
  return { purl: `pkg:gem/${name}@${version}`, type: 'gem', name, version, licenses: [], locations: [`gems/${name}.gemspec`], foundBy: 'gem', ...extra };
}

function apk(name: string, version: string, origin: string): Package {
  return { purl: `pkg:apk/alpine/${name}@${version}`, type: 'apk', name, version, licenses: [], locations: ['lib/apk/db/installed'], foundBy: 'apk', metadata: { kind: 'apk', arch: 'x86_64', origin } };
}

test('records sharing a non-CVE id but naming different CVEs stay two findings (XSA-196 = CVE-2016-9377 + CVE-2016-9378)', () => {
  // Alpine's secdb writes "CVE-2016-9377 XSA-196" and "CVE-2016-9378 XSA-196": two problems, one Xen advisory.
  const st = (cve: string): Statement => ({
    advisory: { id: cve, source: 'alpine', aliases: ['XSA-196'] },
    affected: { ecosystem: 'apk', distro: 'alpine:3.11', name: 'xen', status: 'fixed', ranges: fixedIn('4.7.1-r1') },
  });
  const r = matchPackages({ packages: [apk('xen', '4.7.1-r0', 'xen')], os: { family: 'alpine', version: '3.11.6' } }, lookupOf([st('CVE-2016-9377'), st('CVE-2016-9378')], [], ['apk|alpine:3.11']));
  const f = r.targets[0]!.findings;
  assert.deepEqual(
    f.map((x) => [x.id, x.aliases]),
    [
      ['CVE-2016-9377', ['XSA-196']],
      ['CVE-2016-9378', ['XSA-196']],
    ],
  );
});

test('records of one CVE from several databases are one finding under the CVE, listing the other ids', () => {
  const statements: Statement[] = [
    { advisory: adv('GHSA-45x7-px36-x8w8', ['CVE-2023-48795'], { severity: 'MEDIUM' }), affected: { ecosystem: 'golang', name: 'golang.org/x/crypto', status: 'affected', ranges: fixedIn('0.17.0') } },
    { advisory: adv('GO-2023-2402', ['CVE-2023-48795', 'GHSA-45x7-px36-x8w8']), affected: { ecosystem: 'golang', name: 'golang.org/x/crypto', status: 'affected', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.17.0' }] }] } },
  ];
  const pkg: Package = { purl: 'pkg:golang/golang.org/x/crypto@v0.16.0', type: 'golang', name: 'golang.org/x/crypto', version: 'v0.16.0', licenses: [], locations: ['app'], foundBy: 'go' };
  const [f, ...rest] = matchPackages({ packages: [pkg] }, lookupOf(statements)).targets[0]!.findings;
  assert.equal(rest.length, 0);
  assert.equal(f!.id, 'CVE-2023-48795');
  assert.deepEqual(f!.aliases, ['GHSA-45x7-px36-x8w8', 'GO-2023-2402']);
  assert.deepEqual(f!.fixedVersions, ['0.17.0']);
  // The GHSA rating, named for who stated it rather than for the OSV transport.
  assert.equal(f!.severity, 'MEDIUM');
  assert.equal(f!.severitySource, 'ghsa');
});

test('a record bundling two CVEs is reported under its first CVE, and a record of its second CVE stays apart', () => {
  // DSA-4480-1 fixes CVE-2019-10192 and CVE-2019-10193 (data/DSA/list); the tracker also states CVE-2019-10193 alone.
  const aff = (): AffectedPackage => ({ ecosystem: 'deb', distro: 'debian:10', name: 'redis', status: 'fixed', ranges: fixedIn('5:5.0.3-4+deb10u1') });
  const statements: Statement[] = [
    { advisory: { id: 'CVE-2019-10193', source: 'debian', aliases: ['DSA-4480-1'] }, affected: aff() },
    { advisory: { id: 'DSA-4480-1', source: 'debian', aliases: ['CVE-2019-10192', 'CVE-2019-10193'] }, affected: aff() },
  ];
  const pkg: Package = {
    purl: 'pkg:deb/debian/redis-server@5:5.0.3-4',
    type: 'deb',
    name: 'redis-server',
    version: '5:5.0.3-4',
    licenses: [],
    locations: ['var/lib/dpkg/status'],
    foundBy: 'dpkg',
    metadata: { kind: 'dpkg', arch: 'amd64', sourceName: 'redis', sourceVersion: '5:5.0.3-4' },
  };
  const r = matchPackages({ packages: [pkg], os: { family: 'debian', version: '10.13' } }, lookupOf(statements, [], ['deb|debian:10']));
  const ids = r.targets[0]!.findings.map((f) => f.id).sort();
  assert.deepEqual(ids, ['CVE-2019-10192', 'CVE-2019-10193']);
  for (const f of r.targets[0]!.findings) {
    assert.equal(f.package.sourceName, 'redis');
    assert.equal(f.match.searchedBy, 'redis');
    assert.deepEqual(f.fixedVersions, ['5:5.0.3-4+deb10u1']);
  }
});

test("a vendor's not-affected statement removes the problem, whatever the other records say", () => {
  const statements: Statement[] = [
    { advisory: { id: 'CVE-2021-42373', source: 'alpine', aliases: [] }, affected: { ecosystem: 'apk', distro: 'alpine:3.20', name: 'busybox', status: 'not-affected', ranges: [] } },
    { advisory: adv('GHSA-aaaa-bbbb-cccc', ['CVE-2021-42373']), affected: { ecosystem: 'apk', distro: 'alpine:3.20', name: 'busybox', status: 'affected', ranges: fixedIn('1.34.0-r0') } },
  ];
  const r = matchPackages({ packages: [apk('busybox', '1.33.1-r0', 'busybox')], os: { family: 'alpine', version: '3.20.1' } }, lookupOf(statements, [], ['apk|alpine:3.20']));
  assert.equal(r.targets[0]!.findings.length, 0);
  assert.equal(r.complete, true);
});

test('vendor statuses: unfixed and will-not-fix have no fixed version; a fix anywhere in the group makes it fixed', () => {
  const a = (status: AffectedPackage['status'], ranges: AffectedPackage['ranges'] = []): AffectedPackage => ({ ecosystem: 'deb', distro: 'debian:11', name: 'putty', status, ranges });
  const pkg: Package = {
    purl: 'pkg:deb/debian/putty-tools@0.74-1',
    type: 'deb',
    name: 'putty-tools',
    version: '0.74-1',
    licenses: [],
    locations: ['var/lib/dpkg/status'],
    foundBy: 'dpkg',
    metadata: { kind: 'dpkg', arch: 'amd64', sourceName: 'putty', sourceVersion: '0.74-1' },
  };
  const os = { family: 'debian', version: '11.9' };
  const run = (statements: Statement[]) => matchPackages({ packages: [pkg], os }, lookupOf(statements, [], ['deb|debian:11'])).targets[0]!.findings;

  const [u] = run([{ advisory: { id: 'CVE-2021-36367', source: 'debian', aliases: [] }, affected: { ...a('unfixed', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]), severity: 'LOW' } }]);
  assert.equal(u!.status, 'unfixed');
  assert.deepEqual(u!.fixedVersions, []);
  assert.equal(u!.severity, 'LOW');
  assert.equal(u!.severitySource, 'debian');

  const [w] = run([{ advisory: { id: 'CVE-2021-36367', source: 'debian', aliases: [] }, affected: a('will-not-fix') }]);
  assert.equal(w!.status, 'will-not-fix');
  assert.deepEqual(w!.fixedVersions, []);

  const [e] = run([{ advisory: { id: 'CVE-2021-36367', source: 'debian', aliases: [] }, affected: a('end-of-life') }]);
  assert.equal(e!.status, 'end-of-life');

  const [m] = run([
    { advisory: { id: 'CVE-2021-36367', source: 'debian', aliases: [] }, affected: a('will-not-fix') },
    { advisory: { id: 'DLA-0000-1', source: 'debian', aliases: ['CVE-2021-36367'] }, affected: a('fixed', fixedIn('0.74-1+deb11u1')) },
  ]);
  assert.equal(m!.status, 'fixed');
  assert.deepEqual(m!.fixedVersions, ['0.74-1+deb11u1']);
  assert.equal(m!.match.advisory, 'DLA-0000-1', 'the statement with the remediation explains the finding');
});

test('the severity source is the record that stated the severity, not the first record of the group', () => {
  // RubySec states a criticality; the GHSA record of the same CVE states none.
  const statements: Statement[] = [
    { advisory: adv('GHSA-crjr-9rc5-ghw8', ['CVE-2022-24836']), affected: { ecosystem: 'gem', name: 'nokogiri', status: 'affected', ranges: fixedIn('1.13.4') } },
    { advisory: { id: 'CVE-2022-24836', source: 'rubysec', aliases: ['GHSA-crjr-9rc5-ghw8'] }, affected: { ecosystem: 'gem', name: 'nokogiri', status: 'affected', ranges: fixedIn('1.13.4'), severity: 'HIGH' } },
  ];
  const [f] = matchPackages({ packages: [gem('nokogiri', '1.13.3')] }, lookupOf(statements)).targets[0]!.findings;
  assert.equal(f!.severity, 'HIGH');
  assert.equal(f!.severitySource, 'rubysec');
});

test('CVSS vectors repeated by a record are listed once; enrichment adds KEV and EPSS and rates unrated findings', () => {
  const v = 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N';
  const statements: Statement[] = [
    {
      advisory: adv('UBUNTU-CVE-2022-24823', ['CVE-2022-24823'], { cvss: [{ version: '3.1', vector: v, score: 5.5, source: 'ubuntu' }, { version: '3.1', vector: v, score: 5.5, source: 'ubuntu' }] }),
      affected: { ecosystem: 'deb', distro: 'ubuntu:16.04', name: 'netty', status: 'affected', ranges: fixedIn('1:4.0.34-1ubuntu0.1~esm2') },
    },
  ];
  const enrichment: CveEnrichment[] = [
    { cve: 'CVE-2022-24823', kev: { dateAdded: '2024-01-01', dueDate: '2024-01-22', knownRansomware: false }, epss: { score: 0.5, percentile: 0.9 } },
  ];
  const pkg: Package = {
    purl: 'pkg:deb/ubuntu/libnetty-java@1:4.0.34-1',
    type: 'deb',
    name: 'libnetty-java',
    version: '1:4.0.34-1',
    licenses: [],
    locations: ['var/lib/dpkg/status'],
    foundBy: 'dpkg',
    metadata: { kind: 'dpkg', arch: 'all', sourceName: 'netty', sourceVersion: '1:4.0.34-1' },
  };
  const [f] = matchPackages({ packages: [pkg], os: { family: 'ubuntu', version: '16.04' } }, lookupOf(statements, enrichment, ['deb|ubuntu:16.04'])).targets[0]!.findings;
  assert.equal(f!.cvss?.length, 1);
  assert.deepEqual(f!.kev, { dateAdded: '2024-01-01', dueDate: '2024-01-22', knownRansomware: false });
  assert.deepEqual(f!.epss, { score: 0.5, percentile: 0.9 });
  // No vendor rating: the severity comes from the CVSS score (5.5 → MEDIUM) and names its source.
  assert.equal(f!.severity, 'MEDIUM');
  assert.equal(f!.severitySource, 'ubuntu');
});

test('withdrawn advisories and language packages owned by an OS package are not matched', () => {
  const statements: Statement[] = [
    { advisory: adv('PYSEC-2023-73', ['CVE-2023-31655'], { withdrawn: '2023-06-06T10:37:00Z' }), affected: { ecosystem: 'pypi', name: 'redis', status: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] } },
    { advisory: adv('GHSA-j8r2-6x86-q33q', ['CVE-2023-32681']), affected: { ecosystem: 'pypi', name: 'requests', status: 'affected', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.3.0' }, { fixed: '2.31.0' }] }] } },
  ];
  const py = (name: string, version: string, ownedBy?: string): Package => ({
    purl: `pkg:pypi/${name}@${version}`,
    type: 'pypi',
    name,
    version,
    licenses: [],
    locations: [`usr/lib/python3/dist-packages/${name}-${version}.dist-info/METADATA`],
    foundBy: 'python',
    ...(ownedBy ? { ownedBy } : {}),
  });
  const db = lookupOf(statements);
  const r = matchPackages({ packages: [py('redis', '4.5.4'), py('requests', '2.28.1', 'pkg:deb/debian/python3-requests@2.28.1%2Bdfsg-1?arch=all'), py('requests', '2.30.0')] }, db);
  assert.deepEqual(
    r.targets[0]!.findings.map((f) => [f.id, f.package.version]),
    [['CVE-2023-32681', '2.30.0']],
  );
  assert.equal(r.targets[0]!.packages, 3, 'owned packages are still counted in their target');
  assert.equal(db.asked.filter((k) => k === 'pypi||requests').length, 1, 'the owned package is not looked up');
});

test('OS packages without data for their release, or without an OS, make the result incomplete', () => {
  const db = lookupOf([], [], ['apk|alpine:3.20']);
  const covered = matchPackages({ packages: [apk('musl', '1.2.5-r0', 'musl')], os: { family: 'alpine', version: '3.20.3' } }, db);
  assert.equal(covered.complete, true);
  const other = matchPackages({ packages: [apk('musl', '1.2.5-r0', 'musl')], os: { family: 'alpine', version: '3.21.0' } }, db);
  assert.equal(other.complete, false);
  assert.match(other.warnings.join('\n'), /alpine:3\.21/);
  const none = matchPackages({ packages: [apk('musl', '1.2.5-r0', 'musl')] }, db);
  assert.equal(none.complete, false);
  assert.match(none.warnings.join('\n'), /without a detected OS/);
});
