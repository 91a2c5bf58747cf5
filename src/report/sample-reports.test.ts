/**
 * Hand-built scan reports shared by the report tests (no tests of its own: the name keeps it out of the package
 * and under the test-only lint rules).
 * Values are realistic (Debian 12 packages and npm packages with real CVE/GHSA ids, fixed versions, CVSS vectors
 * as NVD/GHSA publish them); the expected numbers in the tests are counted by hand from these literals.
 */
import type { Finding, ScanReport, ScanTarget } from '../core/index.js';

type FindingInput = Omit<Finding, 'aliases' | 'fixedVersions' | 'match'> &
  Partial<Pick<Finding, 'aliases' | 'fixedVersions'>> & { feed?: string; constraint?: string };

function finding(f: FindingInput): Finding {
  const { feed, constraint, ...rest } = f;
  const ecosystem = f.package.type as Finding['match']['ecosystem'];
  return {
    aliases: [],
    fixedVersions: [],
    ...rest,
    match: {
      matcher: ecosystem === 'deb' ? 'deb' : ecosystem,
      advisory: f.id,
      feed: feed ?? (ecosystem === 'deb' ? 'debian' : 'osv'),
      ecosystem,
      ...(ecosystem === 'deb' ? { distro: 'debian:12' } : {}),
      searchedBy: f.package.sourceName ?? f.package.name,
      constraint: constraint ?? (f.fixedVersions?.[0] !== undefined ? `< ${f.fixedVersions[0]}` : `<${f.status}>`),
    },
  };
}

const DPKG = 'var/lib/dpkg/status';
const layer0 = { index: 0, digest: 'sha256:1b13d4e1a46e5e969702ec92b7c787c1b6891bff7c21ad378ff6dbc9e751d5d4' };

export function debianFindings(): Finding[] {
  return [
    finding({
      id: 'CVE-2024-0727',
      package: { purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12', type: 'deb', name: 'libssl3', version: '3.0.11-1~deb12u2', sourceName: 'openssl', paths: [DPKG], layer: layer0 },
      severity: 'MEDIUM',
      severitySource: 'nvd',
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H', score: 5.5, source: 'nvd' }],
      cwes: ['CWE-476'],
      title: 'openssl: denial of service via null dereference',
      description: 'Processing a maliciously formatted PKCS12 file may lead OpenSSL to crash leading to a potential Denial of Service attack.',
      status: 'fixed',
      fixedVersions: ['3.0.13-1~deb12u1'],
      published: '2024-01-26T09:15:07.837Z',
      modified: '2024-11-21',
      references: ['https://www.openssl.org/news/secadv/20240125.txt'],
      epss: { score: 0.00131, percentile: 0.4852 },
    }),
    finding({
      id: 'CVE-2023-4911',
      aliases: ['DSA-5514-1'],
      package: { purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12', type: 'deb', name: 'libc6', version: '2.36-9+deb12u1', sourceName: 'glibc', paths: [DPKG], layer: layer0 },
      severity: 'HIGH',
      severitySource: 'nvd',
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', score: 7.8, source: 'nvd' }],
      cwes: ['CWE-122', 'CWE-787'],
      title: 'glibc: buffer overflow in ld.so leading to privilege escalation',
      description: 'A buffer overflow was discovered in the GNU C Library\'s dynamic loader ld.so while processing the GLIBC_TUNABLES environment variable.',
      status: 'fixed',
      fixedVersions: ['2.36-9+deb12u3'],
      published: '2023-10-03T18:15:10Z',
      kev: { dateAdded: '2023-11-21', dueDate: '2023-12-12' },
      epss: { score: 0.71837, percentile: 0.98712 },
    }),
    finding({
      id: 'CVE-2023-45853',
      package: { purl: 'pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12', type: 'deb', name: 'zlib1g', version: '1:1.2.13.dfsg-1', sourceName: 'zlib', paths: [DPKG], layer: layer0 },
      severity: 'CRITICAL',
      severitySource: 'nvd',
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, source: 'nvd' }],
      cwes: ['CWE-190'],
      // Feed text is untrusted: a pipe, markup and an escape sequence must not break or colour any output.
      title: 'zlib: integer overflow | heap overflow in <zipOpenNewFileInZip4_64>\x1b[31m via a long file name',
      status: 'will-not-fix',
      constraint: 'deb source zlib: <ignored>',
    }),
    finding({
      id: 'CVE-2023-31484',
      package: { purl: 'pkg:deb/debian/perl-base@5.36.0-7%2Bdeb12u1?arch=amd64&distro=debian-12', type: 'deb', name: 'perl-base', version: '5.36.0-7+deb12u1', sourceName: 'perl', paths: [DPKG], layer: layer0 },
      severity: 'HIGH',
      severitySource: 'nvd',
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 8.1, source: 'nvd' }],
      title: 'perl: CPAN.pm does not verify TLS certificates when downloading distributions over HTTPS',
      status: 'unfixed',
    }),
    finding({
      id: 'CVE-2016-2781',
      package: { purl: 'pkg:deb/debian/coreutils@9.1-1?arch=amd64&distro=debian-12', type: 'deb', name: 'coreutils', version: '9.1-1', sourceName: 'coreutils', paths: [DPKG], layer: layer0 },
      severity: 'LOW',
      severitySource: 'debian',
      cvss: [{ version: '3.0', vector: 'CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:C/C:N/I:H/A:N', score: 6.5, source: 'nvd' }],
      title: 'coreutils: Non-privileged session can escape to the parent session in chroot',
      status: 'end-of-life',
    }),
    finding({
      id: 'CVE-2023-31437',
      package: { purl: 'pkg:deb/debian/libsystemd0@252.22-1~deb12u1?arch=amd64&distro=debian-12', type: 'deb', name: 'libsystemd0', version: '252.22-1~deb12u1', sourceName: 'systemd', paths: [DPKG], layer: layer0 },
      severity: 'NEGLIGIBLE',
      severitySource: 'debian',
      title: 'systemd: a sealed log can be modified (disputed)',
      status: 'unfixed',
    }),
  ];
}

export function npmFindings(): Finding[] {
  const lock = 'app/package-lock.json';
  return [
    finding({
      id: 'CVE-2021-23337',
      aliases: ['GHSA-35jh-r3h4-6jhm'],
      package: { purl: 'pkg:npm/lodash@4.17.20', type: 'npm', name: 'lodash', version: '4.17.20', paths: [lock] },
      severity: 'HIGH',
      severitySource: 'ghsa',
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', score: 7.2, source: 'ghsa' }],
      cwes: ['CWE-77', 'CWE-94'],
      title: 'Command Injection in lodash',
      status: 'fixed',
      fixedVersions: ['4.17.21'],
      feed: 'ghsa',
    }),
    finding({
      id: 'CVE-2021-44906',
      aliases: ['GHSA-xvch-5gv4-984h'],
      package: { purl: 'pkg:npm/minimist@1.2.5', type: 'npm', name: 'minimist', version: '1.2.5', paths: [lock, 'app/node_modules/minimist/package.json'] },
      severity: 'CRITICAL',
      severitySource: 'ghsa',
      cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, source: 'ghsa' }],
      cwes: ['CWE-1321'],
      title: 'Prototype Pollution in minimist',
      status: 'fixed',
      fixedVersions: ['1.2.6'],
      feed: 'ghsa',
    }),
    finding({
      id: 'CVE-2022-25883',
      aliases: ['GHSA-c2qf-rxjj-qqgw'],
      package: { purl: 'pkg:npm/semver@7.5.1', type: 'npm', name: 'semver', version: '7.5.1', paths: [lock] },
      severity: 'MEDIUM',
      severitySource: 'ghsa',
      title: 'semver vulnerable to Regular Expression Denial of Service',
      status: 'fixed',
      fixedVersions: ['7.5.2'],
      feed: 'ghsa',
      suppressed: { by: 'ignorefile', reason: 'ignored until 2099-01-01', statement: 'semver is only used at build time', source: '.trivyignore:3' },
    }),
  ];
}

export function sampleReport(overrides: Partial<ScanReport> = {}): ScanReport {
  const targets: ScanTarget[] = [
    { name: 'debian 12.5 (dpkg)', class: 'os-pkgs', type: 'debian', packages: 91, findings: debianFindings() },
    { name: 'Node.js', class: 'lang-pkgs', type: 'npm', packages: 212, findings: npmFindings() },
    { name: 'Python', class: 'lang-pkgs', type: 'python-pkg', packages: 14, findings: [] },
  ];
  return {
    schemaVersion: 1,
    tool: { name: 'tollgate', version: '0.1.0' },
    createdAt: '2024-06-01T12:00:00Z',
    artifact: {
      input: 'docker.io/library/app:1.0',
      kind: 'registry',
      image: {
        input: 'docker.io/library/app:1.0',
        kind: 'registry',
        repository: 'docker.io/library/app',
        tag: '1.0',
        manifestDigest: 'sha256:3f1a5d7c2b9e4a6f8d0c1e2b3a4f5d6c7b8a9e0f1d2c3b4a5f6e7d8c9b0a1f2e',
        repoDigests: ['docker.io/library/app@sha256:3f1a5d7c2b9e4a6f8d0c1e2b3a4f5d6c7b8a9e0f1d2c3b4a5f6e7d8c9b0a1f2e'],
        platform: { os: 'linux', architecture: 'amd64' },
      },
    },
    os: { family: 'debian', version: '12.5', codename: 'bookworm' },
    db: { builtAt: '2024-06-01T06:00:00Z', ageHours: 6, stale: false, sources: [{ feed: 'debian', records: 51234 }, { feed: 'osv', records: 180233 }] },
    targets,
    // Counted by hand: unsuppressed CRITICAL zlib1g + minimist, HIGH libc6 + perl-base + lodash, MEDIUM libssl3,
    // LOW coreutils, NEGLIGIBLE libsystemd0; the suppressed semver.
    summary: { CRITICAL: 2, HIGH: 3, MEDIUM: 1, LOW: 1, NEGLIGIBLE: 1, UNKNOWN: 0, total: 8, suppressed: 1 },
    complete: true,
    warnings: [],
    ...overrides,
  };
}

/** The same image, but one layer could not be read. */
export function incompleteReport(): ScanReport {
  return sampleReport({
    complete: false,
    warnings: ['layer 2 (sha256:9c0e…): unexpected end of gzip stream; its packages were not analysed'],
  });
}

/** A complete scan that found nothing. */
export function cleanReport(): ScanReport {
  return sampleReport({
    targets: [{ name: 'alpine 3.19.1 (apk)', class: 'os-pkgs', type: 'alpine', packages: 15, findings: [] }],
    os: { family: 'alpine', version: '3.19.1' },
    summary: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, NEGLIGIBLE: 0, UNKNOWN: 0, total: 0, suppressed: 0 },
  });
}

