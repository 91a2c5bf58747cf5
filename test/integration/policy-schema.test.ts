/**
 * Policy files: what a valid ClusterImagePolicy reads as, and how each kind of mistake is reported — with the file,
 * line, column and field path a policy author needs. Lines and columns below are counted by hand in the texts.
 * Key ids are checked against `openssl pkey -pubin -outform DER | sha256sum` of the real cosign public keys in
 * ../shared/data/interop/cosign-keys.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { PolicyValidationError, type KeyAuthority, type PolicyIssue } from '../../src/core/index.js';
import { parsePolicies, parsePolicySources, readPolicyFiles } from '../../src/policy/index.js';
import { runPolicyValidate } from '../../src/cli/commands/policy.js';
import { shared } from '../support/paths.js';
import { captureOutput } from './policy-support.js';

const NOW = new Date('2025-03-01T00:00:00Z');
const text = (...lines: string[]) => `${lines.join('\n')}\n`;
const indent = (s: string, n: number) =>
  s
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`);
const SIGSTORE_TEST_PUB = readFileSync(shared('interop', 'cosign-keys', 'sigstore-test.pub'), 'utf8');
const PC_EXAMPLE_PUB = readFileSync(shared('interop', 'cosign-keys', 'policy-controller-example.pub'), 'utf8');

function opensslKeyId(file: string): string {
  const der = execFileSync('openssl', ['pkey', '-pubin', '-in', file, '-outform', 'DER']);
  return `sha256:${execFileSync('sha256sum', { input: der }).toString().split(' ')[0]}`;
}

function issuesOf(t: string, file = 'p.yaml'): PolicyIssue[] {
  return parsePolicySources([{ file, text: t }], { now: NOW }).issues;
}

const HEAD = ['apiVersion: tollgate.dev/v1alpha1', 'kind: ClusterImagePolicy', 'metadata:', '  name: p', 'spec:'];

describe('a valid policy', () => {
  // Line numbers: 1-5 HEAD, then the spec below.
  const doc = text(
    ...HEAD,
    '  images:', // 6
    '    - glob: "ghcr.io/acme/**"',
    '    - regex: "^registry\\\\.local/"',
    '  excludeImages: ["ghcr.io/acme/experimental/*"]',
    '  namespaces: [prod, "team-*"]', // 10
    '  namespaceSelector:',
    '    matchLabels: {env: prod}',
    '    matchExpressions:',
    '      - {key: tier, operator: In, values: [web, api]}',
    '  mode: warn', // 15
    '  failurePolicy: Ignore',
    '  authorities:',
    '    - name: old',
    '      key:',
    '        data: |', // 20
    ...indent(SIGSTORE_TEST_PUB, 10), // 21-24
    '      validUntil: 2025-01-31', // 25
    '    - name: new',
    '      key: {secretRef: {name: cosign-pub, namespace: tollgate-system}}',
    '      validFrom: "2025-01-15T12:00:00+01:00"',
    '    - name: ci',
    '      keyless:', // 30
    '        identities:',
    '          - issuer: https://token.actions.githubusercontent.com',
    '            subjectRegExp: ^https://github\\.com/acme/',
    '      attestationsOnly: true',
    '  count: 2', // 35
    '  attestations:',
    '    - name: provenance',
    '      predicateType: slsaprovenance1',
    '      authorities: [ci]',
    '      policy:', // 40
    '        conditions:',
    '          - {path: "$.predicate.runDetails.builder.id", matches: "https://github\\\\.com/.*"}',
    '          - {path: "$.predicate.buildDefinition.externalParameters.workflow.ref", in: [refs/heads/main]}',
    '        maxAge: 1w2d',
    '  vulnerabilities: {denyFixable: [CRITICAL, HIGH], denyKev: true, maxCvss: 9.5, source: sbom-attestation}', // 45
    '  references: {forbidLatest: true, allowedRegistries: [ghcr.io/acme]}',
    '  exceptions:',
    '    - images: ["ghcr.io/acme/legacy"]',
    '      vulnerabilities: [CVE-2024-3094]',
    '      owner: team-a', // 50
    '      reason: not reachable',
    '      expires: 2025-06-30',
  );

  test('reads every field, normalised', () => {
    const [p] = parsePolicies([{ file: 'acme.yaml', text: doc }], { now: NOW });
    assert.ok(p);
    assert.equal(p.name, 'p');
    assert.deepEqual(p.source, { file: 'acme.yaml', line: 1 });
    assert.deepEqual(p.images, [{ glob: 'ghcr.io/acme/**' }, { regex: '^registry\\.local/' }]);
    assert.deepEqual(p.excludeImages, [{ glob: 'ghcr.io/acme/experimental/*' }]);
    assert.deepEqual(p.namespaces, ['prod', 'team-*']);
    assert.deepEqual(p.namespaceSelector, { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] });
    assert.equal(p.mode, 'warn');
    assert.equal(p.failurePolicy, 'Ignore');
    assert.equal(p.count, 2);
    assert.equal(p.signedManifest, 'any');
    assert.equal(p.mutateDigest, true);
    const [old, neu, ci] = p.authorities as [KeyAuthority, KeyAuthority, Exclude<(typeof p.authorities)[number], KeyAuthority>];
    assert.equal(old.keyId, opensslKeyId(shared('interop', 'cosign-keys', 'sigstore-test.pub')));
    assert.equal(old.validUntil, '2025-01-31T00:00:00.000Z');
    assert.equal(neu.keyId, 'k8s://tollgate-system/cosign-pub');
    assert.equal(neu.validFrom, '2025-01-15T11:00:00.000Z');
    assert.equal(ci.type, 'keyless');
    assert.equal(ci.attestationsOnly, true);
    assert.equal(p.attestations[0]!.predicateType, 'https://slsa.dev/provenance/v1');
    assert.equal(p.attestations[0]!.maxAgeSeconds, 9 * 86_400);
    assert.deepEqual(p.attestations[0]!.conditions[1], { path: '$.predicate.buildDefinition.externalParameters.workflow.ref', in: ['refs/heads/main'] });
    assert.deepEqual(p.vulnerabilities, { denyFixable: ['CRITICAL', 'HIGH'], denyKev: true, maxCvss: 9.5, source: 'sbom-attestation' });
    assert.deepEqual(p.references, { forbidLatest: true, requireDigest: false, allowedRegistries: ['ghcr.io/acme'] });
    assert.deepEqual(p.exceptions, [{ images: ['ghcr.io/acme/legacy'], vulnerabilities: ['CVE-2024-3094'], owner: 'team-a', reason: 'not reachable', expires: '2025-06-30T00:00:00.000Z' }]);
    assert.match(p.version, /^[0-9a-f]{16}$/);
  });

  test('the version changes with the meaning, not with formatting or comments', () => {
    const [a] = parsePolicies([{ file: 'a.yaml', text: doc }], { now: NOW });
    const [b] = parsePolicies([{ file: 'b.yaml', text: `# a comment\n${doc.replace('  mode: warn', '  mode:    warn   # spaces')}` }], { now: NOW });
    const [c] = parsePolicies([{ file: 'c.yaml', text: doc.replace('  mode: warn', '  mode: audit') }], { now: NOW });
    assert.equal(a!.version, b!.version);
    assert.notEqual(a!.version, c!.version);
  });

  test('defaults: enforce, Fail, count 1 with signature authorities, mutateDigest', () => {
    const [p] = parsePolicies([{ file: 'd.yaml', text: text(...HEAD, '  images: [nginx]', '  authorities:', '    - key:', '        data: |', ...indent(PC_EXAMPLE_PUB, 10)) }]);
    assert.equal(p!.mode, 'enforce');
    assert.equal(p!.failurePolicy, 'Fail');
    assert.equal(p!.count, 1);
    assert.equal(p!.authorities[0]!.name, 'authority-0');
    assert.deepEqual(p!.images, [{ glob: 'nginx' }]);
  });

  test('several documents per file, and a directory of *.yaml / *.yml files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-policy-'));
    try {
      const one = (n: string) => text('apiVersion: tollgate.dev/v1alpha1', 'kind: ClusterImagePolicy', `metadata: {name: ${n}}`, 'spec: {images: ["**"], references: {requireDigest: true}}');
      await writeFile(path.join(dir, 'a.yaml'), `${one('a1')}---\n${one('a2')}---\n`);
      await writeFile(path.join(dir, 'b.yml'), one('b'));
      await writeFile(path.join(dir, 'notes.txt'), 'not a policy');
      await mkdir(path.join(dir, 'sub'));
      await writeFile(path.join(dir, 'sub', 'c.yaml'), one('c'));
      const files = await readPolicyFiles([dir]);
      assert.deepEqual(files.map((f) => path.basename(f.file)), ['a.yaml', 'b.yml']);
      const ps = parsePolicies(files);
      assert.deepEqual(ps.map((p) => [p.name, path.basename(p.source!.file), p.source!.line]), [['a1', 'a.yaml', 1], ['a2', 'a.yaml', 6], ['b', 'b.yml', 1]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

interface BadCase {
  name: string;
  text: string;
  /** The parser may report one mistake several ways: then only the listed issues are required. */
  atLeast?: boolean;
  expect: { line: number; column?: number; path: string; message: RegExp }[];
}

const BAD: BadCase[] = [
  {
    name: 'a Kyverno policy given as a Tollgate one',
    text: text('apiVersion: kyverno.io/v1', 'kind: ClusterPolicy', 'metadata: {name: x}', 'spec: {images: ["**"]}'),
    expect: [
      { line: 1, column: 13, path: 'apiVersion', message: /expected tollgate\.dev\/v1alpha1, got "kyverno\.io\/v1".*policy convert/ },
      { line: 2, column: 7, path: 'kind', message: /expected ClusterImagePolicy, got "ClusterPolicy"/ },
    ],
  },
  {
    name: 'a misspelt field, with a suggestion, and the field it leaves missing',
    text: text(...HEAD, '  imagess:', '    - glob: "**"'),
    expect: [
      { line: 6, column: 3, path: 'spec.imagess', message: /unknown field "imagess" \(did you mean "images"\?\)/ },
      { line: 6, column: 3, path: 'spec.images', message: /missing/ },
    ],
  },
  {
    name: 'an enum with the wrong case',
    text: text(...HEAD, '  images: ["**"]', '  mode: Enforce'),
    expect: [{ line: 7, column: 9, path: 'spec.mode', message: /must be one of enforce, warn, audit, got "Enforce" \(did you mean "enforce"\?\)/ }],
  },
  {
    name: 'a key with two forms',
    text: text(...HEAD, '  images: ["**"]', '  authorities:', '    - key:', '        kms: awskms:///arn:aws:kms:us-east-2:111122223333:key/1', '        secretRef: {name: k}'),
    expect: [{ line: 9, column: 9, path: 'spec.authorities[0].key', message: /expected exactly one of data, secretRef, kms, got secretRef and kms/ }],
  },
  {
    name: 'a public key that is not one',
    text: text(...HEAD, '  images: ["**"]', '  authorities:', '    - key:', '        data: |', '          -----BEGIN PUBLIC KEY-----', '          bm90IGEga2V5', '          -----END PUBLIC KEY-----'),
    expect: [{ line: 9, column: 15, path: 'spec.authorities[0].key.data', message: /the public key cannot be read/ }],
  },
  {
    name: 'a certificate where a key belongs',
    text: text(...HEAD, '  images: ["**"]', '  authorities:', '    - key: {data: "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----"}'),
    expect: [{ line: 8, column: 19, path: 'spec.authorities[0].key.data', message: /expected a PEM public key, found a "CERTIFICATE" block/ }],
  },
  {
    name: 'a keyless identity without issuer, and a regexp that is not RE2',
    text: text(...HEAD, '  images: ["**"]', '  authorities:', '    - keyless:', '        identities:', '          - subject: a@example.com', '          - issuer: https://x', '            subjectRegExp: "****"'),
    expect: [
      { line: 10, column: 13, path: 'spec.authorities[0].keyless.identities[0]', message: /expected issuer or issuerRegExp/ },
      { line: 12, column: 28, path: 'spec.authorities[0].keyless.identities[1].subjectRegExp', message: /invalid regular expression "\*\*\*\*": .*missing argument to repetition operator/ },
    ],
  },
  {
    name: 'count above the number of signature authorities',
    text: text(...HEAD, '  images: ["**"]', '  authorities:', '    - static: {action: pass}', '    - key: {kms: "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k"}', '      attestationsOnly: true', '  count: 2'),
    expect: [{ line: 11, column: 10, path: 'spec.count', message: /2 authorities required but only 1 can sign the image \(authority-0\)/ }],
  },
  {
    name: 'a glob with a character policy-controller globs do not have',
    text: text(...HEAD, '  images:', '    - glob: "ghcr.io/[ab]/*"'),
    expect: [{ line: 7, column: 13, path: 'spec.images[0].glob', message: /invalid glob "ghcr\.io\/\[ab\]\/\*": "\[" is not allowed/ }],
  },
  {
    name: 'an exception without expiry, and one with a bad date and an unknown rule',
    text: text(...HEAD, '  images: ["**"]', '  references: {forbidLatest: true}', '  exceptions:', '    - images: ["*"]', '      owner: a', '      reason: b', '    - {images: ["*"], owner: a, reason: b, expires: 31.12.2025, rules: [signature]}'),
    expect: [
      { line: 9, column: 7, path: 'spec.exceptions[0].expires', message: /missing: an exception needs images, owner, reason and expires/ },
      { line: 12, column: 73, path: 'spec.exceptions[1].rules[0]', message: /unknown rule "signature"; this policy's rules are: signatures, attestations, vulnerabilities, references/ },
      { line: 12, column: 53, path: 'spec.exceptions[1].expires', message: /expected a date \(YYYY-MM-DD\) or an RFC 3339 time.*got "31\.12\.2025"/ },
    ],
  },
  {
    name: 'an attestation naming an authority that does not exist, with a condition of two operators and a bad maxAge',
    text: text(
      ...HEAD,
      '  images: ["**"]',
      '  authorities: [{name: ci, keyless: {identities: [{issuer: i, subject: s}]}}]',
      '  attestations:',
      '    - name: slsa',
      '      predicateType: https://slsa.dev/provenance/v1',
      '      authorities: [cd]',
      '      policy:',
      '        conditions:',
      '          - {path: $.predicate.x, equals: 1, in: [1]}',
      '          - {path: "predicate.x", exists: true}',
      '        maxAge: 7 days',
    ),
    expect: [
      { line: 11, column: 21, path: 'spec.attestations[0].authorities[0]', message: /no authority named "cd" in this policy/ },
      { line: 14, column: 13, path: 'spec.attestations[0].policy.conditions[0]', message: /expected exactly one of equals, notEquals, matches, in, notIn, exists, got equals and in/ },
      { line: 15, column: 20, path: 'spec.attestations[0].policy.conditions[1].path', message: /a path starts with "\$"/ },
      { line: 16, column: 17, path: 'spec.attestations[0].policy.maxAge', message: /expected a duration such as 7d, 36h, 1w2d, got "7 days"/ },
    ],
  },
  {
    name: 'a vulnerability gate without a gate, and an unknown severity',
    text: text(...HEAD, '  images: ["**"]', '  vulnerabilities: {source: scan}', '---', ...HEAD.map((l) => l.replace('name: p', 'name: q')), '  images: ["**"]', '  vulnerabilities: {denyFixable: [CRITICL]}'),
    expect: [
      { line: 7, column: 20, path: 'spec.vulnerabilities', message: /no gate: set maxSeverity, denyFixable, denyKev or maxCvss/ },
      { line: 15, column: 35, path: 'spec.vulnerabilities.denyFixable[0]', message: /must be one of CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE, UNKNOWN, got "CRITICL"/ },
    ],
  },
  {
    name: 'a YAML syntax error (a list item indented one space short)',
    text: text(...HEAD, '  images:', '    - glob: "a"', '   - glob: "b"'),
    atLeast: true,
    expect: [{ line: 8, path: '', message: /^YAML: / }],
  },
  {
    name: 'a duplicate key',
    text: text(...HEAD, '  images: ["**"]', '  mode: warn', '  mode: audit'),
    expect: [{ line: 8, column: 3, path: '', message: /YAML: Map keys must be unique/ }],
  },
  {
    name: 'a list where a mapping belongs, and a string where a list belongs',
    text: text(...HEAD, '  images: "ghcr.io/**"', '  references: [forbidLatest]'),
    expect: [
      { line: 6, column: 11, path: 'spec.images', message: /expected a list, got the string "ghcr\.io\/\*\*"/ },
      { line: 7, column: 15, path: 'spec.references', message: /expected a mapping, got a list/ },
    ],
  },
];

describe('malformed policies: every problem with line, column and field', () => {
  for (const c of BAD) {
    test(c.name, () => {
      const issues = issuesOf(c.text);
      for (const e of c.expect) {
        const found = issues.find((i) => i.path === e.path && e.message.test(i.message));
        assert.ok(found, `no issue at ${e.path} matching ${e.message}; got:\n${issues.map((i) => `  ${i.line}:${i.column} ${i.path}: ${i.message}`).join('\n')}`);
        assert.equal(found.file, 'p.yaml');
        assert.equal(found.line, e.line, `line of ${e.path}`);
        if (e.column !== undefined) assert.equal(found.column, e.column, `column of ${e.path}`);
      }
      if (c.atLeast) assert.ok(issues.every((i) => i.line === c.expect[0]!.line), 'every report is on the line of the mistake');
      else assert.equal(issues.length, c.expect.length, `unexpected issues:\n${issues.map((i) => `  ${i.line}:${i.column} ${i.path}: ${i.message}`).join('\n')}`);
    });
  }

  test('the same name twice across files names the first place', () => {
    const one = text(...HEAD, '  images: ["**"]', '  references: {requireDigest: true}');
    const r = parsePolicySources([
      { file: 'a.yaml', text: one },
      { file: 'b.yaml', text: `# comment\n${one}` },
    ]);
    assert.equal(r.issues.length, 1);
    assert.deepEqual({ ...r.issues[0] }, { file: 'b.yaml', line: 5, column: 9, path: 'metadata.name', message: 'policy "p" is already defined at a.yaml:1' });
  });

  test('parsePolicies throws one PolicyValidationError listing every problem as file:line:column: path: message', () => {
    const t = BAD.find((c) => c.name.startsWith('a keyless identity'))!.text;
    assert.throws(
      () => parsePolicies([{ file: 'k.yaml', text: t }]),
      (e: unknown) => {
        assert.ok(e instanceof PolicyValidationError);
        assert.equal(e.code, 'INVALID_CONFIG');
        assert.equal(e.issues.length, 2);
        assert.match(e.message, /^2 problems in the policy files:\n {2}k\.yaml:10:13: spec\.authorities\[0\]\.keyless\.identities\[0\]: expected issuer or issuerRegExp/);
        assert.match(e.message, /\n {2}k\.yaml:12:28: spec\.authorities\[0\]\.keyless\.identities\[1\]\.subjectRegExp: invalid regular expression/);
        return true;
      },
    );
  });
});

describe('warnings', () => {
  test('an expired exception and a policy without rules are warnings, not errors', () => {
    const t = text(...HEAD, '  images: ["**"]', '  exceptions:', '    - {images: ["*"], owner: ops, reason: r, expires: 2025-02-28}');
    const r = parsePolicySources([{ file: 'w.yaml', text: t }], { now: NOW });
    assert.equal(r.issues.length, 0);
    assert.equal(r.policies.length, 1);
    assert.deepEqual(
      r.warnings.map((w) => `${w.line}:${w.column} ${w.path}: ${w.message}`),
      ['5:1 spec: no rules (authorities, attestations, vulnerabilities or references): every matching image passes', '8:55 spec.exceptions[0].expires: expired on 2025-02-28T00:00:00.000Z (owner ops): it no longer applies'],
    );
  });
});

describe('tollgate policy validate', () => {
  test('exit 0 and a line per file when valid; exit 2 with every problem on stderr when not', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-policy-'));
    try {
      await writeFile(path.join(dir, 'good.yaml'), text(...HEAD, '  images: ["**"]', '  references: {requireDigest: true}'));
      const ok = captureOutput();
      assert.equal(await runPolicyValidate([dir], {}, { output: ok, now: NOW }), 0);
      assert.equal(ok.stdout, `${path.join(dir, 'good.yaml')}: 1 policy (p, enforce)\n`);
      await writeFile(path.join(dir, 'bad.yaml'), BAD[2]!.text);
      const bad = captureOutput();
      assert.equal(await runPolicyValidate([dir], {}, { output: bad, now: NOW }), 2);
      assert.match(bad.stderr, new RegExp(`error: ${path.join(dir, 'bad.yaml').replace(/[.]/g, '\\.')}:7:9: spec\\.mode: must be one of enforce, warn, audit`));
      assert.match(bad.stderr, /1 problem\(s\) in 1 file\(s\)/);
      const missing = captureOutput();
      assert.equal(await runPolicyValidate([path.join(dir, 'nope.yaml')], {}, { output: missing }), 2);
      assert.match(missing.stderr, /nope\.yaml: no such file or directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
