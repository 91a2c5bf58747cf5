/**
 * Keyless (Fulcio certificate) verification of real public-good signatures through a real distribution registry,
 * with the library and with the CLI (src/cli/main.ts's command tree in a child process), offline against
 * interop/trusted-roots/sigstore-public-good.json:
 *
 * - Connaisseur's capture of a cosign keyless `.sig` image (interop/cosign-signatures/connaisseur-testimage),
 *   pushed byte for byte (its config blob is rebuilt from cosign's format and accepted only because it hashes to
 *   the captured digest);
 * - cosign's own keyless OCI attestation bundle (interop/sigstore-bundles/cosign-oci-attestation.sigstore.json,
 *   SAN cody@soyland.com, issuer https://github.com/login/oauth, subject sha256:732112…) attached as an OCI 1.1
 *   referrer, and the same signature in the legacy `.att` form (DERIVED here: the envelope as the layer, its
 *   certificate and Rekor entry + SET as cosign's annotations, i.e. what cosign 2 writes for a keyless attestation).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { RegistrySource } from '../../src/sign/artifact-source.js';
import { registerReferrer } from '../../src/sign/attach.js';
import { COSIGN_CUSTOM_PREDICATE_TYPE, COSIGN_SIGN_PREDICATE_TYPE } from '../../src/sign/in-toto.js';
import { decodeTrustedRoot, NoMatchingSignaturesError, verifyAttestations, verifyImage, type KeylessOptions, type TrustedKey } from '../../src/sign/index.js';
import { buildBundleReferrer } from '../../src/sign/referrer-manifest.js';
import { appendSignatureLayers } from '../../src/sign/tag-manifest.js';
import { createPublicKey } from 'node:crypto';
import { repoRoot, shared } from '../support/paths.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const CONN = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
const KEYLESS_DIGEST = 'sha256:31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee';
const KEYLESS_SIG_FILE = path.join(CONN, 'manifests', `sha256-${KEYLESS_DIGEST.slice(7)}.sig.json`);
const ALICE_DIGEST = 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81';
const ALICE_SIG_FILE = path.join(CONN, 'manifests', `sha256-${ALICE_DIGEST.slice(7)}.sig.json`);
const PUBLIC_GOOD_FILE = shared('interop', 'trusted-roots', 'sigstore-public-good.json');
const SCAFFOLDING_FILE = shared('interop', 'trusted-roots', 'sigstore-go-scaffolding.json');
const PUBLIC_GOOD = decodeTrustedRoot(readFileSync(PUBLIC_GOOD_FILE));
const ATT_BUNDLE_FILE = shared('interop', 'sigstore-bundles', 'cosign-oci-attestation.sigstore.json');
// index.json: subject sha256 of the attested image, SAN and issuer of the certificate.
const ATT_DIGEST = 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4';
const PHILIPP = { subject: 'philipp.belitz@securesystems.de', issuer: 'https://github.com/login/oauth' };
const CODY = { subject: 'cody@soyland.com', issuer: 'https://github.com/login/oauth' };

interface SigManifest {
  config: { digest: string; size: number };
  layers: { digest: string; size: number; annotations: Record<string, string> }[];
}

/** The signature image's config as go-containerregistry writes it (see sign-connaisseur.test.ts). */
function rebuildConfig(m: SigManifest): Buffer {
  const ids = m.layers.map((l) => l.digest);
  const config = Buffer.from(
    JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: ids.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '', rootfs: { type: 'layers', diff_ids: ids }, config: {} }),
  );
  assert.equal(sha(config), m.config.digest, 'the rebuilt config hashes to the digest in the captured manifest');
  return config;
}

async function pushCapturedSig(client: RegistryClient, repo: string, file: string, tag: string): Promise<void> {
  const ref = parseReference(repo);
  const bytes = readFileSync(file);
  const m = JSON.parse(bytes.toString()) as SigManifest;
  await client.pushBlob(ref, rebuildConfig(m));
  for (const l of m.layers) {
    const blob = readFileSync(path.join(CONN, 'blobs', `${l.digest.replace(':', '_')}.json`));
    assert.equal(sha(blob), l.digest);
    await client.pushBlob(ref, blob);
  }
  await client.putManifest(ref, tag, bytes, 'application/vnd.oci.image.manifest.v1+json');
}

/** The legacy `.att` layer of the real attestation bundle: envelope as stored by cosign, certificate, Rekor bundle. */
function legacyAttestationLayer(bundleJson: Record<string, any>) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const env = bundleJson.dsseEnvelope;
  const t = bundleJson.verificationMaterial.tlogEntries[0];
  const cert = new X509Certificate(Buffer.from(bundleJson.verificationMaterial.certificate.rawBytes, 'base64'));
  const rekorBundle = {
    SignedEntryTimestamp: t.inclusionPromise.signedEntryTimestamp,
    Payload: { body: t.canonicalizedBody, integratedTime: Number(t.integratedTime), logIndex: Number(t.logIndex), logID: Buffer.from(t.logId.keyId, 'base64').toString('hex') },
  };
  return {
    payload: Buffer.from(JSON.stringify({ payloadType: env.payloadType, payload: env.payload, signatures: env.signatures })),
    mediaType: 'application/vnd.dsse.envelope.v1+json',
    annotations: {
      'dev.cosignproject.cosign/signature': '',
      'dev.sigstore.cosign/certificate': cert.toString(),
      'dev.sigstore.cosign/chain': '',
      'dev.sigstore.cosign/bundle': JSON.stringify(rekorBundle),
      predicateType: COSIGN_CUSTOM_PREDICATE_TYPE,
    },
  };
}

async function codesOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof NoMatchingSignaturesError, String(e));
    return e.result.rejected.map((r) => r.code);
  }
  assert.fail('verification succeeded');
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it: main.ts's command tree, in its own process. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const main = path.join(repoRoot, 'src', 'cli', 'main.ts');
  const script = `import { main } from ${JSON.stringify(main)}; process.exitCode = await main(${JSON.stringify(args)});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('keyless verification through a registry (real public-good signatures)', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let tmp: string;
  let repo: string;
  let attRepo: string;
  let env: NodeJS.ProcessEnv;
  const keyless = (identity: { subject: string; issuer: string } | KeylessOptions['identity'], trustedRoot = PUBLIC_GOOD): KeylessOptions => ({ identity, trustedRoot });

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-keyless-'));
    client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'docker') });
    env = { DOCKER_CONFIG: path.join(tmp, 'docker'), XDG_CACHE_HOME: path.join(tmp, 'cache'), TOLLGATE_TRUSTED_ROOT: '', HOME: tmp };
    repo = `${reg.host}/phbelitz/rekor-test`;
    await pushCapturedSig(client, repo, KEYLESS_SIG_FILE, `sha256-${KEYLESS_DIGEST.slice(7)}.sig`);
    await pushCapturedSig(client, repo, ALICE_SIG_FILE, `sha256-${ALICE_DIGEST.slice(7)}.sig`);

    // The attestation: as a bundle referrer (cosign 3) and as a `.att` layer (cosign 2).
    attRepo = `${reg.host}/cosign/repo`;
    const ref = parseReference(attRepo);
    const source = new RegistrySource(client, ref);
    const bundleBytes = readFileSync(ATT_BUNDLE_FILE);
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: ATT_DIGEST, size: 1 };
    for (const [predicateType, created] of [
      [COSIGN_CUSTOM_PREDICATE_TYPE, new Date('2025-02-28T19:18:11Z')],
      // The same attestation announced as an image signature: `verify` checks it keylessly, then sees its type.
      [COSIGN_SIGN_PREDICATE_TYPE, new Date('2025-02-28T19:18:12Z')],
    ] as const) {
      const r = buildBundleReferrer({ bundle: bundleBytes, subject, predicateType, created });
      for (const b of r.blobs) await client.pushBlob(ref, b);
      await client.putManifest(ref, r.digest, r.manifest, 'application/vnd.oci.image.manifest.v1+json');
      await registerReferrer(source, ATT_DIGEST, r.descriptor);
    }
    const att = appendSignatureLayers(undefined, [legacyAttestationLayer(JSON.parse(bundleBytes.toString()))], 'att');
    await client.pushBlob(ref, att.config);
    for (const b of att.blobs) await client.pushBlob(ref, b);
    await client.putManifest(ref, `sha256-${ATT_DIGEST.slice(7)}.att`, att.manifest, att.mediaType);
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('the keyless .sig verifies with the right identity and issuer, with the signer facts', async () => {
    const r = await verifyImage({ image: `${repo}@${KEYLESS_DIGEST}`, keyless: keyless(PHILIPP), registry: client });
    assert.equal(r.verified.length, 1);
    const s = r.verified[0]!;
    assert.equal(s.form, 'legacy');
    assert.equal(s.key, undefined);
    assert.equal(s.keyless?.subject, 'philipp.belitz@securesystems.de');
    assert.equal(s.keyless?.issuer, 'https://github.com/login/oauth');
    assert.equal(s.keyless?.trustRoot, 'public-good');
    assert.equal(s.keyless?.signedAt, '2024-05-30T15:18:17.000Z');
    assert.equal(s.payload.critical.image['docker-manifest-digest'], KEYLESS_DIGEST);
  });

  test('wrong identity, wrong issuer, another trusted root: no match, each with its code', async () => {
    const image = `${repo}@${KEYLESS_DIGEST}`;
    assert.deepEqual(await codesOf(verifyImage({ image, keyless: keyless({ ...PHILIPP, subject: 'mallory@securesystems.de' }), registry: client })), ['IDENTITY_MISMATCH']);
    assert.deepEqual(await codesOf(verifyImage({ image, keyless: keyless({ ...PHILIPP, issuer: 'https://accounts.google.com' }), registry: client })), ['IDENTITY_MISMATCH']);
    const scaffolding = decodeTrustedRoot(readFileSync(SCAFFOLDING_FILE));
    assert.deepEqual(await codesOf(verifyImage({ image, keyless: keyless(PHILIPP, scaffolding), registry: client })), ['CERTIFICATE_INVALID']);
  });

  test("the keyless signature copied to another image's tag: DIGEST_MISMATCH (the payload names sha256:31dc72…)", async () => {
    const other = `${reg.host}/copied/image`;
    const otherDigest = sha('another image');
    await pushCapturedSig(client, other, KEYLESS_SIG_FILE, `sha256-${otherDigest.slice(7)}.sig`);
    assert.deepEqual(await codesOf(verifyImage({ image: `${other}@${otherDigest}`, keyless: keyless(PHILIPP), registry: client })), ['DIGEST_MISMATCH']);
  });

  test('keys and identities together: the key-signed layer by key, the keyless one by identity; each alone rejects the other kind', async () => {
    const alice: TrustedKey = { key: createPublicKey(readFileSync(path.join(CONN, 'keys', 'alice.pub'))), source: 'alice.pub' };
    const both = await verifyImage({ image: `${repo}@${ALICE_DIGEST}`, keys: [alice], keyless: keyless(PHILIPP), registry: client });
    assert.equal(both.verified[0]?.key, 'alice.pub');
    assert.equal(both.verified[0]?.keyless, undefined);
    assert.deepEqual(await codesOf(verifyImage({ image: `${repo}@${ALICE_DIGEST}`, keyless: keyless(PHILIPP), registry: client })), ['KEY_NOT_TRUSTED']);
    // Key-based verification of the keyless layer is unchanged: the certificate is ignored, the key does not verify.
    assert.deepEqual(await codesOf(verifyImage({ image: `${repo}@${KEYLESS_DIGEST}`, keys: [alice], registry: client })), ['SIGNATURE_MISMATCH']);
  });

  test('the keyless attestation verifies in both forms (.att layer and bundle referrer)', async () => {
    const r = await verifyAttestations({ image: `${attRepo}@${ATT_DIGEST}`, keyless: keyless(CODY), type: 'custom', registry: client });
    assert.deepEqual(r.verified.map((a) => a.form).sort(), ['bundle', 'legacy']);
    for (const a of r.verified) {
      assert.equal(a.keyless?.subject, 'cody@soyland.com');
      assert.equal(a.keyless?.issuer, 'https://github.com/login/oauth');
      // integratedTime 1740770291 of the bundle's Rekor entry (`date -u -d @1740770291`)
      assert.equal(a.keyless?.signedAt, '2025-02-28T19:18:11.000Z');
      assert.equal(a.statement.predicateType, COSIGN_CUSTOM_PREDICATE_TYPE);
      assert.deepEqual(a.statement.predicate, { Data: '{"foo": "bar"}\n', Timestamp: '2025-02-28T19:18:11Z' });
    }
    // the referrer that announces itself as an image signature is skipped here (as cosign does)
    assert.deepEqual(r.rejected, []);
  });

  test('the attestation with a wrong identity, another type, or with keys only', async () => {
    const image = `${attRepo}@${ATT_DIGEST}`;
    assert.deepEqual(await codesOf(verifyAttestations({ image, keyless: keyless({ ...CODY, subject: 'cody@soyland.org' }), type: 'custom', registry: client })), [
      'IDENTITY_MISMATCH',
      'IDENTITY_MISMATCH',
    ]);
    assert.deepEqual(await codesOf(verifyAttestations({ image, keyless: keyless(CODY), type: 'slsaprovenance', registry: client })), [
      'PREDICATE_TYPE_MISMATCH',
      'PREDICATE_TYPE_MISMATCH',
    ]);
    const alice: TrustedKey = { key: createPublicKey(readFileSync(path.join(CONN, 'keys', 'alice.pub'))), source: 'alice.pub' };
    // Unchanged key-based behaviour: the referrer is not checked against keys, the .att layer fails the key.
    assert.deepEqual((await codesOf(verifyAttestations({ image, keys: [alice], type: 'custom', registry: client }))).sort(), ['SIGNATURE_MISMATCH', 'UNSUPPORTED_BUNDLE']);
  });

  test('`verify` runs the keyless bundle-referrer path: the signature verifies, its statement is no image signature', async () => {
    const codes = await codesOf(verifyImage({ image: `${attRepo}@${ATT_DIGEST}`, keyless: keyless(CODY), registry: client }));
    assert.deepEqual(codes, ['WRONG_TYPE']);
    const wrong = await codesOf(verifyImage({ image: `${attRepo}@${ATT_DIGEST}`, keyless: keyless({ ...CODY, issuer: 'https://token.actions.githubusercontent.com' }), registry: client }));
    assert.deepEqual(wrong, ['IDENTITY_MISMATCH']);
  });

  test('CLI: verify and verify-attestation keyless, exit 0/1, and exit 2 naming --trusted-root without one', async () => {
    const image = `${repo}@${KEYLESS_DIGEST}`;
    const ok = await cli(['verify', '--certificate-identity', PHILIPP.subject, '--certificate-oidc-issuer', PHILIPP.issuer, '--trusted-root', PUBLIC_GOOD_FILE, image], env);
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as { critical: { image: Record<string, string> }; optional: Record<string, string> }[];
    assert.equal(out.length, 1);
    assert.equal(out[0]!.critical.image['docker-manifest-digest'], KEYLESS_DIGEST);
    // cosign adds the certificate's Subject and Issuer to the printed payload
    assert.equal(out[0]!.optional.Subject, PHILIPP.subject);
    assert.equal(out[0]!.optional.Issuer, PHILIPP.issuer);
    assert.match(ok.stderr, /certificate was verified using trusted certificate authority/);

    const regexp = await cli(['verify', '--certificate-identity-regexp', 'securesystems', '--certificate-oidc-issuer', PHILIPP.issuer, image], { ...env, TOLLGATE_TRUSTED_ROOT: PUBLIC_GOOD_FILE });
    assert.equal(regexp.code, 0, regexp.stderr);
    assert.match(regexp.stderr, /not anchored/);

    const wrong = await cli(['verify', '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', PHILIPP.issuer, '--trusted-root', PUBLIC_GOOD_FILE, image], env);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /IDENTITY_MISMATCH/);

    // No root given or cached: the public-good root embedded in @sigstore/tuf, named on stderr (trusted-root.test.ts).
    const noRoot = await cli(['verify', '--certificate-identity', PHILIPP.subject, '--certificate-oidc-issuer', PHILIPP.issuer, image], env);
    assert.equal(noRoot.code, 0, noRoot.stderr);
    assert.match(noRoot.stderr, /embedded seed of @sigstore\/tuf/);
    assert.doesNotMatch(noRoot.stderr, /\n\s+at /);

    const half = await cli(['verify', '--certificate-identity', PHILIPP.subject, '--trusted-root', PUBLIC_GOOD_FILE, image], env);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--certificate-oidc-issuer/);

    const att = await cli(
      ['verify-attestation', '--type', 'custom', '--output', 'json', '--certificate-identity', CODY.subject, '--certificate-oidc-issuer', CODY.issuer, '--trusted-root', PUBLIC_GOOD_FILE, `${attRepo}@${ATT_DIGEST}`],
      env,
    );
    assert.equal(att.code, 0, att.stderr);
    const statements = JSON.parse(att.stdout) as { subject: { digest: { sha256: string } }[] }[];
    assert.equal(statements.length, 2);
    assert.ok(statements.every((s) => s.subject[0]!.digest.sha256 === ATT_DIGEST.slice(7)));
  });
});
