import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding, ScanReport } from '../../core/index.js';
import { incompleteReport, sampleReport } from '../sample-reports.test.js';
import { errorsText, validateCycloneDx } from '../schema-validators.test.js';
import { cyclonedx, type CdxVulnerability, type CdxVulnerabilityBom } from './cyclonedx.js';

function parse(report: ScanReport): CdxVulnerabilityBom {
  const bom = JSON.parse(cyclonedx.write(report, { color: false })) as CdxVulnerabilityBom;
  assert.ok(validateCycloneDx(bom), errorsText(validateCycloneDx));
  return bom;
}

function vuln(bom: CdxVulnerabilityBom, id: string): CdxVulnerability {
  const v = bom.vulnerabilities.filter((x) => x.id === id);
  assert.equal(v.length, 1, id);
  return v[0] as CdxVulnerability;
}

describe('CycloneDX writer', () => {
  const bom = parse(sampleReport());

  test('valid CycloneDX 1.6 with the affected packages as components, bom-ref = purl', () => {
    assert.equal(bom.specVersion, '1.6');
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(bom.metadata.timestamp, '2024-06-01T12:00:00Z');
    assert.deepEqual(bom.metadata.tools.components, [{ type: 'application', name: 'tollgate', version: '0.1.0' }]);
    assert.equal(bom.metadata.component.type, 'container');
    assert.equal(bom.metadata.component.name, 'docker.io/library/app');
    assert.equal(bom.components.length, 9);
    for (const c of bom.components) assert.equal(c['bom-ref'], c.purl);
    assert.equal(bom.compositions, undefined);
  });

  test('one vulnerability per id with source, aliases as references, ratings per source, CWEs, dates', () => {
    assert.equal(bom.vulnerabilities.length, 9);
    const libc = vuln(bom, 'CVE-2023-4911');
    assert.deepEqual(libc.source, { name: 'debian', url: 'https://nvd.nist.gov/vuln/detail/CVE-2023-4911' });
    assert.deepEqual(libc.references, [{ id: 'DSA-5514-1', source: { name: 'DSA', url: 'https://osv.dev/vulnerability/DSA-5514-1' } }]);
    assert.deepEqual(libc.ratings, [
      { source: { name: 'nvd' }, severity: 'high', method: 'other' },
      { source: { name: 'nvd' }, score: 7.8, severity: 'high', method: 'CVSSv31', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' },
    ]);
    assert.deepEqual(libc.cwes, [122, 787]);
    assert.equal(libc.published, '2023-10-03T18:15:10Z');
    assert.equal(libc.recommendation, 'Upgrade libc6 to 2.36-9+deb12u3');
    assert.deepEqual(libc.affects, [
      { ref: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12', versions: [{ version: '2.36-9+deb12u1', status: 'affected' }] },
    ]);
    assert.deepEqual(
      libc.properties?.find((p) => p.name === 'tollgate:kev:dateAdded'),
      { name: 'tollgate:kev:dateAdded', value: '2023-11-21' },
    );
    // Vendor severity and the other source's CVSS side by side, never merged: Debian LOW, NVD 6.5 (CVSS 3.0).
    const coreutils = vuln(bom, 'CVE-2016-2781');
    assert.deepEqual(coreutils.ratings, [
      { source: { name: 'debian' }, severity: 'low', method: 'other' },
      { source: { name: 'nvd' }, score: 6.5, severity: 'medium', method: 'CVSSv3', vector: 'CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:C/C:N/I:H/A:N' },
    ]);
    assert.equal(coreutils.recommendation, undefined);
    assert.equal(vuln(bom, 'CVE-2023-31437').ratings?.[0]?.severity, 'info');
    // A date-only modification time becomes a date-time; descriptions and titles both kept.
    const libssl = vuln(bom, 'CVE-2024-0727');
    assert.equal(libssl.updated, '2024-11-21T00:00:00Z');
    assert.equal(libssl.published, '2024-01-26T09:15:07.837Z');
    assert.equal(libssl.detail, 'openssl: denial of service via null dereference');
    assert.deepEqual(libssl.advisories, [{ url: 'https://www.openssl.org/news/secadv/20240125.txt' }]);
  });

  test('an ignore-file suppression: analysis detail, no impact state (accepting a risk is not one)', () => {
    const semver = vuln(bom, 'CVE-2022-25883');
    assert.deepEqual(semver.analysis, {
      detail: 'suppressed by ignore file: semver is only used at build time; ignored until 2099-01-01; source: .trivyignore:3',
    });
    assert.equal(semver.affects[0]?.versions[0]?.status, 'affected');
  });

  test('VEX suppressions: state and justification in CycloneDX vocabulary, version unaffected, own entry per state', () => {
    const r = sampleReport();
    const lodash = r.targets[1]?.findings.find((f) => f.id === 'CVE-2021-23337') as Finding;
    // The same CVE in a second package, one cleared by VEX and one not: two entries.
    const lodashEs: Finding = { ...lodash, package: { ...lodash.package, purl: 'pkg:npm/lodash-es@4.17.20', name: 'lodash-es' } };
    lodash.suppressed = {
      by: 'vex',
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
      reason: 'not_affected: vulnerable_code_not_in_execute_path',
      statement: 'template() is never called',
      source: 'app.openvex.json: statements[0]',
    };
    r.targets[1]?.findings.push(lodashEs);
    const minimist = r.targets[1]?.findings.find((f) => f.id === 'CVE-2021-44906') as Finding;
    minimist.suppressed = { by: 'vex', status: 'fixed', reason: 'fixed', source: 'vendor.cdx.json: vulnerabilities[0]' };
    const out = parse(r);
    const entries = out.vulnerabilities.filter((v) => v.id === 'CVE-2021-23337');
    assert.equal(entries.length, 2);
    const cleared = entries.find((v) => v.analysis !== undefined) as CdxVulnerability;
    assert.deepEqual(cleared.analysis, {
      state: 'not_affected',
      justification: 'code_not_reachable',
      detail: 'template() is never called; not_affected: vulnerable_code_not_in_execute_path; source: app.openvex.json: statements[0]',
    });
    assert.deepEqual(cleared.affects, [{ ref: 'pkg:npm/lodash@4.17.20', versions: [{ version: '4.17.20', status: 'unaffected' }] }]);
    const open = entries.find((v) => v.analysis === undefined) as CdxVulnerability;
    assert.deepEqual(open.affects, [{ ref: 'pkg:npm/lodash-es@4.17.20', versions: [{ version: '4.17.20', status: 'affected' }] }]);
    assert.equal(vuln(out, 'CVE-2021-44906').analysis?.state, 'resolved');
  });

  test('an incomplete scan is an incomplete composition, its warnings metadata properties', () => {
    const out = parse(incompleteReport());
    assert.deepEqual(out.compositions, [{ aggregate: 'incomplete', assemblies: ['tollgate:scanned-artifact'] }]);
    assert.ok(out.metadata.properties?.some((p) => p.name === 'tollgate:scan:warning' && p.value.includes('unexpected end of gzip stream')));
    assert.ok(out.metadata.properties?.some((p) => p.name === 'tollgate:scan:complete' && p.value === 'false'));
  });

  test('the schema check has teeth', () => {
    const broken = structuredClone(bom) as unknown as { vulnerabilities: { ratings: { severity: string }[] }[] };
    (broken.vulnerabilities[0]?.ratings[0] as { severity: string }).severity = 'severe';
    assert.equal(validateCycloneDx(broken), false);
  });
});
