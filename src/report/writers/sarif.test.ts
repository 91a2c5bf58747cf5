import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding, ScanReport } from '../../core/index.js';
import { incompleteReport, sampleReport } from '../sample-reports.test.js';
import { errorsText, validateSarif } from '../schema-validators.test.js';
import { sarif, toSarif, type SarifLog } from './sarif.js';

function parse(report: ScanReport): SarifLog {
  const doc = JSON.parse(sarif.write(report, { color: false })) as SarifLog;
  assert.ok(validateSarif(doc), errorsText(validateSarif));
  return doc;
}

describe('SARIF writer', () => {
  const doc = parse(sampleReport());
  const run = doc.runs[0] as SarifLog['runs'][number];

  test('valid SARIF 2.1.0 (OASIS schema) with the tool and version', () => {
    assert.equal(doc.version, '2.1.0');
    assert.equal(doc.runs.length, 1);
    assert.equal(run.tool.driver.name, 'Tollgate');
    assert.equal(run.tool.driver.version, '0.1.0');
    assert.deepEqual(run.invocations, [{ executionSuccessful: true, endTimeUtc: '2024-06-01T12:00:00Z' }]);
  });

  test('one rule per vulnerability id, results refer to their rule by id and index', () => {
    const rules = run.tool.driver.rules;
    assert.equal(rules.length, 9);
    assert.equal(new Set(rules.map((r) => r.id)).size, 9);
    assert.equal(run.results.length, 9);
    for (const r of run.results) assert.equal(rules[r.ruleIndex]?.id, r.ruleId);
  });

  test('rules carry GitHub code scanning properties: security-severity, tags, help with the fix', () => {
    const rule = (id: string) => run.tool.driver.rules.find((r) => r.id === id) as SarifLog['runs'][number]['tool']['driver']['rules'][number];
    const libc = rule('CVE-2023-4911');
    // severity came from NVD, which scored it 7.8: GitHub shows the score the report's severity stands on.
    assert.equal(libc.properties['security-severity'], '7.8');
    assert.deepEqual(libc.properties.tags, ['security', 'vulnerability', 'HIGH']);
    assert.equal(libc.defaultConfiguration.level, 'error');
    assert.equal(libc.shortDescription.text, 'glibc: buffer overflow in ld.so leading to privilege escalation');
    assert.match(libc.fullDescription.text, /^A buffer overflow was discovered in the GNU C Library/);
    assert.match(libc.help.text, /Package: libc6 2\.36-9\+deb12u1, fixed version: 2\.36-9\+deb12u3/);
    assert.match(libc.help.markdown ?? '', /\| HIGH \| libc6 \| 2\.36-9\+deb12u1 \| 2\.36-9\+deb12u3 \| \[CVE-2023-4911\]\(https:\/\/nvd\.nist\.gov\/vuln\/detail\/CVE-2023-4911\) \|/);
    assert.equal(libc.helpUri, 'https://nvd.nist.gov/vuln/detail/CVE-2023-4911');
    // Debian gave LOW and scored nothing; NVD's 6.5 is another source's opinion: the LOW mapping is used.
    assert.equal(rule('CVE-2016-2781').properties['security-severity'], '2.0');
    assert.equal(rule('CVE-2016-2781').defaultConfiguration.level, 'note');
    assert.equal(rule('CVE-2024-0727').defaultConfiguration.level, 'warning');
    assert.equal(rule('CVE-2023-45853').properties['security-severity'], '9.8');
    assert.equal(rule('CVE-2023-31484').properties['security-severity'], '8.1');
    assert.equal(rule('CVE-2023-31437').properties['security-severity'], '0.5');
    assert.equal(rule('CVE-2022-25883').properties['security-severity'], '5.5');
    assert.match(rule('CVE-2023-31484').help.text, /fixed version: none \(unfixed\)/);
  });

  test('results: level from severity, message naming package, installed and fixed, a location per package path', () => {
    const minimist = run.results.find((r) => r.ruleId === 'CVE-2021-44906') as SarifLog['runs'][number]['results'][number];
    assert.equal(minimist.level, 'error');
    assert.match(minimist.message.text, /Package: minimist\nInstalled Version: 1\.2\.5\n.*\nSeverity: CRITICAL\nFixed Version: 1\.2\.6/s);
    assert.deepEqual(
      minimist.locations.map((l) => l.physicalLocation.artifactLocation),
      [
        { uri: 'app/package-lock.json', uriBaseId: 'ROOTPATH' },
        { uri: 'app/node_modules/minimist/package.json', uriBaseId: 'ROOTPATH' },
      ],
    );
    assert.deepEqual(minimist.locations[0]?.physicalLocation.region, { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 });
    assert.equal(minimist.locations[0]?.message.text, 'app/package-lock.json: minimist@1.2.5');
    assert.deepEqual(run.originalUriBaseIds, { ROOTPATH: { uri: 'file:///' } });
    const libssl = run.results.find((r) => r.ruleId === 'CVE-2024-0727');
    assert.equal(libssl?.locations[0]?.physicalLocation.artifactLocation.uri, 'var/lib/dpkg/status');
    assert.match(Object.values(libssl?.partialFingerprints ?? {})[0] ?? '', /^[0-9a-f]{64}$/);
  });

  test('suppressed findings are results with an accepted external suppression', () => {
    const semver = run.results.find((r) => r.ruleId === 'CVE-2022-25883');
    assert.deepEqual(semver?.suppressions, [
      { kind: 'external', status: 'accepted', justification: 'ignore file: ignored until 2099-01-01: semver is only used at build time: .trivyignore:3' },
    ]);
    assert.equal(run.results.filter((r) => r.suppressions !== undefined).length, 1);
  });

  test('the same vulnerability in two packages: one rule listing both fixes, two results', () => {
    const r = sampleReport();
    const libssl = r.targets[0]?.findings.find((f) => f.id === 'CVE-2024-0727') as Finding;
    const openssl: Finding = {
      ...libssl,
      package: { ...libssl.package, purl: 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12', name: 'openssl' },
    };
    r.targets[0]?.findings.push(openssl);
    const out = parse(r).runs[0] as SarifLog['runs'][number];
    const rules = out.tool.driver.rules.filter((x) => x.id === 'CVE-2024-0727');
    assert.equal(rules.length, 1);
    assert.match(rules[0]?.help.text ?? '', /Package: libssl3 3\.0\.11-1~deb12u2, fixed version: 3\.0\.13-1~deb12u1\nPackage: openssl 3\.0\.11-1~deb12u2, fixed version: 3\.0\.13-1~deb12u1/);
    assert.equal(out.results.filter((x) => x.ruleId === 'CVE-2024-0727').length, 2);
  });

  test('an incomplete scan: executionSuccessful false and one notification per warning', () => {
    const inv = parse(incompleteReport()).runs[0]?.invocations[0];
    assert.equal(inv?.executionSuccessful, false);
    assert.deepEqual(
      inv?.toolExecutionNotifications?.map((n) => n.message.text),
      ['layer 2 (sha256:9c0e…): unexpected end of gzip stream; its packages were not analysed'],
    );
  });

  test('paths that are not plain URI characters, and packages without paths (SBOM input), still validate', () => {
    const r = sampleReport({ artifact: { input: 'sbom:/tmp/app bom.cdx.json', kind: 'sbom', sbomFormat: 'cyclonedx' } });
    const lodash = r.targets[1]?.findings[0] as Finding;
    lodash.package = { ...lodash.package, paths: [] };
    const minimist = r.targets[1]?.findings[1] as Finding;
    minimist.package = { ...minimist.package, paths: ['/srv/my app/node_modules/minimist/package.json', 'a#b?c/package.json'] };
    const results = (parse(r).runs[0] as SarifLog['runs'][number]).results;
    const uris = (id: string) => results.find((x) => x.ruleId === id)?.locations.map((l) => l.physicalLocation.artifactLocation.uri);
    assert.deepEqual(uris('CVE-2021-23337'), ['/tmp/app%20bom.cdx.json'.replace(/^\//, '')]);
    assert.deepEqual(uris('CVE-2021-44906'), ['srv/my%20app/node_modules/minimist/package.json', 'a%23b%3Fc/package.json']);
  });

  test('the schema check has teeth', () => {
    const broken = structuredClone(doc) as unknown as { runs: { results: { level: string }[] }[] };
    (broken.runs[0]?.results[0] as { level: string }).level = 'fatal';
    assert.equal(validateSarif(broken), false);
  });

  test('toSarif and write agree', () => {
    assert.deepEqual(toSarif(sampleReport()), doc);
  });
});
