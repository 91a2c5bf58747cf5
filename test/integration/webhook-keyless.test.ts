/**
 * Keyless authorities in the admission webhook: `tollgate webhook serve` (its own process, flags as an operator
 * gives them) against a real CNCF distribution registry, AdmissionReviews over HTTPS.
 *
 * - Real public-good material: Connaisseur's capture of a cosign keyless `.sig` image
 *   (interop/cosign-signatures/connaisseur-testimage, signatures.json: digest sha256:31dc72…, signed by
 *   philipp.belitz@securesystems.de through GitHub's OAuth issuer https://github.com/login/oauth, as its certificate
 *   and keyless-verify-registry.test.ts show), pushed byte for byte, verified offline against
 *   interop/trusted-roots/sigstore-public-good.json given as --trusted-root.
 * - Signatures made here with Sigstore's own mock services (@sigstore/mock through keyless-sign-support.ts: a
 *   Fulcio CA, CT log and Rekor on loopback ports), in cosign 2's `.sig` form and cosign 3's bundle referrer, plus a
 *   keyless SLSA provenance attestation, verified against the mock's trusted root given as `--trust-root mock=FILE`.
 * And the same facts through `tollgate policy test` (its live mode shares the webhook's fact provider).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPolicyTest } from '../../src/cli/commands/policy.js';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { attestImage, KeylessSigning, signImage } from '../../src/sign/index.js';
import { makeTestCerts } from '../support/certs.js';
import { buildImage, buildLayer, makeTar } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeIdentityToken, startMockSigstore, type MockSigstore } from './keyless-sign-support.js';
import { captureOutput } from './policy-support.js';
import { podReview, re, startCliWebhook, type CliWebhook } from './webhook-keyless-support.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const CONN = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
// signatures.json: the keyless image and its signature tag.
const KEYLESS_DIGEST = 'sha256:31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee';
const KEYLESS_SIG_FILE = path.join(CONN, 'manifests', `sha256-${KEYLESS_DIGEST.slice(7)}.sig.json`);
const PUBLIC_GOOD_FILE = shared('interop', 'trusted-roots', 'sigstore-public-good.json');
const PHILIPP = 'philipp.belitz@securesystems.de';
const GITHUB_OAUTH = 'https://github.com/login/oauth';
// The mock-signed images: a GitHub Actions identity (URI SAN) from the Actions issuer.
const ISS = 'https://token.actions.githubusercontent.com';
const SUB = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
// interop/attestations/predicates/statement-slsa-provenance-v0.2.json: predicate.builder.id
const BUILDER = 'https://github.com/actions/runner';

interface SigManifest {
  config: { digest: string };
  layers: { digest: string }[];
}

/** The captured `.sig` image, byte for byte; its config rebuilt as go-containerregistry writes it (must hash to the captured digest). */
async function pushCapturedSig(client: RegistryClient, repo: string): Promise<void> {
  const ref = parseReference(repo);
  const bytes = readFileSync(KEYLESS_SIG_FILE);
  const m = JSON.parse(bytes.toString()) as SigManifest;
  const ids = m.layers.map((l) => l.digest);
  const config = Buffer.from(
    JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: ids.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '', rootfs: { type: 'layers', diff_ids: ids }, config: {} }),
  );
  assert.equal(sha(config), m.config.digest);
  await client.pushBlob(ref, config);
  for (const l of m.layers) {
    const blob = readFileSync(path.join(CONN, 'blobs', `${l.digest.replace(':', '_')}.json`));
    assert.equal(sha(blob), l.digest);
    await client.pushBlob(ref, blob);
  }
  await client.putManifest(ref, `sha256-${KEYLESS_DIGEST.slice(7)}.sig`, bytes, 'application/vnd.oci.image.manifest.v1+json');
}

describe('webhook: keyless authorities (public-good and mock Sigstore signatures, real registry, HTTPS)', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let mock: MockSigstore;
  let tmp: string;
  let ca: Buffer;
  let webhook: CliWebhook;
  let policyFile: string;
  let connaisseur: string;
  let ciApp: string;
  let ciUnsigned: string;
  let env: NodeJS.ProcessEnv;
  let mockRootFile: string;
  let policies: string[];
  const savedRootEnv = process.env.TOLLGATE_TRUSTED_ROOT;

  before(async () => {
    delete process.env.TOLLGATE_TRUSTED_ROOT;
    reg = await startRegistry({ auth: 'none' });
    mock = await startMockSigstore();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-webhook-keyless-'));
    client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'no-docker-config') });
    env = { HOME: tmp, XDG_CACHE_HOME: path.join(tmp, 'cache'), DOCKER_CONFIG: path.join(tmp, 'no-docker-config'), TOLLGATE_TRUSTED_ROOT: '' };

    await pushCapturedSig(client, `${reg.host}/phbelitz/rekor-test`);
    connaisseur = `${reg.host}/phbelitz/rekor-test@${KEYLESS_DIGEST}`;

    // Two images; one signed and attested keylessly through the mock Fulcio and Rekor, the other left unsigned.
    const app = buildImage([await buildLayer(await makeTar([{ path: 'etc/app.conf', content: 'keyless webhook\n' }]))]);
    const unsigned = buildImage([await buildLayer(await makeTar([{ path: 'etc/app.conf', content: 'unsigned\n' }]))]);
    ciApp = `${reg.host}/ci/app@${await pushImage(client, `${reg.host}/ci/app:1.0`, { image: app })}`;
    ciUnsigned = `${reg.host}/ci/unsigned@${await pushImage(client, `${reg.host}/ci/unsigned:1.0`, { image: unsigned })}`;
    const signing = new KeylessSigning({ identityToken: makeIdentityToken({ iss: ISS, sub: SUB }), fulcioUrl: mock.fulcio.url, rekorUrl: mock.rekor.url, retries: 0 });
    const signed = await signImage({ image: ciApp, signer: signing, registry: client });
    assert.deepEqual(signed.signed.map((s) => s.form), ['legacy', 'bundle']);
    const statement = JSON.parse(readFileSync(shared('interop/attestations/predicates/statement-slsa-provenance-v0.2.json'), 'utf8')) as { predicate: { builder: { id: string } } };
    assert.equal(statement.predicate.builder.id, BUILDER);
    await attestImage({ image: ciApp, signer: signing, type: 'slsaprovenance', predicate: Buffer.from(JSON.stringify(statement.predicate)), registry: client });
    mockRootFile = path.join(tmp, 'mock-trusted-root.json');
    await writeFile(mockRootFile, JSON.stringify(mock.trustedRoot));

    const H = reg.host;
    const policy = (name: string, images: string, namespace: string, authority: string, extra = '') => `apiVersion: tollgate.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: ${name}}
spec:
  images: ["${H}/${images}"]
  namespaces: [${namespace}]
  authorities:
${authority}
${extra}`;
    policyFile = path.join(tmp, 'policy.yaml');
    policies = [
        // Several identities: the second one (a regexp) is Philipp's.
        policy(
          'connaisseur-keyless',
          'phbelitz/**',
          'good',
          `    - name: philipp
      keyless:
        identities:
          - {subject: someone@example.com, issuer: https://accounts.google.com}
          - {subjectRegExp: '^philipp\\.belitz@securesystems\\.de$', issuer: ${GITHUB_OAUTH}}`,
        ),
        policy(
          'wrong-identity',
          'phbelitz/**',
          'wrong',
          `    - name: mallory
      keyless:
        identities: [{subject: mallory@securesystems.de, issuer: ${GITHUB_OAUTH}}]`,
        ),
        policy(
          'unknown-root',
          'phbelitz/**',
          'unknown-root',
          `    - name: philipp-elsewhere
      keyless:
        trustRootRef: nowhere
        identities: [{subject: ${PHILIPP}, issuer: ${GITHUB_OAUTH}}]`,
        ),
        policy(
          'ci-release',
          'ci/**',
          'good',
          `    - name: release-workflow
      keyless:
        trustRootRef: mock
        identities:
          - {subjectRegExp: '^https://github\\.com/acme/app/\\.github/workflows/.*$', issuer: ${ISS}}`,
          `  attestations:
    - name: provenance
      predicateType: slsaprovenance
      policy:
        conditions:
          - path: $.predicate.builder.id
            equals: ${BUILDER}
`,
        ),
        // The mock's signatures do not chain to the public-good root (the default).
        policy(
          'ci-public-good',
          'ci/**',
          'wrong',
          `    - name: release-workflow-public-good
      keyless:
        identities: [{subjectRegExp: '^https://github\\.com/acme/', issuer: ${ISS}}]`,
        ),
      ];
    await writeFile(policyFile, policies.join('---\n'));

    const certs = await makeTestCerts(path.join(tmp, 'certs'));
    ca = readFileSync(certs.tlsCert);
    webhook = await startCliWebhook(
      ['--policy', policyFile, '--tls-cert', certs.tlsCert, '--tls-key', certs.tlsKey, '--trusted-root', PUBLIC_GOOD_FILE, '--trust-root', `mock=${mockRootFile}`, '--docker-config', path.join(tmp, 'no-docker-config')],
      env,
      ca,
    );
  });

  after(async () => {
    if (savedRootEnv !== undefined) process.env.TOLLGATE_TRUSTED_ROOT = savedRootEnv;
    await webhook?.stop();
    await client?.close();
    await mock?.close();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const review = async (namespace: string, image: string) => {
    const r = await webhook.validate(podReview(namespace, [image]));
    assert.equal(r.status, 200, r.text);
    return r.json.response;
  };

  test('the real public-good keyless signature is admitted when one of the listed identities is its signer', async () => {
    const r = await review('good', connaisseur);
    assert.equal(r.allowed, true, JSON.stringify(r));
  });

  test('another identity: denied, the message names the image, the rule and who did sign', async () => {
    const r = await review('wrong', connaisseur);
    assert.equal(r.allowed, false);
    const msg = r.status!.message;
    assert.match(msg, re(`image ${connaisseur} (container c-0): wrong-identity/signatures`));
    assert.match(msg, re(`keyless signature by ${PHILIPP} (issuer ${GITHUB_OAUTH}) is not an identity of mallory`));
  });

  test('a trustRootRef the webhook was not given: denied (fail closed), naming the missing root', async () => {
    const r = await review('unknown-root', connaisseur);
    assert.equal(r.allowed, false);
    assert.match(r.status!.message, re(`image ${connaisseur} (container c-0): unknown-root/signatures: could not be checked`));
    assert.match(r.status!.message, /trustRootRef "nowhere" names no trusted root of the webhook \(it has "mock"; add --trust-root nowhere=FILE\)/);
  });

  test('mock-Sigstore signatures and attestation are admitted under trustRootRef mock', async () => {
    const r = await review('good', ciApp);
    assert.equal(r.allowed, true, JSON.stringify(r));
    const unsigned = await review('good', ciUnsigned);
    assert.equal(unsigned.allowed, false);
    assert.match(unsigned.status!.message, re(`image ${ciUnsigned} (container c-0): ci-release/signatures: no valid a signature by release-workflow`));
    assert.match(unsigned.status!.message, /ci-release\/attestations\/provenance/);
  });

  test('the mock signatures do not verify against the public-good root: denied', async () => {
    const r = await review('wrong', ciApp);
    assert.equal(r.allowed, false);
    assert.match(r.status!.message, re(`image ${ciApp} (container c-0): ci-public-good/signatures: no valid a signature by release-workflow-public-good`));
  });

  test('tollgate policy test verifies keyless authorities live, with the same trust flags', async () => {
    const manifest = path.join(tmp, 'deploy.yaml');
    const deploy = (name: string, ns: string, image: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: app, image: "${image}"}\n`;
    await writeFile(manifest, [deploy('good', 'good', connaisseur), deploy('wrong', 'wrong', connaisseur), deploy('ci', 'good', ciApp)].join('---\n'));
    // `policy test` gathers facts for every policy whatever its namespace, and a fact error (the unknown trustRootRef)
    // is reported by every signature rule that fails: leave that policy out here.
    const testPolicy = path.join(tmp, 'policy-test.yaml');
    await writeFile(testPolicy, policies.filter((p) => !p.includes('name: unknown-root')).join('---\n'));
    const opts = { policy: [testPolicy], format: 'json', dockerConfig: path.join(tmp, 'no-docker-config'), cacheDir: path.join(tmp, 'empty-cache') };
    const out = captureOutput();
    const code = await runPolicyTest([manifest], { ...opts, trustedRoot: PUBLIC_GOOD_FILE, trustRoot: [`mock=${mockRootFile}`] }, { output: out, now: new Date() });
    assert.equal(code, 1, out.stderr);
    const json = JSON.parse(out.stdout) as { objects: { name: string; allowed: boolean; results: { message: string }[] }[] };
    assert.deepEqual(json.objects.map((o) => [o.name, o.allowed]), [['good', true], ['wrong', false], ['ci', true]]);
    assert.equal(json.objects[0]!.results[0]!.message, 'verified: philipp');
    assert.match(json.objects[1]!.results[0]!.message, /is not an identity of mallory/);

    // Without a trusted root (none given, none cached): the public-good root embedded in @sigstore/tuf, cached for next time.
    const none = captureOutput();
    assert.equal(await runPolicyTest([manifest], opts, { output: none, now: new Date() }), 1);
    const noneJson = JSON.parse(none.stdout) as typeof json;
    assert.equal(noneJson.objects[0]!.results[0]!.message, 'verified: philipp');
    assert.ok(existsSync(path.join(opts.cacheDir, 'sigstore', 'trusted_root.json')));
  });

  test('a --trust-root that is not NAME=FILE, or a file that is no trusted root, stops the webhook at start (exit 2)', async () => {
    const certs = path.join(tmp, 'certs');
    const base = ['--policy', policyFile, '--tls-cert', path.join(certs, 'tls.crt'), '--tls-key', path.join(certs, 'tls.key')];
    await assert.rejects(startCliWebhook([...base, '--trust-root', mockRootFile], env, ca), /exited \(2\)[\s\S]*--trust-root .*expected NAME=FILE/);
    await assert.rejects(startCliWebhook([...base, '--trust-root', `mock=${policyFile}`], env, ca), /exited \(2\)[\s\S]*--trust-root mock: /);
  });
});
