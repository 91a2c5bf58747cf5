/**
 * `tollgate scan` end to end, as a user runs it: the built CLI (bin/tollgate.js) on images built in code, with a
 * database built once from the offline mirror ../shared/data/vulndb, `--skip-db-update` always (no network).
 *
 * Images:
 *  - alpine320: an Alpine 3.20 apk database written for this test with versions chosen against the real secdb
 *    entries in vulndb/alpine/vuln-list/3.20/main/{openssl,busybox,curl,expat,musl}.json;
 *  - alpine318: the real Alpine 3.18 installed database and os-release of pkgdb/apk/scalibr-alpine-3.18;
 *  - debian: this machine's /var/lib/dpkg/status and os-release (a Debian 12 host), plus a later layer in which
 *    "apt" added libsope1 5.8.0-1 (source sope), which the tracker's bookworm statement and DSA-5970-1 cover;
 *  - lang: node_modules (lodash 4.17.20, lodash.trim 4.5.1, minimist 1.2.5), dist-info METADATA (requests
 *    2.30.0, urllib3 1.26.17) and jars with pom.properties (log4j-core 2.14.1, jackson-databind 2.13.2).
 * Expected findings were read by hand from the feed files (see scan-known-answers.test.ts for the per-record
 * reasoning); severities of the Alpine findings come from the CISA-ADP CVSS in cve/vulnrichment, also read by hand.
 * Every format is checked: table (no ANSI without a terminal), json, SARIF 2.1.0 and CycloneDX 1.6 against their
 * schemas, JUnit with xmllint against junit-10.xsd, markdown; and the exit codes CI relies on.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Finding, ScanReport } from '../../src/core/index.js';
import { errorsText, validateCycloneDx, validateSarif } from '../../src/report/schema-validators.test.js';
import { updateDb } from '../../src/vulndb/index.js';
import { hasStackTrace, runCli, type CliResult } from '../support/cli.js';
import { entriesFromDir, ociImageSource, type TarEntry } from '../support/image-builder.js';
import { repoRoot, shared } from '../support/paths.js';
import { makeZip } from '../support/zip-writer.js';

let tmp: string;
let db: string;
const images: Record<string, string> = {};

// ---------------------------------------------------------------------------------------------------------------
// Images.

/** One lib/apk/db/installed record with the fields apk writes (values of the 3.20 packages; checksums made up). */
function apkRecord(name: string, version: string, origin: string): string {
  return [
    'C:Q1n0Pq0ftKX9pMXCe7vj6MMbpYxjs=',
    `P:${name}`,
    `V:${version}`,
    'A:x86_64',
    'S:100000',
    'I:200000',
    `T:${name} (test image)`,
    'U:https://alpinelinux.org',
    'L:MIT',
    `o:${origin}`,
    'm:Natanael Copa <ncopa@alpinelinux.org>',
    't:1718000000',
    'c:b0a1f1e2d3c4b5a6978877665544332211000fed',
    '',
  ].join('\n');
}

const ALPINE_320: [string, string, string][] = [
  ['musl', '1.2.5-r0', 'musl'],
  ['busybox', '1.36.1-r28', 'busybox'],
  ['ssl_client', '1.36.1-r28', 'busybox'],
  ['libcrypto3', '3.3.6-r0', 'openssl'],
  ['libssl3', '3.3.6-r0', 'openssl'],
  ['libexpat', '2.6.2-r0', 'expat'],
  ['curl', '8.11.1-r0', 'curl'],
  ['libcurl', '8.11.1-r0', 'curl'],
  // No zlib entry in the mirror's 3.20 data: no finding.
  ['zlib', '1.3.1-r1', 'zlib'],
];

/** Per origin: CVE → fixed version, every secfix above the installed version in vuln-list/3.20/main/<origin>.json. */
const ALPINE_320_EXPECTED: Record<string, Record<string, string>> = {
  musl: { 'CVE-2025-26519': '1.2.5-r1', 'CVE-2026-6042': '1.2.5-r2', 'CVE-2026-40200': '1.2.5-r3' },
  busybox: { 'CVE-2023-42364': '1.36.1-r29', 'CVE-2023-42365': '1.36.1-r29', 'CVE-2024-58251': '1.36.1-r31', 'CVE-2025-46394': '1.36.1-r31' },
  openssl: Object.fromEntries(['CVE-2026-28387', 'CVE-2026-28388', 'CVE-2026-28389', 'CVE-2026-28390', 'CVE-2026-31789', 'CVE-2026-31790'].map((c) => [c, '3.3.7-r0'])),
  expat: {
    'CVE-2024-45490': '2.6.3-r0',
    'CVE-2024-45491': '2.6.3-r0',
    'CVE-2024-45492': '2.6.3-r0',
    'CVE-2024-50602': '2.6.4-r0',
    'CVE-2024-8176': '2.7.0-r0',
    'CVE-2025-59375': '2.7.2-r0',
    'CVE-2026-24515': '2.7.4-r0',
    'CVE-2026-25210': '2.7.4-r0',
    'CVE-2026-32776': '2.7.5-r0',
    'CVE-2026-32777': '2.7.5-r0',
    'CVE-2026-32778': '2.7.5-r0',
    'CVE-2026-41080': '2.8.1-r0',
    'CVE-2026-45186': '2.8.1-r0',
  },
  curl: {
    'CVE-2025-0167': '8.12.0-r0',
    'CVE-2025-0665': '8.12.0-r0',
    'CVE-2025-0725': '8.12.0-r0',
    'CVE-2025-4947': '8.14.0-r0',
    'CVE-2025-5025': '8.14.0-r0',
    'CVE-2025-5399': '8.14.1-r0',
    'CVE-2025-9086': '8.14.1-r2',
    'CVE-2025-10148': '8.14.1-r2',
  },
  zlib: {},
};

/** vuln-list/3.18/main/openssl.json: the secfixes above 3.1.0-r4 (the fixture's libcrypto3/libssl3). */
const ALPINE_318_OPENSSL: Record<string, string> = {
  'CVE-2023-2650': '3.1.1-r0',
  'CVE-2023-2975': '3.1.1-r2',
  'CVE-2023-3446': '3.1.1-r3',
  'CVE-2023-3817': '3.1.2-r0',
  'CVE-2023-5363': '3.1.4-r0',
  'CVE-2023-5678': '3.1.4-r1',
  'CVE-2023-6129': '3.1.4-r3',
  'CVE-2023-6237': '3.1.4-r4',
};

/** The lang image's findings: [package name, version, id, fixed, severity]. */
const LANG_EXPECTED: [string, string, string, string[], string][] = [
  ['minimist', '1.2.5', 'CVE-2021-44906', ['1.2.6'], 'CRITICAL'],
  ['lodash', '4.17.20', 'CVE-2021-23337', ['4.17.21'], 'HIGH'],
  ['lodash', '4.17.20', 'CVE-2020-28500', ['4.17.21'], 'MEDIUM'],
  ['lodash.trim', '4.5.1', 'CVE-2020-28500', [], 'MEDIUM'],
  ['requests', '2.30.0', 'CVE-2023-32681', ['2.31.0'], 'MEDIUM'],
  // PYSEC-2023-212 has no rating; CVE-2023-45803's CNA scored it 4.2.
  ['urllib3', '1.26.17', 'CVE-2023-45803', ['1.26.18', '2.0.7'], 'MEDIUM'],
  ['org.apache.logging.log4j:log4j-core', '2.14.1', 'CVE-2021-44228', ['2.15.0'], 'CRITICAL'],
  ['org.apache.logging.log4j:log4j-core', '2.14.1', 'CVE-2021-45046', ['2.16.0'], 'CRITICAL'],
  ['com.fasterxml.jackson.core:jackson-databind', '2.13.2', 'CVE-2020-36518', ['2.13.2.1'], 'HIGH'],
];

const SOPE_STANZA = [
  'Package: libsope1',
  'Status: install ok installed',
  'Priority: optional',
  'Section: libs',
  'Installed-Size: 4873',
  'Maintainer: Debian SOGo Maintainers <pkg-sogo-maintainers@lists.alioth.debian.org>',
  'Architecture: amd64',
  'Source: sope',
  'Version: 5.8.0-1',
  'Depends: libc6 (>= 2.34)',
  'Description: SOPE libraries',
  ' SOPE is an extensive set of frameworks which form a complete Web application server environment.',
  '',
].join('\n');

function hostOsFiles(): TarEntry[] {
  const out: TarEntry[] = [];
  for (const f of ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version']) {
    try {
      out.push({ path: f, content: readFileSync(`/${f}`) });
    } catch {
      // os-release is often a symlink into usr/lib: readFileSync follows it; a missing file is simply absent
    }
  }
  return out;
}

const pkgJson = (name: string, version: string): string => JSON.stringify({ name, version, license: 'MIT', main: 'index.js' }, null, 2);
const distMetadata = (name: string, version: string): string =>
  `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: ${name}\nLicense: Apache-2.0\nRequires-Python: >=3.7\n\n${name} long description\n`;
const jar = (g: string, a: string, v: string): Buffer =>
  makeZip([
    { name: 'META-INF/MANIFEST.MF', content: `Manifest-Version: 1.0\r\nImplementation-Title: ${a}\r\nImplementation-Version: ${v}\r\n\r\n` },
    { name: `META-INF/maven/${g}/${a}/pom.properties`, content: `#Created by Apache Maven\ngroupId=${g}\nartifactId=${a}\nversion=${v}\n` },
    { name: `META-INF/maven/${g}/${a}/pom.xml`, content: `<project><modelVersion>4.0.0</modelVersion><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></project>` },
  ]);

async function buildImages(): Promise<void> {
  const alpineRelease = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\nHOME_URL="https://alpinelinux.org/"\n';
  const installed = ALPINE_320.map(([n, v, o]) => apkRecord(n, v, o)).join('\n') + '\n';
  images.alpine320 = await ociImageSource(path.join(tmp, 'alpine320'), [
    [
      { path: 'etc/os-release', content: alpineRelease },
      { path: 'etc/alpine-release', content: '3.20.3\n' },
      { path: 'lib/apk/db/installed', content: installed },
    ],
  ]);
  images.alpine318 = await ociImageSource(path.join(tmp, 'alpine318'), [await entriesFromDir(shared('pkgdb', 'apk', 'scalibr-alpine-3.18'))]);

  const status = readFileSync('/var/lib/dpkg/status');
  images.debian = await ociImageSource(path.join(tmp, 'debian'), [
    [...hostOsFiles(), { path: 'var/lib/dpkg/status', content: status }],
    // A later layer rewrites the status file, as apt does when it installs a package.
    [{ path: 'var/lib/dpkg/status', content: Buffer.concat([status, Buffer.from(`\n${SOPE_STANZA}`)]) }],
  ]);

  images.lang = await ociImageSource(path.join(tmp, 'lang'), [
    [
      { path: 'app/package.json', content: JSON.stringify({ name: 'shop', version: '1.0.0', private: true }) },
      { path: 'app/node_modules/lodash/package.json', content: pkgJson('lodash', '4.17.20') },
      { path: 'app/node_modules/lodash.trim/package.json', content: pkgJson('lodash.trim', '4.5.1') },
      { path: 'app/node_modules/minimist/package.json', content: pkgJson('minimist', '1.2.5') },
      { path: 'usr/lib/python3.11/site-packages/requests-2.30.0.dist-info/METADATA', content: distMetadata('requests', '2.30.0') },
      { path: 'usr/lib/python3.11/site-packages/urllib3-1.26.17.dist-info/METADATA', content: distMetadata('urllib3', '1.26.17') },
      { path: 'opt/app/lib/log4j-core-2.14.1.jar', content: jar('org.apache.logging.log4j', 'log4j-core', '2.14.1') },
      { path: 'opt/app/lib/jackson-databind-2.13.2.jar', content: jar('com.fasterxml.jackson.core', 'jackson-databind', '2.13.2') },
    ],
  ]);

  // The dpkg database is a hard link to a file the layer does not carry: the walker cannot hand it over.
  const debian12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
  images.gap = await ociImageSource(path.join(tmp, 'gap'), [
    [
      { path: 'etc/os-release', content: debian12 },
      { path: 'var/lib/dpkg/status', type: 'link', target: 'var/lib/dpkg/status-old' },
    ],
  ]);
  // A release the database has no data for (Debian 14): nothing can be said about its packages.
  images.debian14 = await ociImageSource(path.join(tmp, 'debian14'), [
    [
      { path: 'etc/os-release', content: 'PRETTY_NAME="Debian GNU/Linux 14 (forky)"\nNAME="Debian GNU/Linux"\nVERSION_ID="14"\nID=debian\n' },
      { path: 'var/lib/dpkg/status', content: SOPE_STANZA },
    ],
  ]);
  // A dpkg status file that is not a status file at all.
  images.garbage = await ociImageSource(path.join(tmp, 'garbage'), [
    [
      { path: 'etc/os-release', content: debian12 },
      { path: 'var/lib/dpkg/status', content: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)) },
    ],
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Running the CLI. Every run is started once the database and images exist, three at a time in the order the
// tests check them, and each test awaits the run it checks: the runs overlap with each other and with the checks.

const runs = new Map<string, Promise<CliResult>>();
let slots = 3;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((r) => waiting.push(r));
  else slots--;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  }
}

function cli(args: string[]): Promise<CliResult> {
  const key = JSON.stringify(args);
  let r = runs.get(key);
  if (!r) {
    r = limited(() => runCli(args, { env: { XDG_CACHE_HOME: path.join(tmp, 'xdg'), TOLLGATE_DB: path.join(tmp, 'unused.db') }, timeoutMs: 180_000 }));
    runs.set(key, r);
  }
  return r;
}

/** `tollgate scan IMAGE --db DB --skip-db-update …` with the layer cache in the test folder. */
function scan(image: string, ...args: string[]): Promise<CliResult> {
  return cli(['scan', images[image]!, '--db', db, '--skip-db-update', '--cache-dir', path.join(tmp, 'cache'), ...args]);
}

async function scanJson(image: string, ...args: string[]): Promise<{ r: CliResult; report: ScanReport }> {
  const r = await scan(image, '-f', 'json', ...args);
  assert.ok(r.stdout.trim().startsWith('{'), `JSON on stdout (exit ${r.code}); stderr:\n${r.stderr}`);
  return { r, report: JSON.parse(r.stdout) as ScanReport };
}

const findingsOf = (report: ScanReport): Finding[] => report.targets.flatMap((t) => t.findings);
const unsuppressed = (report: ScanReport): Finding[] => findingsOf(report).filter((f) => !f.suppressed);
const ANSI = /\u001b\[/;

const files = {
  ignore: '',
  vex: '',
  staleDb: '',
  bomAlpine: '',
  missingDb: '',
};

const missingDbRun = () => cli(['scan', images.alpine320!, '--db', files.missingDb, '--skip-db-update']);
const staleRun = () => cli(['scan', images.debian!, '--db', files.staleDb, '--skip-db-update', '--cache-dir', path.join(tmp, 'cache'), '-f', 'json', '--exit-code', '5']);
/** `tollgate sbom` of the Alpine 3.20 image, then `tollgate scan sbom:FILE` of what it wrote. */
async function sbomRun(): Promise<[CliResult, CliResult]> {
  const made = await cli(['sbom', images.alpine320!, '-f', 'cyclonedx', '-o', files.bomAlpine, '--cache-dir', path.join(tmp, 'cache')]);
  return [made, await cli(['scan', `sbom:${files.bomAlpine}`, '--db', db, '--skip-db-update', '-f', 'json'])];
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-scan-e2e-'));
  db = path.join(tmp, 'vuln.db');
  await Promise.all([updateDb({ from: shared('vulndb'), db }), buildImages()]);

  files.ignore = path.join(tmp, 'trivyignore');
  writeFileSync(files.ignore, '# accepted until the SOGo upgrade\nCVE-2025-53603 exp:2999-12-31\n');
  files.vex = path.join(tmp, 'vex.json');
  writeFileSync(
    files.vex,
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://example.org/vex/sope-1',
      author: 'Platform team',
      timestamp: '2026-01-01T00:00:00Z',
      version: 1,
      statements: [
        {
          vulnerability: { name: 'CVE-2025-53603' },
          products: [{ '@id': 'pkg:deb/debian/libsope1' }],
          status: 'not_affected',
          justification: 'vulnerable_code_not_in_execute_path',
          impact_statement: 'SOGo is not installed; only the library is present.',
        },
      ],
    }),
  );
  // A copy of the database that says it was built ten days ago.
  files.staleDb = path.join(tmp, 'stale.db');
  copyFileSync(db, files.staleDb);
  const h = new Database(files.staleDb);
  h.prepare("UPDATE meta SET value = ? WHERE key = 'built_at'").run(new Date(Date.now() - 10 * 24 * 3_600_000 - 60_000).toISOString());
  h.close();
  files.bomAlpine = path.join(tmp, 'alpine320.cdx.json');

  // Start every run now, in the order the tests check them; the tests below await them.
  files.missingDb = path.join(tmp, 'nowhere', 'vuln.db');
  void scan('alpine320', '-f', 'json');
  void scan('alpine318', '-f', 'json');
  void scan('debian', '-f', 'json', '--exit-code', '5');
  void scan('lang', '-f', 'json', '--exit-code', '5');
  for (const f of ['table', 'sarif', 'cyclonedx', 'junit', 'markdown']) void scan('lang', '-f', f);
  void scan('alpine318', '-f', 'json', '--severity', 'CRITICAL', '--exit-code', '5');
  void scan('alpine320', '-f', 'json', '--severity', 'CRITICAL', '--exit-code', '5');
  void scan('lang', '-f', 'json', '--ignore-unfixed');
  void scan('debian', '-f', 'json', '--ignorefile', files.ignore, '--exit-code', '5');
  void scan('debian', '-f', 'json', '--vex', files.vex, '--exit-code', '5');
  void missingDbRun();
  void scan('gap', '-f', 'table');
  void scan('debian14', '-f', 'json');
  void scan('garbage', '-f', 'json');
  void staleRun();
  void sbomRun().catch(() => undefined);
});

after(async () => {
  await Promise.allSettled(runs.values());
  await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------

describe('scan: findings per image', () => {
  test('Alpine 3.20: every secfix above the installed versions, by origin, and nothing else', async () => {
    const { r, report } = await scanJson('alpine320');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(report.complete, true, report.warnings.join('\n'));
    assert.deepEqual({ family: report.os?.family, version: report.os?.version }, { family: 'alpine', version: '3.20.3' });
    const got = findingsOf(report)
      .map((f) => `${f.package.name} ${f.id} ${f.fixedVersions.join(',')}`)
      .sort();
    const want = ALPINE_320.flatMap(([name, , origin]) => Object.entries(ALPINE_320_EXPECTED[origin]!).map(([id, fixed]) => `${name} ${id} ${fixed}`)).sort();
    assert.deepEqual(got, want);
    assert.equal(report.summary.total, 52);
    for (const f of findingsOf(report)) {
      const origin = ALPINE_320.find(([n]) => n === f.package.name)![2];
      assert.equal(f.match.searchedBy, origin, `${f.package.name} looked up by its origin`);
      assert.equal(f.match.distro, 'alpine:3.20');
      assert.equal(f.status, 'fixed');
      assert.deepEqual(f.package.paths, ['lib/apk/db/installed']);
      assert.equal(f.package.layer?.index, 0);
      if (f.package.name !== origin) assert.equal(f.package.sourceName, origin);
    }
    // Severities: no vendor rating in secdb; CISA-ADP scored these four (cve/vulnrichment), the rest have none.
    const sev = (id: string) => findingsOf(report).find((f) => f.id === id)!.severity;
    assert.deepEqual(['CVE-2024-45490', 'CVE-2024-45491', 'CVE-2024-45492', 'CVE-2023-42364', 'CVE-2025-0167'].map(sev), ['CRITICAL', 'HIGH', 'HIGH', 'MEDIUM', 'UNKNOWN']);
    assert.deepEqual(
      { CRITICAL: report.summary.CRITICAL, HIGH: report.summary.HIGH, MEDIUM: report.summary.MEDIUM, LOW: report.summary.LOW, UNKNOWN: report.summary.UNKNOWN },
      { CRITICAL: 1, HIGH: 2, MEDIUM: 2, LOW: 0, UNKNOWN: 47 },
    );
  });

  test('Alpine 3.18 (pkgdb fixture): libcrypto3 and libssl3 3.1.0-r4 against vuln-list/3.18/main/openssl.json only', async () => {
    const { r, report } = await scanJson('alpine318');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(report.complete, true);
    const got = findingsOf(report)
      .map((f) => `${f.package.name} ${f.id} ${f.fixedVersions.join(',')}`)
      .sort();
    const want = ['libcrypto3', 'libssl3'].flatMap((n) => Object.entries(ALPINE_318_OPENSSL).map(([id, fixed]) => `${n} ${id} ${fixed}`)).sort();
    assert.deepEqual(got, want);
    // CVE-2023-1255 was fixed in 3.1.0-r4 itself.
    assert.ok(!findingsOf(report).some((f) => f.id === 'CVE-2023-1255'));
    assert.equal(report.targets[0]!.packages, 15, 'all 15 packages of the fixture were matched');
  });

  test('Debian 12 host image: the sope finding from the later layer; the real packages match only what the tracker excerpt covers', async () => {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    assert.match(osRelease, /^ID=debian$/m, 'this test needs a Debian host');
    assert.match(osRelease, /^VERSION_ID="?12"?$/m, 'this test is written for a Debian 12 host (the mirror has bookworm statements)');
    const { r, report } = await scanJson('debian', '--exit-code', '5');
    assert.equal(r.code, 5, 'a finding passes, --exit-code 5');
    // The database has bookworm statements (debian:12), so the scan is complete even though they are few.
    assert.equal(report.complete, true, report.warnings.join('\n'));
    const installed = (readFileSync('/var/lib/dpkg/status', 'utf8').match(/^Status: install ok installed$/gm) ?? []).length;
    assert.equal(report.targets.find((t) => t.class === 'os-pkgs')!.packages, installed + 1);
    const sope = findingsOf(report).filter((f) => f.package.name === 'libsope1');
    assert.equal(sope.length, 1);
    assert.equal(sope[0]!.id, 'CVE-2025-53603');
    assert.deepEqual(sope[0]!.fixedVersions, ['5.8.0-1+deb12u1']);
    assert.ok(sope[0]!.aliases.includes('DSA-5970-1'));
    assert.equal(sope[0]!.package.sourceName, 'sope');
    assert.equal(sope[0]!.match.distro, 'debian:12');
    assert.equal(sope[0]!.package.layer?.index, 1, 'introduced by the second layer');
    // debian:12 statements exist only for chromium and sope: host packages built from them, if any, below the fix
    // (dpkg --compare-versions is the reference), are the only other findings.
    const query = execFileSync('dpkg-query', ['-W', '-f', '${Package}\\t${Version}\\t${source:Package}\\n'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const fixes: Record<string, string> = { chromium: '98.0.4758.80-1', sope: '5.8.0-1+deb12u1' };
    const hostExpected = query
      .trim()
      .split('\n')
      .map((l) => l.split('\t') as [string, string, string])
      .filter(([, v, src]) => fixes[src] !== undefined && spawnOk('dpkg', ['--compare-versions', v, 'lt', fixes[src]!]))
      .map(([n]) => n);
    assert.deepEqual(
      findingsOf(report)
        .filter((f) => f.package.name !== 'libsope1')
        .map((f) => f.package.name)
        .sort(),
      hostExpected.sort(),
    );
  });

  test('Node/Python/Java image: npm, PyPI and Maven findings with fixed versions, severities and KEV', async () => {
    const { r, report } = await scanJson('lang', '--exit-code', '5');
    assert.equal(r.code, 5);
    assert.equal(report.complete, true, report.warnings.join('\n'));
    assert.deepEqual(report.targets.map((t) => t.name).sort(), ['Java (maven)', 'Node.js (npm)', 'Python (pypi)']);
    const got = findingsOf(report)
      .map((f) => JSON.stringify([f.package.name, f.package.version, f.id, f.fixedVersions, f.severity]))
      .sort();
    assert.deepEqual(got, LANG_EXPECTED.map((e) => JSON.stringify(e)).sort());
    const log4shell = findingsOf(report).find((f) => f.id === 'CVE-2021-44228')!;
    assert.deepEqual(log4shell.kev, { dateAdded: '2021-12-10', dueDate: '2021-12-24', knownRansomware: true });
    assert.ok(log4shell.aliases.includes('GHSA-jfh8-c2jp-5v3q'));
    assert.deepEqual(log4shell.package.paths, ['opt/app/lib/log4j-core-2.14.1.jar']);
    assert.equal(findingsOf(report).find((f) => f.package.name === 'lodash.trim')!.status, 'unfixed');
    assert.deepEqual(
      { c: report.summary.CRITICAL, h: report.summary.HIGH, m: report.summary.MEDIUM, total: report.summary.total },
      { c: 3, h: 2, m: 4, total: 9 },
    );
  });
});

describe('scan: output formats', () => {
  test('table: no ANSI without a terminal, per-target totals, rows by severity, fixed versions shown', async () => {
    const r = await scan('lang', '-f', 'table');
    assert.equal(r.code, 0, `no --exit-code: 0 even with findings\n${r.stderr}`);
    assert.doesNotMatch(r.stdout, ANSI);
    assert.match(r.stdout, /Node\.js \(npm\)\n=+\nTotal: 4 \(UNKNOWN: 0, LOW: 0, MEDIUM: 2, HIGH: 1, CRITICAL: 1\)/);
    assert.match(r.stdout, /Java \(maven\)\n=+\nTotal: 3 \(UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 2\)/);
    assert.match(r.stdout, /Python \(pypi\)\n=+\nTotal: 2 \(UNKNOWN: 0, LOW: 0, MEDIUM: 2, HIGH: 0, CRITICAL: 0\)/);
    const rank = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NEGLIGIBLE', 'UNKNOWN'];
    for (const block of r.stdout.split(/\n(?=\S.*\n=+\n)/)) {
      const sevs = [...block.matchAll(/│ (CRITICAL|HIGH|MEDIUM|LOW|NEGLIGIBLE|UNKNOWN)\s+│/g)].map((m) => rank.indexOf(m[1]!));
      assert.deepEqual(sevs, [...sevs].sort((a, b) => a - b), `rows sorted by severity in:\n${block}`);
    }
    assert.match(r.stdout, /│ minimist[^\n]*│ CVE-2021-44906 │ CRITICAL │[^\n]*│ 1\.2\.5\s+│ 1\.2\.6\s+│/);
    assert.match(r.stdout, /│ urllib3[^\n]*│ 1\.26\.17\s+│ 1\.26\.18, 2\.0\.7\s+│/);
  });

  test('SARIF 2.1.0: valid against the OASIS schema; one rule per vulnerability, one result per finding', async () => {
    const r = await scan('lang', '-f', 'sarif');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; locations?: unknown[] }[] }[] };
    assert.ok(validateSarif(doc), errorsText(validateSarif));
    assert.equal(doc.version, '2.1.0');
    const run = doc.runs[0]!;
    assert.deepEqual(run.tool.driver.rules.map((x) => x.id).sort(), [...new Set(LANG_EXPECTED.map((e) => e[2]))].sort());
    assert.equal(run.results.length, LANG_EXPECTED.length);
    for (const res of run.results) assert.ok((res.locations ?? []).length > 0, `${res.ruleId} has a location`);
  });

  test('CycloneDX 1.6: valid against bom-1.6; vulnerabilities with affects and ratings', async () => {
    const r = await scan('lang', '-f', 'cyclonedx');
    assert.equal(r.code, 0, r.stderr);
    const bom = JSON.parse(r.stdout) as { specVersion: string; vulnerabilities: { id: string; affects: { ref: string }[]; ratings?: { severity?: string }[] }[]; components?: { 'bom-ref': string }[] };
    assert.ok(validateCycloneDx(bom), errorsText(validateCycloneDx));
    assert.equal(bom.specVersion, '1.6');
    const pairs = bom.vulnerabilities.flatMap((v) => v.affects.map((a) => `${v.id} ${a.ref}`));
    assert.equal(pairs.length, LANG_EXPECTED.length);
    assert.deepEqual([...new Set(bom.vulnerabilities.map((v) => v.id))].sort(), [...new Set(LANG_EXPECTED.map((e) => e[2]))].sort());
    const refs = new Set((bom.components ?? []).map((c) => c['bom-ref']));
    for (const v of bom.vulnerabilities) for (const a of v.affects) assert.ok(refs.has(a.ref) || a.ref.startsWith('pkg:'), `${v.id} affects ${a.ref}`);
    const log4shell = bom.vulnerabilities.find((v) => v.id === 'CVE-2021-44228')!;
    assert.ok(log4shell.ratings?.some((x) => x.severity === 'critical'));
  });

  test('JUnit: well-formed and valid against junit-10.xsd (xmllint); a failure per finding', async () => {
    const r = await scan('lang', '-f', 'junit');
    assert.equal(r.code, 0, r.stderr);
    const file = path.join(tmp, 'lang.junit.xml');
    writeFileSync(file, r.stdout);
    execFileSync('xmllint', ['--noout', '--schema', path.join(repoRoot, 'test', 'fixtures', 'schemas', 'junit-10.xsd'), file], { stdio: 'pipe' });
    assert.equal((r.stdout.match(/<failure\b/g) ?? []).length, LANG_EXPECTED.length);
    assert.match(r.stdout, /name="\[CRITICAL\] CVE-2021-44228"/);
  });

  test('markdown: a table per target with the ids, installed and fixed versions', async () => {
    const r = await scan('lang', '-f', 'markdown');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, ANSI);
    for (const [name, version, id, fixed] of LANG_EXPECTED) {
      const row = r.stdout.split('\n').find((l) => l.startsWith('|') && l.includes(id) && l.includes(version) && l.includes(name.split(':').pop()!));
      assert.ok(row, `a row for ${name} ${id}`);
      for (const v of fixed) assert.ok(row.includes(v), `${id}: fixed ${v} in ${row}`);
    }
  });
});

describe('scan: filters, suppressions and exit codes', () => {
  test('--severity CRITICAL --exit-code 5 with no critical finding exits 0 (Alpine 3.18: no ratings)', async () => {
    const { r, report } = await scanJson('alpine318', '--severity', 'CRITICAL', '--exit-code', '5');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(report.summary.total, 0);
  });

  test('--severity CRITICAL --exit-code 5 with a critical finding exits 5 and keeps only it (Alpine 3.20)', async () => {
    const { r, report } = await scanJson('alpine320', '--severity', 'CRITICAL', '--exit-code', '5');
    assert.equal(r.code, 5, r.stderr);
    assert.deepEqual(
      unsuppressed(report).map((f) => f.id),
      ['CVE-2024-45490'],
    );
  });

  test('--ignore-unfixed drops the finding without a fix (lodash.trim) and keeps the same CVE where it has one', async () => {
    const { r, report } = await scanJson('lang', '--ignore-unfixed');
    assert.equal(r.code, 0, r.stderr);
    const ids = unsuppressed(report).map((f) => `${f.package.name} ${f.id}`);
    assert.ok(!ids.includes('lodash.trim CVE-2020-28500'));
    assert.ok(ids.includes('lodash CVE-2020-28500'));
    assert.equal(unsuppressed(report).length, LANG_EXPECTED.length - 1);
  });

  test('an ignore file naming the only finding: suppressed (listed as such in JSON), exit 0 despite --exit-code 5', async () => {
    const { r, report } = await scanJson('debian', '--ignorefile', files.ignore, '--exit-code', '5');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(report.summary.total, 0);
    assert.equal(report.summary.suppressed, 1);
    const f = findingsOf(report).find((x) => x.id === 'CVE-2025-53603')!;
    assert.equal(f.suppressed?.by, 'ignorefile');
  });

  test('an OpenVEX not_affected statement for the only finding: suppressed with its justification, exit 0', async () => {
    const { r, report } = await scanJson('debian', '--vex', files.vex, '--exit-code', '5');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(report.summary.total, 0);
    const f = findingsOf(report).find((x) => x.id === 'CVE-2025-53603')!;
    assert.equal(f.suppressed?.by, 'vex');
    assert.equal(f.suppressed?.status, 'not_affected');
    assert.equal(f.suppressed?.justification, 'vulnerable_code_not_in_execute_path');
  });
});

describe('scan: database and completeness', () => {
  test('no database with --skip-db-update: exit 3, a message naming the file and the command, no stack trace', async () => {
    const missing = files.missingDb;
    const r = await missingDbRun();
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(missing), r.stderr);
    assert.match(r.stderr, /tollgate db update/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });

  test('a package database the layer cannot deliver: exit 3, the table says the scan is incomplete and why', async () => {
    const table = await scan('gap', '-f', 'table');
    assert.equal(table.code, 3, table.stderr);
    assert.match(table.stdout, /INCOMPLETE SCAN/);
    assert.doesNotMatch(table.stdout, /No vulnerabilities found/);
    assert.match(table.stderr, /INCOMPLETE/);
    // The table names what could not be read.
    assert.match(table.stdout, /var\/lib\/dpkg\/status/);
  });

  test('an OS release the database has no data for (Debian 14): incomplete, exit 3', async () => {
    const { r, report } = await scanJson('debian14');
    assert.equal(r.code, 3);
    assert.equal(report.complete, false);
    assert.match(report.warnings.join('\n'), /debian:14/);
  });

  test('a dpkg status file that is not one (random bytes) makes the scan incomplete, never clean', async () => {
    const { r, report } = await scanJson('garbage');
    assert.equal(report.complete, false);
    assert.equal(r.code, 3);
  });

  test('a database built ten days ago: the scan runs, warns with its age, and exits by the findings', async () => {
    const r = await staleRun();
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /10 day\(s\) old/);
    const report = JSON.parse(r.stdout) as ScanReport;
    assert.equal(report.db.stale, true);
    assert.ok(report.db.ageHours >= 240, String(report.db.ageHours));
    assert.deepEqual(
      unsuppressed(report).map((f) => f.id),
      ['CVE-2025-53603'],
    );
    const fresh = await scanJson('debian', '--exit-code', '5');
    assert.equal(fresh.report.db.stale, false);
  });
});

describe('scan: sbom:FILE', () => {
  // The OS case: the SBOM must carry the OS release and each apk's origin for the distro matcher to work from it.
  test('a CycloneDX SBOM Tollgate wrote for the Alpine 3.20 image gives the same findings as the image', async () => {
    const [made, fromBom] = await sbomRun();
    assert.equal(made.code, 0, made.stderr);
    assert.equal(fromBom.code, 0, fromBom.stderr);
    const viaSbom = JSON.parse(fromBom.stdout) as ScanReport;
    const { report: viaImage } = await scanJson('alpine320');
    const key = (f: Finding) => `${f.package.purl} ${f.id} ${f.fixedVersions.join(',')} ${f.severity} ${f.match.searchedBy}`;
    assert.equal(viaSbom.artifact.kind, 'sbom');
    assert.equal(viaSbom.complete, true, viaSbom.warnings.join('\n'));
    assert.equal(findingsOf(viaSbom).length, 52);
    assert.deepEqual(findingsOf(viaSbom).map(key).sort(), findingsOf(viaImage).map(key).sort());
  });
});

function spawnOk(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
