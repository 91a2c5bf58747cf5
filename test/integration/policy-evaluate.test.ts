/**
 * The admission decision, table by table: globs (policy-controller semantics and Docker Hub normalisation),
 * namespaces, each rule type, modes, count semantics, exceptions and their expiry, failurePolicy, the unmatched
 * default, and what `requiredFacts` asks the webhook to find out. Keys are the real cosign public keys of
 * ../shared/data/interop/cosign-keys (their ids computed with openssl); predicates are the real cosign and SLSA
 * predicates of ../shared/data/interop/attestations. Expected outcomes are worked out from the semantics in
 * docs/policy.md, not read back from the code.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type {
  AdmissionImage,
  AttestationFact,
  Decision,
  EvaluationRequest,
  Finding,
  ImageFacts,
  ImagePolicy,
  ScanReport,
  Severity,
  SignatureFact,
} from '../../src/core/index.js';
import { evaluate, matchingPolicies, parsePolicies, parsePolicyImageRef, requiredFacts } from '../../src/policy/index.js';
import { shared } from '../support/paths.js';

const NOW = new Date('2025-03-01T00:00:00Z');
const keyFile = (n: string) => shared('interop', 'cosign-keys', n);
const pem = (n: string) => readFileSync(keyFile(n), 'utf8');
function opensslKeyId(file: string): string {
  const der = execFileSync('openssl', ['pkey', '-pubin', '-in', file, '-outform', 'DER']);
  return `sha256:${execFileSync('sha256sum', { input: der }).toString().split(' ')[0]}`;
}
const KEY_A = { pem: pem('sigstore-test.pub'), id: opensslKeyId(keyFile('sigstore-test.pub')) };
const KEY_B = { pem: pem('policy-controller-example.pub'), id: opensslKeyId(keyFile('policy-controller-example.pub')) };
const KEY_C = { pem: pem('cosign-release.pub'), id: opensslKeyId(keyFile('cosign-release.pub')) };
const keyYaml = (name: string, k: { pem: string }, extra: string[] = []) => [
  `    - name: ${name}`,
  '      key:',
  '        data: |',
  ...k.pem.trim().split('\n').map((l) => `          ${l}`),
  ...extra.map((l) => `      ${l}`),
];

/** One policy from spec lines (indented two spaces under `spec:`). */
function policy(name: string, ...spec: string[]): ImagePolicy {
  const text = ['apiVersion: tollgate.dev/v1alpha1', 'kind: ClusterImagePolicy', `metadata: {name: ${name}}`, 'spec:', ...spec].join('\n');
  return parsePolicies([{ file: `${name}.yaml`, text }], { now: NOW })[0]!;
}

const DIGEST = `sha256:${'a'.repeat(64)}`;
const DIGEST2 = `sha256:${'b'.repeat(64)}`;

function facts(ref: string, f: Partial<ImageFacts> = {}): ImageFacts {
  return { ref, resolvedDigest: DIGEST, signatures: [], attestations: [], errors: [], ...f };
}
const keySig = (keyId: string, extra: Partial<SignatureFact> = {}): SignatureFact => ({ kind: 'cosign', keyId, verifiedAt: NOW.toISOString(), ...extra });
const keylessSig = (subject: string, issuer: string, extra: Partial<SignatureFact> = {}): SignatureFact => ({ kind: 'cosign', subject, issuer, verifiedAt: NOW.toISOString(), ...extra });

function decide(policies: ImagePolicy[], images: (string | AdmissionImage)[], f: ImageFacts[] = [], req: Partial<EvaluationRequest> = {}, opts: { unmatched?: 'allow' | 'deny' } = {}): Decision {
  const imgs = images.map((i) => (typeof i === 'string' ? { ref: i, container: 'app', kind: 'container' as const } : i));
  return evaluate(policies, { namespace: 'default', ...req, images: imgs }, new Map(f.map((x) => [x.ref, x])), NOW, opts);
}
const resultOf = (d: Decision, rule: string, image?: string) => d.results.find((r) => r.rule === rule && (image === undefined || r.image === image));

describe('image globs', () => {
  // [glob, image, matches] — policy-controller's glob semantics (pkg/apis/glob/glob.go) plus the Docker Hub
  // reading of docs/policy.md.
  const table: [string, string, boolean][] = [
    ['*', 'nginx', true], // "*" is index.docker.io/library/*
    ['*', 'nginx:1.25', true],
    ['*', 'acme/app', false],
    ['*', 'ghcr.io/acme/app', false],
    ['*/*', 'acme/app:1', true],
    ['*/*', 'nginx', true], // index.docker.io/library/nginx has two components after the host
    ['*/*', 'ghcr.io/acme/app', false],
    ['index.docker.io/library/nginx', 'nginx:1.25', true],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx', true],
    ['docker.io/library/nginx*', 'nginx@sha256:' + 'c'.repeat(64), true],
    ['nginx', 'index.docker.io/library/nginx:latest', true],
    ['nginx', 'nginx-unprivileged', false],
    ['acme/*', 'acme/app:2', true],
    ['acme/*', 'ghcr.io/acme/app', false],
    ['ghcr.io/acme/*', 'ghcr.io/acme/app:1', true],
    ['ghcr.io/acme/*', 'ghcr.io/acme/team/app', false],
    ['ghcr.io/acme/**', 'ghcr.io/acme/team/app:1', true],
    ['ghcr.io/acme/**', 'ghcr.io/acmecorp/app', false],
    ['ghcr.io/acme/app:1.*', 'ghcr.io/acme/app:1.2', true],
    ['ghcr.io/acme/app:1.*', 'ghcr.io/acme/app:2.0', false],
    ['ghcr.io/acme/app:1.*', 'ghcr.io/acme/app', false], // implied :latest
    ['ghcr.io/acme/app:v?', 'ghcr.io/acme/app:v2', true],
    ['**demo**', 'registry.local:5000/x/demo-app:1', true],
    ['**demo**', 'ghcr.io/acme/app', false],
    ['localhost:5000/app', 'localhost:5000/app:v1', true],
    [`gcr.io/projectsigstore/policy-webhook@sha256:${'d'.repeat(64)}`, `gcr.io/projectsigstore/policy-webhook@sha256:${'d'.repeat(64)}`, true],
    [`gcr.io/projectsigstore/policy-webhook@sha256:${'d'.repeat(64)}`, 'gcr.io/projectsigstore/policy-webhook:v0.3.0', false],
    ['**', 'anything.example/a/b/c:d', true],
  ];
  for (const [glob, image, want] of table) {
    test(`${glob} ${want ? 'matches' : 'does not match'} ${image}`, () => {
      const p = policy('g', '  images:', `    - glob: "${glob}"`, '  references: {requireDigest: true}');
      const parsed = parsePolicyImageRef(image);
      assert.ok(!('error' in parsed));
      assert.equal(matchingPolicies([p], image, parsed).length, want ? 1 : 0);
    });
  }

  test('regex entries are RE2, unanchored; excludeImages removes images again', () => {
    const p = policy('r', '  images:', '    - regex: "ghcr\\\\.io/acme/"', '  excludeImages: ["ghcr.io/acme/experimental/**"]', '  references: {requireDigest: true}');
    const names = (img: string) => matchingPolicies([p], img, parsePolicyImageRef(img) as never).length;
    assert.equal(names('ghcr.io/acme/app'), 1);
    assert.equal(names('mirror.example/ghcr.io/acme/app'), 1); // unanchored, as Go's regexp.MatchString
    assert.equal(names('ghcr.io/acme/experimental/x:1'), 0);
    assert.equal(names('quay.io/acme/app'), 0);
  });
});

describe('namespaces', () => {
  const base = ['  images: ["**"]', '  references: {forbidLatest: true}'];
  const cases: { name: string; spec: string[]; ns: string; labels?: Record<string, string>; applies: boolean }[] = [
    { name: 'names list, listed', spec: ['  namespaces: [prod, "team-*"]'], ns: 'prod', applies: true },
    { name: 'names list, glob', spec: ['  namespaces: [prod, "team-*"]'], ns: 'team-a', applies: true },
    { name: 'names list, not listed', spec: ['  namespaces: [prod, "team-*"]'], ns: 'dev', applies: false },
    { name: 'matchLabels', spec: ['  namespaceSelector: {matchLabels: {env: prod}}'], ns: 'x', labels: { env: 'prod' }, applies: true },
    { name: 'matchLabels, other value', spec: ['  namespaceSelector: {matchLabels: {env: prod}}'], ns: 'x', labels: { env: 'dev' }, applies: false },
    { name: 'In', spec: ['  namespaceSelector: {matchExpressions: [{key: tier, operator: In, values: [web, api]}]}'], ns: 'x', labels: { tier: 'api' }, applies: true },
    { name: 'In, label absent', spec: ['  namespaceSelector: {matchExpressions: [{key: tier, operator: In, values: [web]}]}'], ns: 'x', labels: {}, applies: false },
    { name: 'NotIn, label absent', spec: ['  namespaceSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}'], ns: 'x', labels: {}, applies: true },
    { name: 'NotIn, excluded value', spec: ['  namespaceSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}'], ns: 'x', labels: { tier: 'web' }, applies: false },
    { name: 'Exists', spec: ['  namespaceSelector: {matchExpressions: [{key: tollgate.dev/enforce, operator: Exists}]}'], ns: 'x', labels: { 'tollgate.dev/enforce': '' }, applies: true },
    { name: 'DoesNotExist', spec: ['  namespaceSelector: {matchExpressions: [{key: tollgate.dev/skip, operator: DoesNotExist}]}'], ns: 'x', labels: { 'tollgate.dev/skip': 'true' }, applies: false },
    { name: 'the automatic name label', spec: ['  namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}'], ns: 'prod', labels: {}, applies: true },
    { name: 'names and selector: both must match', spec: ['  namespaces: [prod]', '  namespaceSelector: {matchLabels: {env: prod}}'], ns: 'prod', labels: { env: 'dev' }, applies: false },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.applies ? 'applies' : 'does not apply'}`, () => {
      const p = policy('ns', ...base, ...c.spec);
      const d = decide([p], ['nginx'], [], { namespace: c.ns, namespaceLabels: c.labels ?? {} });
      // nginx implies :latest: the policy denies it exactly when it applies.
      assert.equal(d.allowed, !c.applies);
      assert.equal(resultOf(d, 'unmatched') !== undefined, !c.applies);
    });
  }
});

describe('reference rules', () => {
  const p = policy('refs', '  images: ["**"]', '  references:', '    forbidLatest: true', '    requireDigest: false', '    allowedRegistries: [docker.io, ghcr.io/acme, "registry.local:5000"]');
  const pin = `@sha256:${'e'.repeat(64)}`;
  const table: [string, string, 'pass' | 'fail'][] = [
    ['nginx', 'references/forbidLatest', 'fail'],
    ['nginx:latest', 'references/forbidLatest', 'fail'],
    [`nginx:latest${pin}`, 'references/forbidLatest', 'pass'],
    [`nginx${pin}`, 'references/forbidLatest', 'pass'],
    ['nginx:1.25', 'references/forbidLatest', 'pass'],
    ['nginx:1.25', 'references/allowedRegistries', 'pass'],
    ['ghcr.io/acme/app:1', 'references/allowedRegistries', 'pass'],
    ['ghcr.io/acme-evil/app:1', 'references/allowedRegistries', 'fail'],
    ['ghcr.io/other/app:1', 'references/allowedRegistries', 'fail'],
    ['registry.local:5000/team/app:1', 'references/allowedRegistries', 'pass'],
    ['registry.local:5001/team/app:1', 'references/allowedRegistries', 'fail'],
  ];
  for (const [image, rule, want] of table) {
    test(`${image}: ${rule} ${want}`, () => {
      const d = decide([p], [image]);
      assert.equal(resultOf(d, rule)?.result, want, JSON.stringify(d.results));
    });
  }
  test('requireDigest: the reference as written must carry a digest', () => {
    const q = policy('digest', '  images: ["**"]', '  references: {requireDigest: true}');
    assert.equal(resultOf(decide([q], ['ghcr.io/a/b:1']), 'references/requireDigest')?.result, 'fail');
    assert.equal(resultOf(decide([q], [`ghcr.io/a/b:1${pin}`]), 'references/requireDigest')?.result, 'pass');
  });
  test('an invalid reference is denied without consulting any policy', () => {
    const d = decide([p], ['Ghcr.io/UPPER/case:1', 'nginx:1.25']);
    assert.equal(d.allowed, false);
    assert.equal(resultOf(d, 'reference')?.result, 'fail');
    assert.match(resultOf(d, 'reference')!.message, /invalid image reference: malformed repository name "UPPER\/case"/);
  });
});

describe('modes', () => {
  const spec = ['  images: ["**"]', '  references: {forbidLatest: true}'];
  test('enforce denies, naming the image, container and rule', () => {
    const d = decide([policy('e', ...spec)], [{ ref: 'nginx', container: 'web', kind: 'initContainer' }]);
    assert.equal(d.allowed, false);
    assert.equal(d.mode, 'enforce');
    assert.equal(d.message, 'image nginx (initContainer web): e/references/forbidLatest: has no tag, which means :latest and no digest');
    assert.deepEqual(d.warnings, []);
  });
  test('warn admits with a warning', () => {
    const d = decide([policy('w', ...spec, '  mode: warn')], ['nginx']);
    assert.equal(d.allowed, true);
    assert.equal(d.mode, 'warn');
    assert.deepEqual(d.warnings, ['nginx: w/references/forbidLatest: has no tag, which means :latest and no digest']);
  });
  test('audit admits silently, the failure recorded', () => {
    const d = decide([policy('a', ...spec, '  mode: audit')], ['nginx']);
    assert.equal(d.allowed, true);
    assert.equal(d.mode, 'audit');
    assert.deepEqual(d.warnings, []);
    assert.equal(resultOf(d, 'references/forbidLatest')?.result, 'fail');
    assert.equal(resultOf(d, 'references/forbidLatest')?.mode, 'audit');
  });
  test('an image must pass every matching policy', () => {
    const d = decide([policy('w', ...spec, '  mode: warn'), policy('e', '  images: ["**"]', '  references: {requireDigest: true}')], ['nginx:1']);
    assert.equal(d.allowed, false);
    assert.deepEqual(d.images[0]!.policies, ['w', 'e']);
  });
});

describe('signatures', () => {
  const two = policy('sig', '  images: ["ghcr.io/acme/**"]', '  authorities:', ...keyYaml('a', KEY_A), ...keyYaml('b', KEY_B));
  const img = 'ghcr.io/acme/app:1';
  test('any one authority suffices by default', () => {
    assert.equal(decide([two], [img], [facts(img, { signatures: [keySig(KEY_B.id)] })]).allowed, true);
    assert.equal(resultOf(decide([two], [img], [facts(img, { signatures: [keySig(KEY_B.id)] })]), 'signatures')?.message, 'verified: b');
  });
  test('a signature by another key does not count', () => {
    const d = decide([two], [img], [facts(img, { signatures: [keySig(KEY_C.id)] })]);
    assert.equal(d.allowed, false);
    assert.match(resultOf(d, 'signatures')!.message, /^no valid a signature by one of a \(key sha256:/);
    assert.match(resultOf(d, 'signatures')!.message, /1 signature\(s\) found from other signers/);
  });
  test('no signatures at all', () => {
    assert.equal(decide([two], [img], [facts(img)]).allowed, false);
  });

  describe('key rotation windows', () => {
    const rot = policy('rot', '  images: ["**"]', '  authorities:', ...keyYaml('old', KEY_A, ['validUntil: 2025-02-01']), ...keyYaml('new', KEY_B, ['validFrom: 2025-02-01']));
    const cases: [string, SignatureFact, boolean][] = [
      ['old key, no trusted time: checked now (after its window)', keySig(KEY_A.id), false],
      ['old key, signed inside its window', keySig(KEY_A.id, { signedAt: '2025-01-15T10:00:00Z' }), true],
      ['old key, signed after its window', keySig(KEY_A.id, { signedAt: '2025-02-10T00:00:00Z' }), false],
      ['new key, now', keySig(KEY_B.id), true],
      ['new key, signed before its window', keySig(KEY_B.id, { signedAt: '2025-01-31T23:59:59Z' }), false],
    ];
    for (const [name, sig, ok] of cases) {
      test(name, () => {
        const d = decide([rot], ['ghcr.io/x/y:1'], [facts('ghcr.io/x/y:1', { signatures: [sig] })]);
        assert.equal(d.allowed, ok, JSON.stringify(d.results));
        if (!ok && sig.keyId === KEY_A.id) assert.match(resultOf(d, 'signatures')!.message, /signed by key old, which is trusted only -∞ \.\. 2025-02-01T00:00:00\.000Z/);
      });
    }
  });

  describe('keyless identities', () => {
    const kl = policy(
      'kl',
      '  images: ["**"]',
      '  authorities:',
      '    - name: gha',
      '      keyless:',
      '        identities:',
      '          - issuer: https://token.actions.githubusercontent.com',
      '            subjectRegExp: github\\.com/acme/',
      '          - issuerRegExp: ^https://accounts\\.google\\.com$',
      '            subject: release@acme.example',
    );
    const GHA = 'https://token.actions.githubusercontent.com';
    const cases: [string, SignatureFact, boolean][] = [
      ['exact issuer, unanchored subject regexp', keylessSig('https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1', GHA), true],
      ['other subject', keylessSig('https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main', GHA), false],
      ['issuer differs', keylessSig('https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1', 'https://gitlab.com'), false],
      ['regexp issuer, exact subject', keylessSig('release@acme.example', 'https://accounts.google.com'), true],
      ['anchored regexp issuer rejects a longer issuer', keylessSig('release@acme.example', 'https://accounts.google.com.evil'), false],
      ['a key signature is not a keyless one', keySig(KEY_A.id), false],
    ];
    for (const [name, sig, ok] of cases) {
      test(name, () => assert.equal(decide([kl], ['a/b:1'], [facts('a/b:1', { signatures: [sig] })]).allowed, ok));
    }
    test('trustRootRef: the certificate must chain to that trust root', () => {
      const tr = policy('tr', '  images: ["**"]', '  authorities: [{keyless: {trustRootRef: corp, identities: [{issuerRegExp: ".*", subjectRegExp: ".*"}]}}]');
      assert.equal(decide([tr], ['a/b:1'], [facts('a/b:1', { signatures: [keylessSig('s', 'i', { trustRoot: 'corp' })] })]).allowed, true);
      assert.equal(decide([tr], ['a/b:1'], [facts('a/b:1', { signatures: [keylessSig('s', 'i', { trustRoot: 'public-good' })] })]).allowed, false);
    });
  });

  test('notation: trust anchor and trusted identity (all attributes of the identity in the subject)', () => {
    const n = policy('nt', '  images: ["**"]', '  authorities:', '    - notation:', '        trustStores: ["ca:acme"]', '        trustedIdentities: ["x509.subject: O=Notary, CN=Notation Test Root"]');
    const sig = (keyId: string, subject: string): SignatureFact => ({ kind: 'notation', keyId, subject, verifiedAt: NOW.toISOString() });
    const ok = (s: SignatureFact) => decide([n], ['a/b:1'], [facts('a/b:1', { signatures: [s] })]).allowed;
    assert.equal(ok(sig('notation:ca:acme', 'CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US')), true);
    assert.equal(ok(sig('notation:ca:acme', 'CN=Other,O=Notary,L=Seattle,ST=WA,C=US')), false);
    assert.equal(ok(sig('notation:ca:other', 'CN=Notation Test Root,O=Notary')), false);
    assert.equal(ok({ ...sig('notation:ca:acme', 'CN=Notation Test Root,O=Notary'), kind: 'cosign' }), false);
  });

  test('annotations must be present with the given values', () => {
    const an = policy('an', '  images: ["**"]', '  authorities:', ...keyYaml('a', KEY_A, ['annotations: {env: prod}']));
    assert.equal(decide([an], ['a/b:1'], [facts('a/b:1', { signatures: [keySig(KEY_A.id, { annotations: { env: 'prod', x: 'y' } })] })]).allowed, true);
    const d = decide([an], ['a/b:1'], [facts('a/b:1', { signatures: [keySig(KEY_A.id, { annotations: { env: 'dev' } })] })]);
    assert.equal(d.allowed, false);
    assert.match(resultOf(d, 'signatures')!.message, /lacks annotation env=prod/);
  });

  describe('count: distinct authorities, each by a different signature', () => {
    const three = policy('c2', '  images: ["**"]', '  authorities:', ...keyYaml('a', KEY_A), ...keyYaml('b', KEY_B), ...keyYaml('c', KEY_C), '  count: 2');
    const cases: [string, SignatureFact[], boolean][] = [
      ['two of three', [keySig(KEY_A.id), keySig(KEY_C.id)], true],
      ['one of three', [keySig(KEY_B.id)], false],
      ['the same key twice is still one authority', [keySig(KEY_A.id), keySig(KEY_A.id, { location: 'referrer' })], false],
      ['three of three', [keySig(KEY_A.id), keySig(KEY_B.id), keySig(KEY_C.id)], true],
    ];
    for (const [name, sigs, ok] of cases) {
      test(name, () => {
        const d = decide([three], ['a/b:1'], [facts('a/b:1', { signatures: sigs })]);
        assert.equal(d.allowed, ok);
        if (!ok) assert.match(resultOf(d, 'signatures')!.message, /^no valid signatures by 2 of a \(key/);
      });
    }
    const overlap = policy(
      'ov',
      '  images: ["**"]',
      '  authorities:',
      '    - {name: any-acme, keyless: {identities: [{issuer: https://idp, subjectRegExp: "@acme\\\\.example$"}]}}',
      '    - {name: release, keyless: {identities: [{issuer: https://idp, subject: release@acme.example}]}}',
      '  count: 2',
    );
    test('one signature two overlapping identities accept counts once', () => {
      assert.equal(decide([overlap], ['a/b:1'], [facts('a/b:1', { signatures: [keylessSig('release@acme.example', 'https://idp')] })]).allowed, false);
    });
    test('two signatures, assigned so that both authorities are satisfied', () => {
      // The first signature fits both authorities, the second only the first: a greedy assignment of the first
      // signature to any-acme would strand release; the matching must find release←sig0, any-acme←sig1.
      const sigs = [keylessSig('release@acme.example', 'https://idp'), keylessSig('ci@acme.example', 'https://idp')];
      assert.equal(decide([overlap], ['a/b:1'], [facts('a/b:1', { signatures: sigs })]).allowed, true);
    });
    test('static authorities: pass counts without a signature, fail never', () => {
      const sp = policy('sp', '  images: ["**"]', '  authorities: [{static: {action: pass}}]');
      const sf = policy('sf', '  images: ["**"]', '  authorities: [{static: {action: fail}}]');
      assert.equal(decide([sp], ['a/b:1'], [facts('a/b:1')]).allowed, true);
      const d = decide([sf], ['a/b:1'], [facts('a/b:1')]);
      assert.equal(d.allowed, false);
      assert.equal(resultOf(d, 'signatures')?.message, 'authority authority-0 is static: fail');
    });
  });

  test('signedManifest: the index or a platform manifest of a multi-platform image', () => {
    const idx = policy('idx', '  images: ["**"]', '  signedManifest: index', '  authorities:', ...keyYaml('a', KEY_A));
    const plat = policy('plat', '  images: ["**"]', '  signedManifest: platform', '  authorities:', ...keyYaml('a', KEY_A));
    const f = (digest: string) => facts('a/b:1', { resolvedDigest: DIGEST, platformDigests: { 'linux/amd64': DIGEST2 }, signatures: [keySig(KEY_A.id, { digest })] });
    assert.equal(decide([idx], ['a/b:1'], [f(DIGEST)]).allowed, true);
    assert.equal(decide([idx], ['a/b:1'], [f(DIGEST2)]).allowed, false);
    assert.equal(decide([plat], ['a/b:1'], [f(DIGEST2)]).allowed, true);
    assert.equal(decide([plat], ['a/b:1'], [f(DIGEST)]).allowed, false);
  });
});

describe('attestations', () => {
  const vulnPredicate = JSON.parse(readFileSync(shared('interop', 'attestations', 'predicates', 'cosign-vuln-predicate.json'), 'utf8')) as unknown;
  const slsa = JSON.parse(readFileSync(shared('interop', 'attestations', 'predicates', 'statement-slsa-provenance-v0.2.json'), 'utf8')) as { predicate: unknown; subject: unknown };
  const att = (predicateType: string, predicate: unknown, extra: Partial<AttestationFact> = {}): AttestationFact => ({ predicateType, predicate, keyId: KEY_A.id, verifiedAt: NOW.toISOString(), ...extra });
  const base = ['  images: ["**"]', '  authorities:', ...keyYaml('a', KEY_A, ['attestationsOnly: true']), ...keyYaml('b', KEY_B, ['attestationsOnly: true'])];
  const run = (p: ImagePolicy, a: AttestationFact[]) => decide([p], ['a/b:1'], [facts('a/b:1', { attestations: a })]);

  test('SLSA provenance: conditions on the real predicate (equals, whole-value regexp, in over a wildcard)', () => {
    const p = policy(
      'slsa',
      ...base,
      '  attestations:',
      '    - name: prov',
      '      predicateType: slsaprovenance02',
      '      policy:',
      '        conditions:',
      '          - {path: $.predicate.builder.id, equals: "https://github.com/actions/runner"}',
      '          - {path: $.predicate.buildType, matches: "https://github\\\\.com/npm/cli/gha/v[0-9]+"}',
      '          - {path: "$.predicate.materials[*].uri", in: ["git+https://github.com/sigstore/sigstore-js@refs/heads/main"]}',
      "          - {path: \"$.subject[0].name\", equals: \"pkg:npm/sigstore@1.3.0\"}",
      '          - {path: $.predicate.invocation.configSource.entryPoint, exists: true}',
    );
    const good = att('https://slsa.dev/provenance/v0.2', slsa.predicate, { statementSubject: slsa.subject });
    const d = run(p, [good]);
    assert.equal(resultOf(d, 'attestations/prov')?.result, 'pass', JSON.stringify(d.results));
    assert.equal(resultOf(d, 'attestations/prov')?.message, 'signed by a, 5 condition(s) hold');
    // The regexp must match the whole value: a prefix is not enough.
    const prefix = policy('slsa2', ...base, '  attestations: [{name: prov, predicateType: "https://slsa.dev/provenance/v0.2", policy: {conditions: [{path: $.predicate.buildType, matches: "https://github\\\\.com/npm"}]}}]');
    assert.match(resultOf(run(prefix, [good]), 'attestations/prov')!.message, /\$\.predicate\.buildType is "https:\/\/github\.com\/npm\/cli\/gha\/v2", which does not match/);
  });

  test('a condition that fails, a missing path, and a wildcard where one value differs', () => {
    const p = (cond: string) => policy('c', ...base, '  attestations: [{name: v, predicateType: vuln, policy: {conditions: [' + cond + ']}}]');
    const v = att('https://cosign.sigstore.dev/attestation/vuln/v1', vulnPredicate);
    assert.match(resultOf(run(p('{path: $.predicate.scanner.uri, equals: "other"}'), [v]), 'attestations/v')!.message, /\$\.predicate\.scanner\.uri is "fakescanner\.example\.com\/cosign-testing", not "other"/);
    assert.match(resultOf(run(p('{path: $.predicate.nope, equals: 1}'), [v]), 'attestations/v')!.message, /\$\.predicate\.nope is missing/);
    assert.equal(resultOf(run(p('{path: $.predicate.nope, exists: false}'), [v]), 'attestations/v')?.result, 'pass');
    assert.match(resultOf(run(p('{path: "$.predicate.metadata.*", in: ["2022-04-12T00:00:00Z"]}'), [v]), 'attestations/v')!.message, /is "2022-04-12T00:10:00Z", not one of/);
  });

  test('the signer must be one of the attestation authorities', () => {
    const p = policy('s', ...base, '  attestations: [{name: v, predicateType: vuln, authorities: [b]}]');
    const d = run(p, [att('https://cosign.sigstore.dev/attestation/vuln/v1', vulnPredicate)]);
    assert.equal(resultOf(d, 'attestations/v')?.message, '1 https://cosign.sigstore.dev/attestation/vuln/v1 attestation(s), none signed by b');
    assert.equal(resultOf(run(p, [att('https://cosign.sigstore.dev/attestation/vuln/v1', vulnPredicate, { keyId: KEY_B.id })]), 'attestations/v')?.result, 'pass');
  });

  test('no attestation of the type', () => {
    const p = policy('n', ...base, '  attestations: [{name: sbom, predicateType: cyclonedx}]');
    assert.equal(resultOf(run(p, [att('https://slsa.dev/provenance/v0.2', slsa.predicate)]), 'attestations/sbom')?.message, 'no verified https://cyclonedx.org/bom attestation');
  });

  test('maxAge from the predicate time (scanFinishedOn 2022-04-12T00:10:00Z), else the signing time', () => {
    const p = (age: string) => policy('age', ...base, `  attestations: [{name: v, predicateType: vuln, policy: {maxAge: ${age}}}]`);
    const v = att('https://cosign.sigstore.dev/attestation/vuln/v1', vulnPredicate);
    // From 2022-04-12T00:10Z to 2025-03-01T00:00Z: 1053 days and 23h50m.
    assert.match(resultOf(run(p('7d'), [v]), 'attestations/v')!.message, /it is 1053d23h old by \$\.predicate\.metadata\.scanFinishedOn \(2022-04-12T00:10:00\.000Z\), more than maxAge 7d/);
    assert.equal(resultOf(run(p('1054d'), [v]), 'attestations/v')?.result, 'pass');
    const custom = att('https://cosign.sigstore.dev/attestation/vuln/v1', { no: 'time' }, { signedAt: '2025-02-27T00:00:00Z' });
    assert.equal(resultOf(run(p('3d'), [custom]), 'attestations/v')?.result, 'pass');
    assert.match(resultOf(run(p('1d'), [custom]), 'attestations/v')!.message, /by its signing time/);
    const none = att('https://cosign.sigstore.dev/attestation/vuln/v1', { no: 'time' });
    assert.match(resultOf(run(p('1d'), [none]), 'attestations/v')!.message, /its age is unknown/);
  });

  test('a Notation-signed referrer is matched by artifactType', () => {
    const p = policy('ref', '  images: ["**"]', '  authorities: [{name: n, notation: {trustStores: ["ca:acme"]}, attestationsOnly: true}]', '  attestations: [{name: sbom, artifactType: sbom/cyclone-dx, policy: {conditions: [{path: $.predicate.bomFormat, equals: CycloneDX}]}}]');
    const ok = run(p, [{ artifactType: 'sbom/cyclone-dx', predicate: { bomFormat: 'CycloneDX' }, keyId: 'notation:ca:acme', subject: 'CN=x', verifiedAt: NOW.toISOString() }]);
    assert.equal(resultOf(ok, 'attestations/sbom')?.result, 'pass');
    const wrong = run(p, [{ predicateType: 'sbom/cyclone-dx', predicate: { bomFormat: 'CycloneDX' }, keyId: 'notation:ca:acme', verifiedAt: NOW.toISOString() }]);
    assert.equal(resultOf(wrong, 'attestations/sbom')?.result, 'fail');
  });
});

function finding(id: string, severity: Severity, o: { fixed?: string; kev?: boolean; cvss?: number; suppressed?: boolean; aliases?: string[] } = {}): Finding {
  return {
    id,
    aliases: o.aliases ?? [],
    package: { purl: 'pkg:deb/debian/openssl@3.0.11', type: 'deb', name: 'openssl', version: '3.0.11', paths: ['var/lib/dpkg/status'] },
    severity,
    ...(o.cvss !== undefined ? { cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N', score: o.cvss, source: 'nvd' }, { version: '2.0', vector: 'AV:N', score: 10, source: 'nvd' }] } : {}),
    status: o.fixed ? 'fixed' : 'unfixed',
    fixedVersions: o.fixed ? [o.fixed] : [],
    ...(o.kev ? { kev: { dateAdded: '2024-01-01' } } : {}),
    ...(o.suppressed ? { suppressed: { by: 'vex' as const } } : {}),
    match: { matcher: 'dpkg', advisory: id, feed: 'debian', ecosystem: 'debian' as Finding['match']['ecosystem'], searchedBy: 'openssl', constraint: '< 3.0.13' },
  };
}

function report(findings: Finding[], complete = true): ScanReport {
  const summary = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, NEGLIGIBLE: 0, UNKNOWN: 0, total: findings.length, suppressed: 0 };
  return {
    schemaVersion: 1,
    tool: { name: 'tollgate', version: 'test' },
    createdAt: NOW.toISOString(),
    artifact: { input: 'a/b:1', kind: 'image' },
    db: { builtAt: NOW.toISOString(), ageHours: 1, stale: false, sources: [] },
    targets: [{ name: 'debian 12', class: 'os-pkgs', type: 'debian', packages: 100, findings }],
    summary,
    complete,
    warnings: complete ? [] : ['layer 2 could not be read'],
  };
}

describe('vulnerabilities', () => {
  const run = (spec: string, findings: Finding[], extra: string[] = [], f: Partial<ImageFacts> = {}) => {
    const p = policy('v', '  images: ["**"]', `  vulnerabilities: ${spec}`, ...extra);
    return decide([p], ['a/b:1'], [facts('a/b:1', { vulnerabilities: { source: 'scan', report: report(findings) }, ...f })]);
  };
  const table: [string, string, Finding[], 'pass' | 'fail'][] = [
    ['maxSeverity HIGH denies a CRITICAL', '{maxSeverity: HIGH}', [finding('CVE-1', 'CRITICAL')], 'fail'],
    ['maxSeverity HIGH admits a HIGH', '{maxSeverity: HIGH}', [finding('CVE-1', 'HIGH')], 'pass'],
    ['maxSeverity LOW admits UNKNOWN', '{maxSeverity: LOW}', [finding('CVE-1', 'UNKNOWN')], 'pass'],
    ['denyFixable CRITICAL: a fixed CRITICAL denies', '{denyFixable: [CRITICAL]}', [finding('CVE-1', 'CRITICAL', { fixed: '3.0.13' })], 'fail'],
    ['denyFixable CRITICAL: an unfixed CRITICAL passes', '{denyFixable: [CRITICAL]}', [finding('CVE-1', 'CRITICAL')], 'pass'],
    ['denyFixable CRITICAL: a fixed HIGH passes', '{denyFixable: [CRITICAL]}', [finding('CVE-1', 'HIGH', { fixed: '1' })], 'pass'],
    ['denyKev', '{denyKev: true}', [finding('CVE-1', 'MEDIUM', { kev: true })], 'fail'],
    ['denyKev, not in KEV', '{denyKev: true}', [finding('CVE-1', 'CRITICAL')], 'pass'],
    ['maxCvss 7: a 3.1 score of 7.5 denies', '{maxCvss: 7}', [finding('CVE-1', 'HIGH', { cvss: 7.5 })], 'fail'],
    ['maxCvss 8: v3.1 7.5 is preferred over v2 10', '{maxCvss: 8}', [finding('CVE-1', 'HIGH', { cvss: 7.5 })], 'pass'],
    ['suppressed (VEX) findings do not count', '{maxSeverity: LOW}', [finding('CVE-1', 'CRITICAL', { suppressed: true })], 'pass'],
  ];
  for (const [name, spec, findings, want] of table) {
    test(name, () => assert.equal(resultOf(run(spec, findings), 'vulnerabilities')?.result, want));
  }

  test('the message lists the failing findings', () => {
    const d = run('{denyFixable: [CRITICAL], denyKev: true}', [finding('CVE-2024-1', 'CRITICAL', { fixed: '3.0.13', kev: true }), finding('CVE-2024-2', 'LOW')]);
    assert.equal(resultOf(d, 'vulnerabilities')?.message, '1 finding(s) fail the gate: CVE-2024-1 in openssl 3.0.11 (CRITICAL fixed in 3.0.13, in CISA KEV)');
  });

  test('an incomplete scan is never clean', () => {
    const p = policy('v', '  images: ["**"]', '  vulnerabilities: {maxSeverity: CRITICAL}');
    const d = decide([p], ['a/b:1'], [facts('a/b:1', { vulnerabilities: { source: 'scan', report: report([], false) } })]);
    assert.equal(resultOf(d, 'vulnerabilities')?.message, 'the scan is incomplete (layer 2 could not be read): an incomplete scan is never clean');
  });

  test('source: sbom-attestation needs the SBOM signed by an authority; a live scan also satisfies it; scan needs a scan', () => {
    const p = policy('sb', '  images: ["**"]', '  authorities:', ...keyYaml('sbom-signer', KEY_A, ['attestationsOnly: true']), '  vulnerabilities: {maxSeverity: HIGH, source: sbom-attestation}');
    const signer = { keyId: KEY_A.id, verifiedAt: NOW.toISOString() };
    const v = (source: 'scan' | 'sbom-attestation', s?: typeof signer) => ({ vulnerabilities: { source, report: report([]), ...(s ? { signer: s } : {}) } });
    assert.equal(resultOf(decide([p], ['a/b:1'], [facts('a/b:1', v('sbom-attestation', signer))]), 'vulnerabilities')?.result, 'pass');
    assert.equal(resultOf(decide([p], ['a/b:1'], [facts('a/b:1', v('sbom-attestation', { ...signer, keyId: KEY_C.id }))]), 'vulnerabilities')?.result, 'fail');
    assert.equal(resultOf(decide([p], ['a/b:1'], [facts('a/b:1', v('scan'))]), 'vulnerabilities')?.result, 'pass');
    const q = policy('sc', '  images: ["**"]', '  vulnerabilities: {maxSeverity: HIGH}');
    assert.equal(resultOf(decide([q], ['a/b:1'], [facts('a/b:1', v('sbom-attestation', signer))]), 'vulnerabilities')?.result, 'fail');
  });

  test('an exception for vulnerability ids waives those findings until it expires', () => {
    const exc = (expires: string) => [
      '  exceptions:',
      `    - {images: ["a/b*"], vulnerabilities: [CVE-2024-3094], owner: sec, reason: not reachable, expires: ${expires}}`,
    ];
    const findings = [finding('CVE-2024-3094', 'CRITICAL', { fixed: '5.6.1' })];
    const active = run('{denyFixable: [CRITICAL]}', findings, exc('2025-06-30'));
    assert.equal(active.allowed, true);
    assert.equal(resultOf(active, 'vulnerabilities')?.result, 'exception');
    assert.equal(resultOf(active, 'vulnerabilities')?.message, 'waived: CVE-2024-3094 (by sec until 2025-06-30: not reachable)');
    // By alias too: the finding's preferred id may be another one.
    const alias = run('{denyFixable: [CRITICAL]}', [finding('GHSA-xxxx', 'CRITICAL', { fixed: '5.6.1', aliases: ['CVE-2024-3094'] })], exc('2025-06-30'));
    assert.equal(alias.allowed, true);
    const expired = run('{denyFixable: [CRITICAL]}', findings, exc('2025-02-01'));
    assert.equal(expired.allowed, false);
    assert.match(resultOf(expired, 'vulnerabilities')!.message, /CVE-2024-3094 in openssl 3\.0\.11 \(CRITICAL fixed in 5\.6\.1; exception expired 2025-02-01\)/);
    assert.deepEqual(expired.warnings, ['a/b:1: exception for CVE-2024-3094 in policy v (owner sec) expired on 2025-02-01']);
  });
});

describe('exceptions', () => {
  const spec = (expires: string, rules = '') => [
    '  images: ["**"]',
    '  authorities:',
    ...keyYaml('a', KEY_A),
    '  references: {forbidLatest: true}',
    '  exceptions:',
    `    - {images: ["ghcr.io/acme/legacy*"], ${rules}owner: team-a, reason: migrating, expires: ${expires}}`,
  ];
  test('an active exception turns failures into "exception" and admits', () => {
    const d = decide([policy('x', ...spec('2025-04-01'))], ['ghcr.io/acme/legacy-app'], [facts('ghcr.io/acme/legacy-app')]);
    assert.equal(d.allowed, true);
    assert.deepEqual(d.results.map((r) => [r.rule, r.result]), [['signatures', 'exception'], ['references/forbidLatest', 'exception']]);
    assert.match(resultOf(d, 'signatures')!.message, /; waived by exception \(owner team-a, until 2025-04-01\): migrating$/);
  });
  test('an expired exception does not apply, and is reported', () => {
    const d = decide([policy('x', ...spec('2025-03-01'))], ['ghcr.io/acme/legacy-app'], [facts('ghcr.io/acme/legacy-app')]);
    assert.equal(d.allowed, false);
    assert.match(resultOf(d, 'references/forbidLatest')!.message, /; the exception by team-a expired on 2025-03-01$/);
    assert.deepEqual(d.warnings, [
      'ghcr.io/acme/legacy-app: exception for signatures in policy x (owner team-a) expired on 2025-03-01',
      'ghcr.io/acme/legacy-app: exception for references/forbidLatest in policy x (owner team-a) expired on 2025-03-01',
    ]);
  });
  test('an exception covers only its rules and its images', () => {
    const d = decide([policy('x', ...spec('2025-04-01', 'rules: [references], '))], ['ghcr.io/acme/legacy-app', 'ghcr.io/acme/new'], [facts('ghcr.io/acme/legacy-app'), facts('ghcr.io/acme/new')]);
    assert.equal(resultOf(d, 'references/forbidLatest', 'ghcr.io/acme/legacy-app')?.result, 'exception');
    assert.equal(resultOf(d, 'signatures', 'ghcr.io/acme/legacy-app')?.result, 'fail');
    assert.equal(resultOf(d, 'references/forbidLatest', 'ghcr.io/acme/new')?.result, 'fail');
  });
});

describe('facts that could not be gathered: failurePolicy', () => {
  const spec = ['  images: ["**"]', '  authorities:', ...keyYaml('a', KEY_A)];
  const down = facts('a/b:1', { errors: [{ stage: 'resolve', code: 'NETWORK', message: 'registry a unreachable' }] });
  test('Fail (default) fails closed', () => {
    const d = decide([policy('f', ...spec)], ['a/b:1'], [down]);
    assert.equal(d.allowed, false);
    assert.equal(resultOf(d, 'signatures')?.message, 'could not be checked: registry a unreachable');
  });
  test('Ignore fails open, with a note', () => {
    const d = decide([policy('i', ...spec, '  failurePolicy: Ignore')], ['a/b:1'], [down]);
    assert.equal(d.allowed, true);
    assert.equal(resultOf(d, 'signatures')?.result, 'skip');
  });
  test('offline: never subject to failurePolicy', () => {
    const off = facts('a/b:1', { errors: [{ stage: 'signature', code: 'OFFLINE', message: 'not verified (offline)' }] });
    const d = decide([policy('o', ...spec, '  failurePolicy: Ignore')], ['a/b:1'], [off]);
    assert.equal(d.allowed, false);
    assert.equal(resultOf(d, 'signatures')?.message, 'not verified (offline)');
  });
  test('a configuration error (a trust root the verifier does not have): never subject to failurePolicy', () => {
    const misconfigured = facts('a/b:1', { errors: [{ stage: 'signature', code: 'TRUST_ROOT_UNKNOWN', message: 'no trusted root named "corp"' }] });
    const d = decide([policy('c', ...spec, '  failurePolicy: Ignore')], ['a/b:1'], [misconfigured]);
    assert.equal(d.allowed, false);
    assert.match(resultOf(d, 'signatures')!.message, /no trusted root named "corp".*configuration error/);
  });
  test('no facts at all for an image that needs them', () => {
    assert.equal(resultOf(decide([policy('m', ...spec)], ['a/b:1'], []), 'signatures')?.message, 'could not be checked: no facts were gathered for this image');
  });
  test('an error does not matter when the rule passes anyway', () => {
    const partial = facts('a/b:1', { signatures: [keySig(KEY_A.id)], errors: [{ stage: 'signature', code: 'TIMEOUT', message: 'referrers timed out' }] });
    assert.equal(decide([policy('p', ...spec)], ['a/b:1'], [partial]).allowed, true);
  });
});

describe('unmatched images', () => {
  const p = policy('only-acme', '  images: ["ghcr.io/acme/**"]', '  references: {requireDigest: true}');
  test('admitted by default', () => {
    const d = decide([p], ['quay.io/x/y:1']);
    assert.equal(d.allowed, true);
    assert.deepEqual(d.results.map((r) => [r.policy, r.rule, r.result]), [['', 'unmatched', 'skip']]);
  });
  test('denied with unmatched: deny', () => {
    const d = decide([p], ['quay.io/x/y:1'], [], {}, { unmatched: 'deny' });
    assert.equal(d.allowed, false);
    assert.equal(d.message, 'image quay.io/x/y:1 (container app): unmatched: no policy matches this image (unmatched images are denied)');
  });
});

describe('digest pinning', () => {
  const p = policy('pin', '  images: ["**"]', '  authorities:', ...keyYaml('a', KEY_A));
  test('an admitted image is pinned to its resolved digest', () => {
    const d = decide([p], ['ghcr.io/a/b:1'], [facts('ghcr.io/a/b:1', { signatures: [keySig(KEY_A.id)] })]);
    assert.equal(d.images[0]!.pinnedRef, `ghcr.io/a/b:1@${DIGEST}`);
    assert.equal(d.images[0]!.digest, DIGEST);
  });
  test('not when denied, not when a policy says mutateDigest: false, not when already pinned', () => {
    assert.equal(decide([p], ['ghcr.io/a/b:1'], [facts('ghcr.io/a/b:1')]).images[0]!.pinnedRef, undefined);
    const off = policy('nomut', '  images: ["**"]', '  mutateDigest: false', '  references: {forbidLatest: true}');
    assert.equal(decide([p, off], ['ghcr.io/a/b:1'], [facts('ghcr.io/a/b:1', { signatures: [keySig(KEY_A.id)] })]).images[0]!.pinnedRef, undefined);
    const pinned = `ghcr.io/a/b:1@${DIGEST2}`;
    const d = decide([p], [pinned], [facts(pinned, { signatures: [keySig(KEY_A.id)] })]);
    assert.equal(d.images[0]!.pinnedRef, undefined);
    assert.equal(d.images[0]!.digest, DIGEST2);
  });
});

describe('requiredFacts: only the work the matching policies need', () => {
  const refs = policy('refs', '  images: ["**"]', '  mutateDigest: false', '  references: {forbidLatest: true}');
  const sig = policy('sig', '  images: ["ghcr.io/acme/**"]', '  namespaces: [prod]', '  authorities:', ...keyYaml('a', KEY_A), ...keyYaml('att', KEY_B, ['attestationsOnly: true']), '  attestations: [{name: p, predicateType: slsaprovenance1, authorities: [att]}]');
  const vuln = policy('vuln', '  images: ["ghcr.io/acme/app*"]', '  authorities:', ...keyYaml('sbom', KEY_C, ['attestationsOnly: true']), '  vulnerabilities: {denyKev: true, source: sbom-attestation}');
  test('reference rules need nothing from the registry', () => {
    const [r] = requiredFacts([refs], ['nginx:1']);
    assert.deepEqual(r, { ref: 'nginx:1', resolveDigest: false, platformDigests: false, signatures: [], attestations: [], policies: ['refs'] });
  });
  test('signatures, attestations and the SBOM, each with its verifiers; one request per reference', () => {
    const reqs = requiredFacts([refs, sig, vuln], ['ghcr.io/acme/app:1', 'ghcr.io/acme/app:1', 'ghcr.io/acme/other:2'], { name: 'prod' });
    assert.equal(reqs.length, 2);
    const app = reqs.find((r) => r.ref === 'ghcr.io/acme/app:1')!;
    assert.equal(app.resolveDigest, true);
    assert.deepEqual(app.policies, ['refs', 'sig', 'vuln']);
    assert.deepEqual(app.signatures.map((s) => s.id), [`key:${KEY_A.id}`]);
    assert.deepEqual(app.attestations.map((a) => ['predicateType' in a ? a.predicateType : a.artifactType, a.verifiers.map((v) => v.id)]), [['https://slsa.dev/provenance/v1', [`key:${KEY_B.id}`]]]);
    assert.deepEqual(app.vulnerabilities && { source: app.vulnerabilities.source, verifiers: app.vulnerabilities.verifiers.map((v) => v.id) }, { source: 'sbom-attestation', verifiers: [`key:${KEY_C.id}`] });
    const other = reqs.find((r) => r.ref === 'ghcr.io/acme/other:2')!;
    assert.equal(other.vulnerabilities, undefined);
  });
  test('a namespace the policy does not apply to asks for nothing it needs', () => {
    const [r] = requiredFacts([refs, sig], ['ghcr.io/acme/app:1'], { name: 'dev' });
    assert.deepEqual(r!.signatures, []);
    assert.deepEqual(r!.policies, ['refs']);
  });
  test('a scan wins over the SBOM attestation when some policy wants one', () => {
    const scan = policy('scan', '  images: ["**"]', '  vulnerabilities: {maxSeverity: HIGH}');
    assert.equal(requiredFacts([vuln, scan], ['ghcr.io/acme/app:1'])[0]!.vulnerabilities?.source, 'scan');
  });
});
