import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { shared } from '../../test/support/paths.js';
import { UsageError, type Finding, type ScanReport } from '../core/index.js';
import { applyIgnoreRules, parseTrivyIgnore } from './ignore.js';
import { sampleReport } from './sample-reports.test.js';
import { errorsText, validateCycloneDx } from './schema-validators.test.js';
import { applyVex, parseVex } from './vex.js';

const UBUNTU_VEX = shared('vulndb', 'samples', 'ubuntu', 'vex', 'cve', '2023', 'CVE-2023-38545.json');
const MANIFEST = 'sha256:3f1a5d7c2b9e4a6f8d0c1e2b3a4f5d6c7b8a9e0f1d2c3b4a5f6e7d8c9b0a1f2e';

function suppressed(r: ScanReport): Record<string, Finding['suppressed']> {
  const out: Record<string, Finding['suppressed']> = {};
  for (const f of r.targets.flatMap((t) => t.findings)) if (f.suppressed !== undefined) out[`${f.package.name}@${f.package.version} ${f.id}`] = f.suppressed;
  return out;
}

function configError(text: RegExp) {
  return (e: unknown) => e instanceof UsageError && e.code === 'INVALID_CONFIG' && text.test(e.message);
}

/** curl packages of an Ubuntu image as Tollgate's dpkg analyzer names them (distro qualifier ubuntu-<VERSION_ID>). */
function ubuntuReport(versionId: string, packages: [name: string, version: string][]): ScanReport {
  const findings: Finding[] = packages.map(([name, version]) => ({
    id: 'CVE-2023-38545',
    aliases: ['USN-6429-1'],
    package: {
      purl: `pkg:deb/ubuntu/${name}@${encodeURIComponent(version)}?arch=amd64&distro=ubuntu-${versionId}`,
      type: 'deb',
      name,
      version,
      sourceName: 'curl',
      paths: ['var/lib/dpkg/status'],
    },
    severity: 'HIGH',
    severitySource: 'ubuntu',
    status: 'fixed',
    fixedVersions: [],
    match: { matcher: 'deb', advisory: 'UBUNTU-CVE-2023-38545', feed: 'osv', ecosystem: 'deb', distro: `ubuntu:${versionId}`, searchedBy: 'curl', constraint: '<fixed>' },
  }));
  return sampleReport({
    os: { family: 'ubuntu', version: versionId },
    targets: [{ name: `ubuntu ${versionId} (dpkg)`, class: 'os-pkgs', type: 'ubuntu', packages: 100, findings }],
  });
}

describe('OpenVEX: the Ubuntu document for CVE-2023-38545', () => {
  const doc = parseVex(readFileSync(UBUNTU_VEX, 'utf8'), 'CVE-2023-38545.json');

  test('three statements: fixed (jammy, noble…), affected (xenial), not_affected (trusty, esm…)', () => {
    assert.equal(doc.format, 'openvex');
    assert.deepEqual(
      doc.statements.map((s) => s.status),
      ['fixed', 'affected', 'not_affected'],
    );
    assert.ok(doc.statements.every((s) => s.vulnerabilities[0] === 'CVE-2023-38545'));
    assert.equal(doc.statements[2]?.justification, 'vulnerable_code_not_present');
    assert.equal(doc.statements[0]?.products[0]?.purl, 'pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.24?arch=source&distro=jammy');
  });

  test('jammy 7.81.0-1ubuntu1.24 is fixed: curl and libcurl4 suppressed; an older build is not', () => {
    const r = applyVex(
      ubuntuReport('22.04', [
        ['curl', '7.81.0-1ubuntu1.24'],
        ['libcurl4', '7.81.0-1ubuntu1.24'],
        ['libcurl3-gnutls', '7.81.0-1ubuntu1.13'],
      ]),
      [doc],
    );
    const notes = 'This package (for the given release) was vulnerable, but an update has been uploaded and published.';
    assert.deepEqual(suppressed(r), {
      'curl@7.81.0-1ubuntu1.24 CVE-2023-38545': { by: 'vex', reason: 'fixed', statement: notes, source: 'CVE-2023-38545.json: statements[0]', status: 'fixed' },
      'libcurl4@7.81.0-1ubuntu1.24 CVE-2023-38545': { by: 'vex', reason: 'fixed', statement: notes, source: 'CVE-2023-38545.json: statements[0]', status: 'fixed' },
    });
    assert.equal(r.summary.total, 1);
    assert.equal(r.summary.suppressed, 2);
  });

  test('xenial is "affected" (not suppressed); trusty is not_affected with its justification', () => {
    const xenial = applyVex(ubuntuReport('16.04', [['curl', '7.47.0-1ubuntu2.19'], ['curl', '7.47.0-1ubuntu2.19+esm15']]), [doc]);
    assert.deepEqual(Object.keys(suppressed(xenial)), ['curl@7.47.0-1ubuntu2.19+esm15 CVE-2023-38545']);
    const trusty = applyVex(ubuntuReport('14.04', [['libcurl3', '7.35.0-1ubuntu2.20+esm19']]), [doc]);
    const s = suppressed(trusty)['libcurl3@7.35.0-1ubuntu2.20+esm19 CVE-2023-38545'];
    assert.equal(s?.status, 'not_affected');
    assert.equal(s?.justification, 'vulnerable_code_not_present');
    assert.equal(s?.reason, 'not_affected: vulnerable_code_not_present');
    assert.match(s?.statement ?? '', /affects 7\.69 and higher/);
  });

  test('other vulnerabilities of the same packages are untouched', () => {
    const r = ubuntuReport('22.04', [['curl', '7.81.0-1ubuntu1.24']]);
    const f = r.targets[0]?.findings[0] as Finding;
    f.id = 'CVE-2023-38546';
    f.aliases = [];
    assert.deepEqual(suppressed(applyVex(r, [doc])), {});
  });
});

describe('OpenVEX: matching rules', () => {
  const vex = (statements: unknown[]) =>
    JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'https://example.com/vex/1', author: 'Example', timestamp: '2024-05-01T00:00:00Z', version: 1, statements });
  const stmt = (extra: Record<string, unknown>) => ({ vulnerability: { name: 'CVE-2021-44906' }, status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', ...extra });

  test('by alias: a statement about the GHSA clears the finding listed under its CVE', () => {
    const doc = parseVex(vex([{ ...stmt({}), vulnerability: { name: 'GHSA-xvch-5gv4-984h' }, products: [{ '@id': 'pkg:npm/minimist@1.2.5' }] }]), 'a.json');
    assert.deepEqual(Object.keys(suppressed(applyVex(sampleReport(), [doc]))).sort(), ['minimist@1.2.5 CVE-2021-44906', 'semver@7.5.1 CVE-2022-25883']);
  });

  test('products that are not the package do not suppress', () => {
    for (const product of ['pkg:npm/minimist@1.2.6', 'pkg:npm/minimist2@1.2.5', 'pkg:npm/%40types/minimist@1.2.5', 'pkg:pypi/minimist@1.2.5', 'https://example.com/minimist']) {
      const doc = parseVex(vex([stmt({ products: [{ '@id': product }] })]), 'a.json');
      assert.equal(applyVex(sampleReport(), [doc]).summary.suppressed, 1, product);
    }
    // Without a version: every version of the package; identifiers.purl works like @id.
    const any = parseVex(vex([stmt({ products: [{ '@id': 'https://example.com/p', identifiers: { purl: 'pkg:npm/minimist' } }] })]), 'a.json');
    assert.equal(applyVex(sampleReport(), [any]).summary.suppressed, 2);
  });

  test('under_investigation and affected never suppress', () => {
    for (const status of ['under_investigation', 'affected']) {
      const doc = parseVex(vex([{ vulnerability: { name: 'CVE-2021-44906' }, status, products: [{ '@id': 'pkg:npm/minimist@1.2.5' }] }]), 'a.json');
      assert.equal(applyVex(sampleReport(), [doc]).summary.suppressed, 1, status);
    }
  });

  test('the latest statement wins: by timestamp, then by order', () => {
    const p = [{ '@id': 'pkg:npm/minimist@1.2.5' }];
    const later = parseVex(
      vex([stmt({ products: p, timestamp: '2024-05-02T00:00:00Z' }), { vulnerability: { name: 'CVE-2021-44906' }, status: 'affected', products: p, timestamp: '2024-05-01T00:00:00Z' }]),
      'a.json',
    );
    assert.equal(applyVex(sampleReport(), [later]).summary.suppressed, 2);
    const reopened = parseVex(vex([stmt({ products: p }), { vulnerability: { name: 'CVE-2021-44906' }, status: 'affected', products: p }]), 'a.json');
    assert.equal(applyVex(sampleReport(), [reopened]).summary.suppressed, 1);
  });

  test('an image product with subcomponents: checked against the scanned image, subcomponents against packages', () => {
    const image = (digest: string) => ({
      '@id': `pkg:oci/app@${encodeURIComponent(digest)}?repository_url=docker.io/library/app`,
      subcomponents: [{ '@id': 'pkg:npm/minimist@1.2.5' }],
    });
    const ours = applyVex(sampleReport(), [parseVex(vex([stmt({ products: [image(MANIFEST)] })]), 'img.json')]);
    assert.deepEqual(ours.targets[1]?.findings.find((f) => f.id === 'CVE-2021-44906')?.suppressed, {
      by: 'vex',
      reason: 'not_affected: vulnerable_code_not_in_execute_path',
      source: 'img.json: statements[0]',
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
    });
    const other = applyVex(sampleReport(), [parseVex(vex([stmt({ products: [image(`sha256:${'0'.repeat(64)}`)] })]), 'img.json')]);
    assert.equal(other.summary.suppressed, 1);
    // Without a digest: the repository must be the scanned one.
    const byName = (url: string) => ({ '@id': `pkg:oci/app?repository_url=${url}`, subcomponents: [{ '@id': 'pkg:npm/minimist' }] });
    assert.equal(applyVex(sampleReport(), [parseVex(vex([stmt({ products: [byName('index.docker.io/library/app')] })]), 'i.json')]).summary.suppressed, 2);
    assert.equal(applyVex(sampleReport(), [parseVex(vex([stmt({ products: [byName('ghcr.io/acme/app')] })]), 'i.json')]).summary.suppressed, 1);
    // Any other product id with subcomponents is taken as the artifact.
    const named = { '@id': 'https://example.com/products/app', subcomponents: [{ '@id': 'pkg:npm/minimist@1.2.5' }] };
    assert.equal(applyVex(sampleReport(), [parseVex(vex([stmt({ products: [named] })]), 'i.json')]).summary.suppressed, 2);
    // The image itself, without subcomponents: the whole image is not affected.
    const whole = { '@id': `pkg:oci/app@${encodeURIComponent(MANIFEST)}` };
    assert.equal(applyVex(sampleReport(), [parseVex(vex([stmt({ products: [whole] })]), 'i.json')]).summary.suppressed, 2);
  });

  test('a source-package product (arch=source) covers the binaries built from it', () => {
    const doc = parseVex(
      vex([{ vulnerability: { name: 'CVE-2023-38545' }, status: 'fixed', products: [{ '@id': 'pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.24?arch=source&distro=jammy' }] }]),
      'src.json',
    );
    const r = applyVex(ubuntuReport('22.04', [['libcurl4', '7.81.0-1ubuntu1.24'], ['libcurl4', '7.81.0-1ubuntu1.15']]), [doc]);
    assert.deepEqual(Object.keys(suppressed(r)), ['libcurl4@7.81.0-1ubuntu1.24 CVE-2023-38545']);
  });

  test('a finding an ignore file already suppressed keeps that reason', () => {
    const ignored = applyIgnoreRules(sampleReport(), parseTrivyIgnore('CVE-2021-44906', '.trivyignore'));
    const doc = parseVex(vex([stmt({ products: [{ '@id': 'pkg:npm/minimist@1.2.5' }] })]), 'a.json');
    assert.equal(applyVex(ignored, [doc]).targets[1]?.findings.find((f) => f.id === 'CVE-2021-44906')?.suppressed?.by, 'ignorefile');
  });

  test('v0.0.x string forms are read', () => {
    const doc = parseVex(
      JSON.stringify({ '@context': 'https://openvex.dev/ns', '@id': 'x', author: 'a', timestamp: '2023-01-01T00:00:00Z', version: 1, statements: [{ vulnerability: 'CVE-2021-44906', products: ['pkg:npm/minimist@1.2.5'], status: 'fixed' }] }),
      'old.json',
    );
    assert.equal(applyVex(sampleReport(), [doc]).summary.suppressed, 2);
  });
});

describe('CycloneDX VEX', () => {
  // Written for these tests in the shape CycloneDX's VEX guide gives (https://cyclonedx.org/capabilities/vex/),
  // and checked against the 1.6 schema below.
  const cdx = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    version: 1,
    metadata: { timestamp: '2024-05-20T10:00:00Z' },
    components: [{ type: 'library', 'bom-ref': 'lodash-4', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' }],
    vulnerabilities: [
      {
        id: 'CVE-2021-44906',
        source: { name: 'NVD', url: 'https://nvd.nist.gov/vuln/detail/CVE-2021-44906' },
        analysis: { state: 'not_affected', justification: 'code_not_reachable', detail: 'minimist only parses our own fixed argv' },
        affects: [{ ref: 'urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:npm/minimist@1.2.5' }],
      },
      {
        id: 'GHSA-35jh-r3h4-6jhm',
        analysis: { state: 'resolved' },
        affects: [{ ref: 'lodash-4' }],
      },
      {
        id: 'CVE-2024-0727',
        analysis: { state: 'in_triage' },
        affects: [{ ref: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64' }],
      },
      {
        id: 'CVE-2023-4911',
        analysis: { state: 'false_positive' },
        affects: [{ ref: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u3?arch=amd64' }],
      },
      {
        id: 'CVE-2023-45853',
        analysis: { state: 'false_positive', detail: 'minizip is not built' },
        affects: [{ ref: 'pkg:deb/debian/zlib1g', versions: [{ version: '1:1.2.13.dfsg-1', status: 'unaffected' }] }],
      },
    ],
  };

  test('the document itself is valid CycloneDX 1.6', () => {
    assert.ok(validateCycloneDx(cdx), errorsText(validateCycloneDx));
  });

  test('not_affected / resolved / false_positive suppress; in_triage and other versions do not', () => {
    const doc = parseVex(JSON.stringify(cdx), 'vendor.cdx.json');
    assert.equal(doc.format, 'cyclonedx');
    const s = suppressed(applyVex(sampleReport(), [doc]));
    assert.deepEqual(s['minimist@1.2.5 CVE-2021-44906'], {
      by: 'vex',
      reason: 'not_affected: code_not_reachable',
      statement: 'minimist only parses our own fixed argv',
      source: 'vendor.cdx.json: vulnerabilities[0]',
      status: 'not_affected',
      justification: 'code_not_reachable',
    });
    // By alias (GHSA of CVE-2021-23337), through a bom-ref of this document; resolved reads as fixed.
    assert.equal(s['lodash@4.17.20 CVE-2021-23337']?.status, 'fixed');
    assert.equal(s['zlib1g@1:1.2.13.dfsg-1 CVE-2023-45853']?.status, 'false_positive');
    assert.equal(s['libssl3@3.0.11-1~deb12u2 CVE-2024-0727'], undefined);
    assert.equal(s['libc6@2.36-9+deb12u1 CVE-2023-4911'], undefined);
    assert.equal(Object.keys(s).length, 4);
  });
});

describe('malformed VEX input', () => {
  test('errors name the file and the entry', () => {
    const open = (statements: unknown) => JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'x', author: 'a', timestamp: 't', version: 1, statements });
    assert.throws(() => parseVex('{"@context": ', 'bad.json'), configError(/^bad\.json: not JSON/));
    assert.throws(() => parseVex('[]', 'bad.json'), configError(/^bad\.json: expected a JSON object/));
    assert.throws(() => parseVex('{"document": {"category": "csaf_vex"}}', 'csaf.json'), configError(/^csaf\.json: not an OpenVEX document .* nor a CycloneDX BOM/));
    assert.throws(() => parseVex(open({}), 'v.json'), configError(/^v\.json: OpenVEX "statements" must be a list/));
    assert.throws(
      () => parseVex(open([{ vulnerability: { name: 'CVE-1' }, status: 'not_affected', products: [] }, { vulnerability: { name: 'CVE-2' }, status: 'safe' }]), 'v.json'),
      configError(/^v\.json: statements\[1\] \(CVE-2\): "status" must be one of not_affected, affected, fixed, under_investigation, got "safe"/),
    );
    assert.throws(() => parseVex(open([{ status: 'fixed' }]), 'v.json'), configError(/statements\[0\]: "vulnerability" is missing/));
    assert.throws(() => parseVex(open([{ vulnerability: { name: 'CVE-1' }, status: 'not_affected', justification: 'because' }]), 'v.json'), configError(/statements\[0\] \(CVE-1\): unknown justification "because"/));
    assert.throws(() => parseVex(open([{ vulnerability: { name: 'CVE-1' }, status: 'fixed', products: [{ '@id': 'pkg:npm' }] }]), 'v.json'), configError(/statements\[0\]\.products\[0\]: not a valid package URL: "pkg:npm"/));
    assert.throws(
      () => parseVex(open([{ vulnerability: { name: 'CVE-1' }, status: 'fixed', products: [{ '@id': 'pkg:oci/app', subcomponents: [{ '@id': 'https://x' }] }] }]), 'v.json'),
      configError(/products\[0\]\.subcomponents\[0\]: a subcomponent must be identified by a purl/),
    );
    const cdx = (vulns: unknown) => JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', vulnerabilities: vulns });
    assert.throws(() => parseVex(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6' }), 'c.json'), configError(/^c\.json: CycloneDX VEX needs a "vulnerabilities" list/));
    assert.throws(() => parseVex(cdx([{ id: 'CVE-1', analysis: { state: 'maybe' } }]), 'c.json'), configError(/^c\.json: vulnerabilities\[0\] \(CVE-1\)\.analysis: unknown state "maybe"/));
    assert.throws(() => parseVex(cdx([{ analysis: { state: 'resolved' } }]), 'c.json'), configError(/vulnerabilities\[0\]: "id" is required/));
    assert.throws(() => parseVex(cdx([{ id: 'CVE-1', affects: [{}] }]), 'c.json'), configError(/vulnerabilities\[0\] \(CVE-1\)\.affects\[0\]: needs a "ref"/));
    assert.throws(() => parseVex(cdx([{ id: 'CVE-1', analysis: { state: 'not_affected', justification: 'vulnerable_code_not_present' } }]), 'c.json'), configError(/unknown justification "vulnerable_code_not_present"/));
  });
});
