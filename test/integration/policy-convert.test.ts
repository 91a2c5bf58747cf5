/**
 * `tollgate policy convert` on every Kyverno and policy-controller sample of ../shared/data/interop/policies: the
 * translated fields and the list of what was not translated (or was rejected), per sample. The expectations were
 * written by reading each sample (and Kyverno's / policy-controller's semantics cited in src/policy/convert);
 * PEM material is compared with the sample's own text, and one key with `openssl` against the real key file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { runPolicyConvert } from '../../src/cli/commands/policy.js';
import { convertPolicyTexts, parsePolicies, publicKeyId, type ConversionResult } from '../../src/policy/index.js';
import { shared } from '../support/paths.js';
import { captureOutput } from './policy-support.js';

const ROOT = shared('interop', 'policies');

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? listFiles(path.join(dir, n)) : [path.join(dir, n)]))
    .sort();
}
const SAMPLES = listFiles(ROOT).map((f) => path.relative(ROOT, f));

function convert(rel: string): ConversionResult {
  return convertPolicyTexts([{ file: rel, text: readFileSync(path.join(ROOT, rel), 'utf8') }]);
}

/** A value of the sample at a path (document index, then keys). */
function sampleValue(rel: string, doc: number, ...keys: (string | number)[]): string {
  const d = parseAllDocuments(readFileSync(path.join(ROOT, rel), 'utf8')) as unknown as { toJS(): unknown }[];
  let v = d[doc]!.toJS();
  for (const k of keys) v = (v as Record<string | number, unknown>)[k];
  assert.equal(typeof v, 'string', `${rel} ${keys.join('.')}`);
  return (v as string).trim();
}
const pemOf = (s: unknown) => String(s).trim();

interface Expectation {
  /** Policy names written, and a check of each one's spec. */
  policies: [string, (spec: Record<string, unknown>) => void][];
  untranslated?: string[];
  invalid?: [string, RegExp][];
  skipped?: number;
}

const K = (spec: Record<string, unknown>) => spec.authorities as Record<string, unknown>[];
const GHA = 'https://token.actions.githubusercontent.com';
const NOTARY_CERT = (rel: string) => sampleValue(rel, 1, 'data', 'certificate');

const EXPECT: Record<string, Expectation> = {
  'kyverno/ImageValidatingPolicy/block-ephemeral-containers.yaml': {
    // Its only check is a CEL expression on the pod spec; the attestor is unused.
    policies: [],
    untranslated: ['spec', 'spec.validations[0]'],
  },
  'kyverno/ImageValidatingPolicy/cosign-attestation-extract-cache-hit.yaml': {
    policies: [
      [
        'ivpol-cosign-attestation-extract-cache',
        (s) => {
          assert.deepEqual(s.images, [{ glob: 'ghcr.io/kyverno/test-images/cosign:**' }]);
          assert.equal(s.mode, 'enforce');
          assert.equal(s.failurePolicy, 'Fail');
          assert.equal(s.mutateDigest, false);
          assert.deepEqual(K(s), [{ name: 'cosign', keyless: { identities: [{ issuer: GHA, subject: 'https://github.com/kyverno/test-images/.github/workflows/cosign.yml@refs/heads/main' }] }, attestationsOnly: true }]);
          assert.deepEqual(s.attestations, [{ name: 'slsa', predicateType: 'https://slsa.dev/provenance/v1', authorities: ['cosign'] }]);
        },
      ],
    ],
    untranslated: ['spec.validations[1]'],
  },
  'kyverno/ImageValidatingPolicy/match-conditions.yaml': {
    policies: [
      [
        'ivpol-sample',
        (s) => {
          assert.deepEqual(s.images, [{ glob: 'ghcr.io/**' }]);
          assert.equal(s.failurePolicy, 'Ignore');
          const [a] = K(s);
          assert.equal(a!.name, 'notary');
          assert.equal(pemOf((a!.notation as Record<string, unknown>).certs), sampleValue('kyverno/ImageValidatingPolicy/match-conditions.yaml', 0, 'spec', 'attestors', 0, 'notary', 'certs', 'value'));
          assert.equal(a!.attestationsOnly, undefined); // also signs the image
          assert.deepEqual(s.attestations, [{ name: 'sbom', artifactType: 'sbom/cyclone-dx', authorities: ['notary'] }]);
        },
      ],
    ],
    untranslated: ['spec.matchConditions', 'spec.validations[2]'],
  },
  'kyverno/ImageValidatingPolicy/mutate-digest.yaml': {
    policies: [['ivpol-mutate-digest', (s) => assert.deepEqual(s, { images: [{ glob: 'ghcr.io/**' }], mode: 'enforce', failurePolicy: 'Fail', mutateDigest: true })]],
  },
  'kyverno/ImageValidatingPolicy/notary-basic.yaml': {
    policies: [['ivpol-sample', (s) => assert.deepEqual(s.attestations, [{ name: 'sbom', artifactType: 'sbom/cyclone-dx', authorities: ['notary'] }])]],
    untranslated: ['spec.matchConditions', 'spec.validations[2]'],
  },
  'kyverno/verifyImages/keyed-basic.yaml': {
    policies: [
      [
        'keyed-basic-policy-keyed-basic-rule',
        (s) => {
          assert.deepEqual(s.images, [{ glob: 'ghcr.io/kyverno/test-verify-image:**' }]);
          assert.equal(s.mode, 'enforce');
          assert.equal(s.failurePolicy, 'Fail');
          assert.equal(s.mutateDigest, true);
          assert.equal(s.references, undefined); // verifyDigest is satisfied by the mutation
          assert.equal(K(s).length, 1);
          assert.equal(pemOf((K(s)[0]!.key as Record<string, unknown>).data), sampleValue('kyverno/verifyImages/keyed-basic.yaml', 0, 'spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries', 0, 'keys', 'publicKeys'));
        },
      ],
    ],
  },
  'kyverno/verifyImages/keyed-oci11.yaml': {
    policies: [['keyed-basic-policy-keyed-basic-rule', (s) => assert.equal(pemOf((K(s)[0]!.key as Record<string, unknown>).data), sampleValue('kyverno/verifyImages/keyed-oci11.yaml', 0, 'spec', 'rules', 0, 'verifyImages', 0, 'attestors', 0, 'entries', 0, 'keys', 'publicKeys'))]],
  },
  'kyverno/verifyImages/keyed-tsa.yaml': {
    policies: [['keyed-tsa-policy-keyed-tsa-rule', (s) => assert.equal(K(s).length, 1)]],
    untranslated: ['spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.ctlog.tsaCertChain'],
  },
  'kyverno/verifyImages/keyless-attestation-regexp.yaml': {
    policies: [
      [
        'check-invalid-attestors-in-attestations-check-invalid-attestation-attestor',
        (s) => {
          assert.deepEqual(s.images, [{ glob: 'ghcr.io/kyverno/zulu**' }]);
          assert.deepEqual(K(s), [
            {
              name: 'attestation-0-signer',
              keyless: { identities: [{ issuerRegExp: 'https://token\\.actions\\.githubusercontent.+', subjectRegExp: 'https://github\\.com/slsa-framework/slsa-github-generator/\\.github/workflows/generator_container_slsa3\\.yml@.+' }] },
              attestationsOnly: true,
            },
          ]);
          assert.deepEqual(s.attestations, [{ name: 'attestation-0', predicateType: 'https://slsa.dev/provenance/v0.2', authorities: ['attestation-0-signer'] }]);
        },
      ],
    ],
  },
  'kyverno/verifyImages/keyless-mutatedigest-verifydigest-required.yaml': {
    policies: [
      [
        'keyless-mutatedigest-verifydigest-required-check-builder-id-keyless',
        (s) => {
          assert.deepEqual(s.images, [{ glob: 'ghcr.io/kyverno/zulu:**' }]);
          assert.equal(s.mutateDigest, true);
          // Kyverno's subject wildcard "…@refs/tags/v*" as an anchored regexp.
          assert.deepEqual(K(s)[0]!.keyless, { identities: [{ issuer: GHA, subjectRegExp: '^https://github\\.com/chipzoller/zulu/\\.github/workflows/slsa-generic-keyless\\.yaml@refs/tags/v.*$' }] });
        },
      ],
    ],
  },
  'kyverno/verifyImages/keyless-nomutatedigest-noverifydigest-required.yaml': {
    policies: [
      [
        'keyless-nomutatedigest-noverifydigest-required-check-builder-id-keyless',
        (s) => {
          assert.deepEqual(s.images, [{ glob: 'ghcr.io/kyverno/zulu**' }]);
          assert.equal(s.mutateDigest, false);
          assert.equal(s.references, undefined);
        },
      ],
    ],
  },
  'kyverno/verifyImages/multiple-attestors.yaml': {
    // Two rules, each its own policy; count 1 of 1 entry needs no count.
    policies: [
      ['validate-signatures-check-1', (s) => (assert.deepEqual(s.images, [{ glob: 'ghcr.io/kyverno/test-verify-image:**' }]), assert.equal(s.count, undefined), assert.equal(s.mutateDigest, true))],
      [
        'validate-signatures-check-2',
        (s) => {
          assert.deepEqual(s.images, [{ glob: 'my.local.repo/**' }]);
          assert.equal(s.mutateDigest, false);
          assert.equal(pemOf((K(s)[0]!.key as Record<string, unknown>).data), sampleValue('kyverno/verifyImages/multiple-attestors.yaml', 0, 'spec', 'rules', 1, 'verifyImages', 0, 'attestors', 0, 'entries', 0, 'keys', 'publicKeys'));
        },
      ],
    ],
  },
  'kyverno/verifyImages/multiple-image-verification-attestations-pass.yaml': {
    policies: [
      [
        'check-image-attestation-verify-attestation-notary',
        (s) => {
          // The certificate comes from the ConfigMap of the same file, through the rule's context.
          assert.equal(pemOf((K(s)[0]!.notation as Record<string, unknown>).certs), NOTARY_CERT('kyverno/verifyImages/multiple-image-verification-attestations-pass.yaml'));
          assert.equal(K(s).length, 1); // both attestations use the same certificate: one authority
          assert.deepEqual(s.attestations, [
            { name: 'sbom', artifactType: 'sbom/cyclone-dx', authorities: ['sbom-signer'] },
            { name: 'scan', artifactType: 'vulnerability-scan', authorities: ['sbom-signer'] },
          ]);
          assert.equal(s.mode, 'enforce'); // spec.validationFailureAction
        },
      ],
    ],
    untranslated: ['spec.rules[0].verifyImages[0].validate'],
    skipped: 2, // the Namespace and the ConfigMap
  },
  'kyverno/verifyImages/notary-attestation-verification.yaml': {
    policies: [
      [
        'check-image-attestation-verify-attestation-notary',
        (s) =>
          assert.deepEqual(
            (s.attestations as Record<string, unknown>[]).map((a) => [a.artifactType, a.policy]),
            [
              ['sbom/cyclone-dx', { conditions: [{ path: '$.predicate.components[*].licenses[*].expression', in: ['GPL-3.0'] }] }], // AllIn
              ['vulnerability-scan', { conditions: [{ path: '$.predicate.source.type', equals: 'image' }] }],
            ],
          ),
      ],
    ],
    skipped: 2,
  },
  'kyverno/verifyImages/notary-image-verification.yaml': {
    policies: [['check-image-notary-verify-signature-notary', (s) => (assert.equal(K(s)[0]!.name, 'notary'), assert.equal(pemOf((K(s)[0]!.notation as Record<string, unknown>).certs), NOTARY_CERT('kyverno/verifyImages/notary-image-verification.yaml')))]],
    skipped: 2,
  },
  'kyverno/verifyImages/sigstore-attestation-verification-test.yaml': {
    policies: [
      [
        'sigstore-attestation-verification-sigstore-attestation-verification',
        (s) => {
          assert.deepEqual(s.images, [{ glob: '**' }]);
          assert.deepEqual(s.attestations, [
            { name: 'attestation-0', predicateType: 'https://slsa.dev/provenance/v1', authorities: ['attestation-0-signer'], policy: { conditions: [{ path: '$.predicate.buildDefinition.buildType', equals: 'https://actions.github.io/buildtypes/workflow/v1' }] } },
          ]);
        },
      ],
    ],
  },
  'kyverno/verifyImages/sigstore-image-verification-test.yaml': {
    policies: [['sigstore-image-verification-sigstore-image-verification', (s) => assert.deepEqual(K(s)[0]!.keyless, { identities: [{ issuer: GHA, subject: 'https://github.com/vishal-chdhry/artifact-attestation-example/.github/workflows/build-attested-image.yaml@refs/heads/main' }] })]],
  },
  'kyverno/verifyImages/skip-image-reference.yaml': {
    policies: [['verify-exclude-refs-verify-exclude-refs', (s) => (assert.deepEqual(s.images, [{ glob: 'ghcr.io/**' }]), assert.deepEqual(s.excludeImages, [{ glob: 'ghcr.io/kyverno**' }]))]],
    skipped: 2,
  },
  'policy-controller/config-image-policies.yaml': { policies: [], skipped: 1 },
  'policy-controller/config-policy-controller.yaml': { policies: [], skipped: 1 },
  'policy-controller/e2e/cip-key-tsa.yaml': {
    policies: [['cip-key-secret', (s) => (assert.deepEqual(s.images, [{ glob: '**demo**' }]), assert.equal(K(s)[0]!.name, 'authority-0'))]],
    untranslated: ['spec.authorities[0].rfc3161timestamp'],
  },
  'policy-controller/e2e/cip-key-with-attestations-rego.yaml': {
    policies: [
      [
        'image-policy-key-with-attestations-rego',
        (s) => {
          assert.equal(K(s)[0]!.name, 'verify-custom-attestation');
          assert.equal(K(s)[0]!.attestationsOnly, true);
          assert.deepEqual(s.attestations, [{ name: 'custom-match-predicate', predicateType: 'https://cosign.sigstore.dev/attestation/v1', authorities: ['verify-custom-attestation'] }]);
        },
      ],
    ],
    untranslated: ['spec.authorities[0].attestations[0].policy', 'spec.authorities[0].ctlog'],
  },
  'policy-controller/e2e/cip-key.yaml': { policies: [['image-policy-key', (s) => assert.ok(K(s)[0]!.key)]], untranslated: ['spec.authorities[0].ctlog'] },
  'policy-controller/e2e/cip-keyless-warn.yaml': {
    policies: [
      [
        'image-policy-keyless-warn',
        (s) => {
          assert.equal(s.mode, 'warn');
          // A private Fulcio and Rekor: verification points at a trust root that must be installed (fails closed).
          assert.deepEqual(K(s)[0]!.keyless, {
            identities: [{ issuerRegExp: '.*kubernetes.default.*', subjectRegExp: '.*kubernetes.io/namespaces/default/serviceaccounts/default' }],
            trustRootRef: 'authority-0-trust-root',
            url: 'http://fulcio.fulcio-system.svc',
          });
        },
      ],
    ],
    untranslated: ['spec.authorities[0].keyless'],
  },
  'policy-controller/e2e/cip-keyless-with-attestations.yaml': {
    policies: [['image-policy-keyless-with-attestations', (s) => assert.deepEqual(s.attestations, [{ name: 'custom-match-predicate', predicateType: 'https://cosign.sigstore.dev/attestation/v1', authorities: ['attestation'] }])]],
    untranslated: ['spec.authorities[0].attestations[0].policy', 'spec.authorities[0].keyless'],
  },
  'policy-controller/e2e/cip-keyless-with-identities.yaml': { policies: [['image-policy-keyless-with-identities', (s) => assert.equal(K(s).length, 1)]], untranslated: ['spec.authorities[0].keyless'] },
  'policy-controller/e2e/cip-keyless.yaml': { policies: [['image-policy-keyless', (s) => assert.equal(s.mode, undefined)]], untranslated: ['spec.authorities[0].keyless'] },
  'policy-controller/e2e/cip-match-resource-label.yaml': { policies: [['image-policy-match-label', (s) => assert.equal(s.namespaceSelector, undefined)]], untranslated: ['spec.authorities[0].ctlog', 'spec.match'] },
  'policy-controller/e2e/cip-requires-two-signatures-and-two-attestations.yaml': {
    policies: [
      [
        'image-policy-requires-two-signatures-two-attestations',
        (s) => {
          assert.deepEqual(K(s).map((a) => [a.name, a.attestationsOnly ?? false]), [['keylessatt', true], ['keyatt', true], ['keylesssignature', false], ['keysignature', false]]);
          assert.deepEqual((s.attestations as Record<string, unknown>[]).map((a) => [a.name, a.predicateType, a.authorities]), [
            ['customkeyless', 'https://cosign.sigstore.dev/attestation/v1', ['keylessatt']],
            ['vulnkeyless', 'https://cosign.sigstore.dev/attestation/vuln/v1', ['keylessatt']],
            ['custom-match-predicate', 'https://cosign.sigstore.dev/attestation/v1', ['keyatt']],
          ]);
        },
      ],
    ],
    untranslated: [
      'spec.authorities',
      'spec.authorities[0].attestations[0].policy',
      'spec.authorities[0].attestations[1].policy',
      'spec.authorities[0].keyless',
      'spec.authorities[1].attestations[0].policy',
      'spec.authorities[1].ctlog',
      'spec.authorities[2].keyless',
      'spec.authorities[3].ctlog',
      'spec.policy',
    ],
  },
  'policy-controller/e2e/cip-static-fail.yaml': { policies: [['image-policy-static-fail', (s) => assert.deepEqual(K(s), [{ name: 'authority-0', static: { action: 'fail' } }])]] },
  'policy-controller/e2e/cip-static-pass.yaml': { policies: [['image-policy-static-pass', (s) => assert.deepEqual(K(s), [{ name: 'authority-0', static: { action: 'pass' } }])]] },
  'policy-controller/examples/allow-only-pods.yaml': {
    policies: [['image-policy-typemeta-allow-only-pods', (s) => assert.deepEqual(s.images, [{ glob: 'ghcr.io/sigstore/timestamp-server**' }])]],
    untranslated: ['spec.policy'],
  },
  'policy-controller/examples/custom-key-attestation-sbom-spdxjson.yaml': {
    policies: [
      [
        'custom-key-attestation-sbom-spdxjson',
        (s) => {
          // The example's key is policy-controller's examples/keys/cosign.pub.
          const pub = shared('interop', 'cosign-keys', 'policy-controller-example.pub');
          const der = execFileSync('openssl', ['pkey', '-pubin', '-in', pub, '-outform', 'DER']);
          assert.equal(publicKeyId(String((K(s)[0]!.key as Record<string, unknown>).data)), `sha256:${execFileSync('sha256sum', { input: der }).toString().split(' ')[0]}`);
          assert.deepEqual(s.attestations, [{ name: 'must-have-spdxjson', predicateType: 'https://spdx.dev/Document', authorities: ['custom-key'] }]);
        },
      ],
    ],
    untranslated: ['spec.authorities[0].attestations[0].policy', 'spec.authorities[0].ctlog'],
  },
  'policy-controller/examples/keyless-attestation-sbom-spdxjson.yaml': {
    policies: [['keyless-attestation-sbom-spdxjson', (s) => assert.equal((K(s)[0]!.keyless as Record<string, unknown>).trustRootRef, undefined)]],
    untranslated: ['spec.authorities[0].attestations[0].policy'],
  },
  'policy-controller/examples/release-signed-by-github-actions.yaml': {
    policies: [['image-is-signed-by-github-actions', (s) => assert.deepEqual(s.images, [{ glob: 'gcr.io/projectsigstore/policy-webhook@sha256:d1e7af59381793687db4673277005276eb73a06cf555503138dd18eaa1ca47d6' }])]],
  },
  'policy-controller/examples/signed-by-aws-kms-key.yaml': {
    policies: [['image-is-signed-by-aws-kms-key', (s) => assert.deepEqual(K(s)[0]!.key, { kms: 'awskms:///arn:aws:kms:<< region >>:<< account id >>:key/<< key id >>' })]],
    untranslated: ['spec.authorities[0].ctlog', 'spec.authorities[0].key.kms'],
  },
  'policy-controller/examples/signed-by-gcp-kms-key.yaml': {
    policies: [['image-is-signed-by-gcp-kms-key', (s) => assert.match(String((K(s)[0]!.key as Record<string, unknown>).kms), /^gcpkms:\/\/projects\/\$\{PROJECT_ID\}/)]],
    untranslated: ['spec.authorities[0].ctlog', 'spec.authorities[0].key.kms'],
  },
  'policy-controller/examples/signed-by-github-actions.yaml': {
    policies: [['image-is-signed-by-github-actions', (s) => assert.deepEqual(s.images, [{ glob: '**' }])]],
  },
  // The documents under invalid/ carry the error policy-controller reports as an "# ERROR:" comment.
  'policy-controller/invalid/invalid-glob.yaml': { policies: [], invalid: [['spec.images[0].glob', /^invalid value: \[: spec\.images\[0\]\.glob$/]] },
  'policy-controller/invalid/invalid-mode.yaml': { policies: [], invalid: [['spec.mode', /^invalid value: garbage: spec\.mode$/]] },
  'policy-controller/invalid/keylessref-with-malformed-issuer.yaml': {
    policies: [],
    invalid: [['spec.authorities[0].keyless.identities[0].issuerRegExp', /^invalid value: \*\*\*\*: spec\.authorities\[0\]\.keyless\.identities\[0\]\.issuerRegExp$/]],
  },
  'policy-controller/invalid/valid-keyref-and-keylessref.yaml': {
    policies: [],
    invalid: [['spec.authorities[0]', /^expected exactly one, got both: spec\.authorities\[0\]\.key, spec\.authorities\[0\]\.keyless, spec\.authorities\[0\]\.static$/]],
  },
  'policy-controller/valid/valid-keylessref-awskms.yaml': {
    policies: [['image-policy', (s) => assert.deepEqual(K(s).map((a) => (a.keyless as Record<string, unknown>).trustRootRef), ['authority-0-trust-root', 'authority-1-trust-root', 'authority-2-trust-root', 'authority-3-trust-root'])]],
    untranslated: ['spec.authorities[0].keyless', 'spec.authorities[1].keyless', 'spec.authorities[2].keyless', 'spec.authorities[3].keyless'],
  },
  'policy-controller/valid/valid-policy-glob.yaml': {
    policies: [
      [
        'image-policy',
        (s) => {
          assert.equal(s.mode, 'warn');
          assert.deepEqual(s.images, [{ glob: 'images.*' }, { glob: 'image*' }]);
          assert.deepEqual(K(s).slice(3).map((a) => a.key), [{ data: `${sampleValue('policy-controller/valid/valid-policy-glob.yaml', 0, 'spec', 'authorities', 3, 'key', 'data')}\n` }, { kms: 'hashivault://key/path' }, { secretRef: { name: 'secret-name' } }]);
        },
      ],
    ],
    untranslated: ['spec.authorities[0].keyless'],
  },
  'policy-controller/valid/valid-policy.yaml': {
    policies: [
      [
        'image-policy',
        (s) => {
          assert.deepEqual(K(s).map((a) => a.name), ['authority-0', 'keyless-signatures', 'keyless-attestations', 'authority-3', 'authority-4', 'authority-5', 'authority-6', 'authority-7']);
          assert.deepEqual(K(s)[3]!.keyless, { identities: [{ issuer: 'issue-details1', subjectRegExp: '.*subject.*' }] });
          assert.deepEqual(K(s)[4]!.keyless, { identities: [{ issuerRegExp: 'issue.*', subject: 'subject' }] });
        },
      ],
    ],
    untranslated: ['spec.authorities', 'spec.authorities[0].keyless', 'spec.authorities[2].attestations[0].policy', 'spec.authorities[2].attestations[1].policy'],
  },
};

describe('policy convert: every sample in ../shared/data/interop/policies', () => {
  test('the table covers exactly the samples there are', () => {
    assert.deepEqual(Object.keys(EXPECT).sort(), SAMPLES);
  });

  for (const rel of SAMPLES) {
    test(rel, () => {
      const e = EXPECT[rel];
      assert.ok(e, `no expectation for ${rel}`);
      const r = convert(rel);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.policies.map((p) => p.name), e.policies.map(([n]) => n));
      e.policies.forEach(([, check], i) => check(r.policies[i]!.spec));
      const of = (kind: string) => r.notes.filter((n) => n.kind === kind);
      assert.deepEqual(of('untranslated').map((n) => n.path).sort(), [...(e.untranslated ?? [])].sort(), of('untranslated').map((n) => `${n.path}: ${n.message}`).join('\n'));
      assert.deepEqual(of('invalid').map((n) => n.path), (e.invalid ?? []).map(([p]) => p));
      of('invalid').forEach((n, i) => assert.match(n.message, e.invalid![i]![1]));
      assert.equal(of('skipped').length, e.skipped ?? 0);
      for (const n of r.notes) {
        assert.equal(n.file, rel);
        assert.ok(n.line >= 1);
      }
      // The output is a valid Tollgate policy file with the same policies.
      if (r.policies.length > 0) assert.deepEqual(parsePolicies([{ file: 'out.yaml', text: r.yaml }]).map((p) => p.name), e.policies.map(([n]) => n));
      else assert.equal(r.yaml, '');
    });
  }

  test('notes point at the line of the field in the sample', () => {
    const r = convert('policy-controller/e2e/cip-key-tsa.yaml');
    const n = r.notes.find((x) => x.path === 'spec.authorities[0].rfc3161timestamp')!;
    const lines = readFileSync(path.join(ROOT, 'policy-controller/e2e/cip-key-tsa.yaml'), 'utf8').split('\n');
    assert.match(lines[n.line - 1]!, /^\s+trustRootRef: my-sigstore-keys$/); // the mapping under rfc3161timestamp starts here
    const inv = convert('policy-controller/invalid/invalid-mode.yaml').notes[0]!;
    assert.match(readFileSync(path.join(ROOT, 'policy-controller/invalid/invalid-mode.yaml'), 'utf8').split('\n')[inv.line - 1]!, /^\s+mode: garbage$/);
  });
});

describe('tollgate policy convert (command)', () => {
  test('all samples at once: exit 0, YAML on the output, the untranslated list on stderr', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-convert-'));
    try {
      const out = captureOutput();
      const file = path.join(dir, 'converted.yaml');
      const code = await runPolicyConvert(SAMPLES.map((s) => path.join(ROOT, s)), { output: file }, { output: out });
      assert.equal(code, 0);
      const yaml = await readFile(file, 'utf8');
      const names = parsePolicies([{ file, text: yaml }]).map((p) => p.name);
      const expected = Object.values(EXPECT).flatMap((e) => e.policies.map(([n]) => n));
      assert.equal(names.length, expected.length);
      // Same names from different samples are kept apart.
      assert.ok(names.includes('keyed-basic-policy-keyed-basic-rule') && names.includes('keyed-basic-policy-keyed-basic-rule-2'));
      assert.match(out.stderr, /^\d+ policies written; \d+ part\(s\) not translated, 4 invalid document\(s\) rejected/);
      assert.match(out.stderr, new RegExp(`${ROOT.replace(/[/.]/g, '\\$&')}/policy-controller/invalid/invalid-mode\\.yaml:21: invalid: spec\\.mode: invalid value: garbage: spec\\.mode`));
      assert.match(out.stderr, /kyverno\/ImageValidatingPolicy\/match-conditions\.yaml:18: not translated: spec\.matchConditions: CEL match conditions are not translated/);
      assert.doesNotMatch(out.stderr, /webhookTimeoutSeconds/); // info notes only with --notes all
      assert.match(yaml, /^# Translated from ClusterPolicy keyed-basic-policy, rule keyed-basic-rule \(.*keyed-basic\.yaml:1\)$/m);
      // What was not translated is repeated above the policy it concerns.
      assert.match(yaml, /^# Translated from ImageValidatingPolicy ivpol-sample \(.*match-conditions\.yaml:1\)\n# Not translated:\n# {3}line 18: spec\.matchConditions: CEL match conditions/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('exit 1 when nothing can be translated; --notes all adds what needs no translation', async () => {
    const out = captureOutput();
    assert.equal(await runPolicyConvert([path.join(ROOT, 'policy-controller/invalid/invalid-glob.yaml'), path.join(ROOT, 'policy-controller/config-policy-controller.yaml')], { notes: 'all' }, { output: out }), 1);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /nothing could be translated/);
    const all = captureOutput();
    await runPolicyConvert([path.join(ROOT, 'kyverno/verifyImages/keyed-basic.yaml')], { notes: 'all' }, { output: all });
    assert.match(all.stderr, /info: spec\.webhookTimeoutSeconds: webhook settings are part of Tollgate's deployment/);
  });

  test('exit 2 for input that is not YAML, or missing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-convert-'));
    try {
      const bad = path.join(dir, 'bad.yaml');
      await writeFile(bad, 'spec: [\n');
      const out = captureOutput();
      assert.equal(await runPolicyConvert([bad], {}, { output: out }), 2);
      assert.match(out.stderr, /bad\.yaml:2:1: YAML:/);
      const missing = captureOutput();
      assert.equal(await runPolicyConvert([path.join(dir, 'none.yaml')], {}, { output: missing }), 2);
      assert.match(missing.stderr, /none\.yaml: no such file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
