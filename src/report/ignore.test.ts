import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError, type Finding, type ScanReport } from '../core/index.js';
import { applyIgnoreRules, isExpired, parseIgnoreFile, parseTrivyIgnore, parseTrivyIgnoreYaml } from './ignore.js';
import { sampleReport } from './sample-reports.test.js';

const NOW = new Date('2024-06-01T12:00:00Z');

function suppressed(r: ScanReport): Record<string, Finding['suppressed']> {
  const out: Record<string, Finding['suppressed']> = {};
  for (const f of r.targets.flatMap((t) => t.findings)) if (f.suppressed !== undefined) out[`${f.package.name} ${f.id}`] = f.suppressed;
  return out;
}

function configError(text: RegExp) {
  return (e: unknown) => e instanceof UsageError && e.code === 'INVALID_CONFIG' && text.test(e.message);
}

describe('.trivyignore', () => {
  // The layout of Trivy's own test file (aquasecurity/trivy: pkg/result/testdata/.trivyignore), plus our cases.
  const text = [
    '# vulnerabilities',
    'CVE-2023-4911',
    'CVE-2024-0727 exp:2024-01-01',
    'CVE-2023-45853 exp:2099-01-01 key2:value2',
    '  GHSA-35jh-r3h4-6jhm   # lodash template() is not used',
    '',
    '# misconfigurations',
    'AVD-ID-0300',
  ].join('\n');

  test('ids, comments, expiry dates, trailing comments as statements', () => {
    const rules = parseTrivyIgnore(text, '.trivyignore');
    assert.deepEqual(rules, [
      { id: 'CVE-2023-4911', source: '.trivyignore:2' },
      { id: 'CVE-2024-0727', expiresAt: '2024-01-01', source: '.trivyignore:3' },
      { id: 'CVE-2023-45853', expiresAt: '2099-01-01', source: '.trivyignore:4' },
      { id: 'GHSA-35jh-r3h4-6jhm', statement: 'lodash template() is not used', source: '.trivyignore:5' },
      { id: 'AVD-ID-0300', source: '.trivyignore:8' },
    ]);
    assert.deepEqual(parseIgnoreFile(text, 'path/to/.trivyignore'), parseTrivyIgnore(text, 'path/to/.trivyignore'));
  });

  test('applied: expired entries no longer suppress; ids match aliases; summary recounted', () => {
    const r = applyIgnoreRules(sampleReport(), parseTrivyIgnore(text, '.trivyignore'), { now: NOW });
    assert.deepEqual(suppressed(r), {
      'libc6 CVE-2023-4911': { by: 'ignorefile', reason: 'ignored', source: '.trivyignore:2' },
      'zlib1g CVE-2023-45853': { by: 'ignorefile', reason: 'ignored until 2099-01-01', source: '.trivyignore:4' },
      'lodash CVE-2021-23337': { by: 'ignorefile', reason: 'ignored', statement: 'lodash template() is not used', source: '.trivyignore:5' },
      // Already suppressed in the fixture: keeps its first reason.
      'semver CVE-2022-25883': { by: 'ignorefile', reason: 'ignored until 2099-01-01', statement: 'semver is only used at build time', source: '.trivyignore:3' },
    });
    // libssl3's entry expired on 2024-01-01: still reported.
    assert.deepEqual(r.summary, { CRITICAL: 1, HIGH: 1, MEDIUM: 1, LOW: 1, NEGLIGIBLE: 1, UNKNOWN: 0, total: 5, suppressed: 4 });
  });

  test('expiry is Trivy\'s: the date at 00:00 UTC, expired once it is before now', () => {
    const [rule] = parseTrivyIgnore('CVE-2024-0727 exp:2024-06-01', 'f');
    assert.ok(rule !== undefined);
    assert.equal(isExpired(rule, new Date('2024-05-31T23:59:59Z')), false);
    assert.equal(isExpired(rule, new Date('2024-06-01T00:00:01Z')), true);
    const before = applyIgnoreRules(sampleReport(), [rule], { now: new Date('2024-05-31T12:00:00Z') });
    assert.equal(before.summary.suppressed, 2);
    const afterExpiry = applyIgnoreRules(sampleReport(), [rule], { now: new Date('2024-06-02T00:00:00Z') });
    assert.equal(afterExpiry.summary.suppressed, 1);
  });

  test('what Trivy would silently skip is an error naming file and line', () => {
    assert.throws(() => parseTrivyIgnore('CVE-1\nCVE-2024-0727 exp:2024-13-01', '.trivyignore'), configError(/^\.trivyignore:2: CVE-2024-0727: exp: not a date: "2024-13-01"/));
    assert.throws(() => parseTrivyIgnore('CVE-2024-0727 exp:2024-02-30', '.trivyignore'), configError(/not a date/));
    assert.throws(() => parseTrivyIgnore('CVE-2024-0727 CVE-2023-4911', '.trivyignore'), configError(/^\.trivyignore:1: unexpected "CVE-2023-4911"/));
    assert.throws(() => parseTrivyIgnore('CVE-2024-0727 exp=2025-01-01', '.trivyignore'), configError(/unexpected "exp=2025-01-01"/));
  });
});

describe('.trivyignore.yaml', () => {
  const yaml = `
vulnerabilities:
  - id: CVE-2021-44906
    paths:
      - "app/node_modules/**"
    statement: minimist is only used by the build
  - id: CVE-2023-4911
    purls:
      - pkg:deb/debian/libc6
  - id: CVE-2024-0727
    purls:
      - pkg:deb/debian/libssl3?arch=arm64
  - id: CVE-2023-31484
    paths: ["usr/share/perl/**"]
  - id: CVE-2023-45853
    expired_at: 2024-05-01
  - id: CVE-2016-2781
    expired_at: 2030-01-01
    statement: "Accept the risk"
misconfigurations:
  - id: AVD-AWS-0031
secrets:
licenses:
`;

  test('parsed with paths, purls, statement and expiry', () => {
    const rules = parseIgnoreFile(yaml, 'ci/.trivyignore.yaml');
    assert.deepEqual(rules[0], {
      id: 'CVE-2021-44906',
      paths: ['app/node_modules/**'],
      statement: 'minimist is only used by the build',
      source: 'ci/.trivyignore.yaml: vulnerabilities[0]',
    });
    assert.deepEqual(rules[4], { id: 'CVE-2023-45853', expiresAt: '2024-05-01', source: 'ci/.trivyignore.yaml: vulnerabilities[4]' });
    assert.equal(rules.length, 6);
  });

  test('applied: path globs over evidence paths, purl constraints (qualifiers must match), expiry', () => {
    const r = applyIgnoreRules(sampleReport(), parseIgnoreFile(yaml, '.trivyignore.yaml'), { now: NOW });
    const s = suppressed(r);
    // minimist has app/node_modules/minimist/package.json among its paths.
    assert.equal(s['minimist CVE-2021-44906']?.statement, 'minimist is only used by the build');
    // pkg:deb/debian/libc6 (no version, no qualifiers) matches libc6@2.36-9+deb12u1?arch=amd64&distro=debian-12.
    assert.equal(s['libc6 CVE-2023-4911']?.source, '.trivyignore.yaml: vulnerabilities[1]');
    // arch=arm64 is not the package's arch=amd64; perl-base's evidence is var/lib/dpkg/status; zlib's entry expired.
    assert.equal(s['libssl3 CVE-2024-0727'], undefined);
    assert.equal(s['perl-base CVE-2023-31484'], undefined);
    assert.equal(s['zlib1g CVE-2023-45853'], undefined);
    assert.deepEqual(s['coreutils CVE-2016-2781'], {
      by: 'ignorefile',
      reason: 'ignored until 2030-01-01',
      statement: 'Accept the risk',
      source: '.trivyignore.yaml: vulnerabilities[5]',
    });
    assert.equal(r.summary.suppressed, 4);
    assert.equal(r.summary.total, 5);
  });

  test('an empty file or an empty list ignores nothing', () => {
    assert.deepEqual(parseTrivyIgnoreYaml('', 'x.yaml'), []);
    assert.deepEqual(parseTrivyIgnoreYaml('vulnerabilities: []\n', 'x.yaml'), []);
    assert.deepEqual(parseTrivyIgnoreYaml('# nothing\nsecrets:\n', 'x.yaml'), []);
  });

  test('malformed files: errors name the file, the entry and the key', () => {
    const f = '.trivyignore.yaml';
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - id: CVE-1\n    expires: 2025-01-01\n', f), configError(/^\.trivyignore\.yaml: vulnerabilities\[0\]: unknown key "expires"/));
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilites:\n  - id: CVE-1\n', f), configError(/unknown key "vulnerabilites"/));
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - paths: [a]\n', f), configError(/vulnerabilities\[0\]: "id" must be a non-empty string/));
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - id: CVE-1\n  - id: CVE-2\n    purls: ["debian/libc6"]\n', f), configError(/vulnerabilities\[1\] \(CVE-2\): purls: not a package URL: "debian\/libc6"/));
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - id: CVE-1\n    expired_at: tomorrow\n', f), configError(/vulnerabilities\[0\] \(CVE-1\): expired_at: not a date/));
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - id: CVE-1\n    paths: "a/b"\n', f), configError(/paths: expected a list of strings/));
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - id: CVE-1\n    paths: ["a/[b"]\n', f), configError(/invalid path pattern "a\/\[b"/));
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilities: {id: CVE-1}\n', f), configError(/"vulnerabilities" must be a list/));
    assert.throws(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - id: [\n', f), configError(/^\.trivyignore\.yaml: not valid YAML/));
    assert.throws(() => parseTrivyIgnoreYaml('- CVE-1\n', f), configError(/expected a mapping/));
  });
});
