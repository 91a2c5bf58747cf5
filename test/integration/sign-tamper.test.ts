/**
 * The tamper matrix: every way of forging or breaking a signature that the issue names is rejected, each with its
 * stable code, against a real distribution 2.8 registry. The forged signature images, bundles and referrers are
 * written by hand here in cosign's formats (not by the code under test), then verified with Tollgate.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignError } from '../../src/core/index.js';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { NoMatchingSignaturesError, signImage, verifyAttestations, verifyImage, type RejectedSignature, type Signer, type TrustedKey } from '../../src/sign/index.js';
import { buildImage, buildLayer, makeTar } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hexOf = (d: string) => d.slice(7);
const SIG_ANN = 'dev.cosignproject.cosign/signature';
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const INTOTO = 'application/vnd.in-toto+json';

function keyPair(name: string): { signer: Signer; trusted: TrustedKey; privateKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    signer: { algorithm: 'ecdsa-p256-sha256', description: name, publicKey: async () => publicKey, sign: async (d) => sign('sha256', d, privateKey) },
    trusted: { key: publicKey, source: `${name}.pub` },
    privateKey,
  };
}

function payloadFor(repo: string, digest: string, type = 'cosign container image signature', optional: unknown = null): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': repo }, image: { 'docker-manifest-digest': digest }, type }, optional }));
}

function paeOf(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

function statementFor(digest: string, predicateType: string): Buffer {
  return Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: hexOf(digest) }, annotations: {} }], predicateType, predicate: {} }),
  );
}

describe('tamper matrix', () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let tmp: string;
  const alice = keyPair('alice');
  const mallory = keyPair('mallory');
  let n = 0;

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-tamper-'));
    client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'none') });
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** A fresh image in its own repository. */
  async function freshImage(): Promise<{ repo: string; digest: string; size: number }> {
    n++;
    const img = buildImage([await buildLayer(await makeTar([{ path: `f${n}`, content: `image ${n}\n` }]))]);
    const repo = `${reg.host}/tamper/case${n}`;
    await pushImage(client, `${repo}:1`, { image: img });
    return { repo, digest: img.manifestDigest, size: img.manifest.length };
  }

  /** Writes a `.sig` / `.att` image by hand: config + one layer per entry. */
  async function pushTagImage(repo: string, tag: string, layers: { payload: Buffer; annotations: Record<string, string>; mediaType?: string }[]): Promise<void> {
    const ref = parseReference(repo);
    const config = Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: layers.map((l) => sha(l.payload)) }, config: {} }));
    await client.pushBlob(ref, config);
    for (const l of layers) await client.pushBlob(ref, l.payload);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha(config) },
        layers: layers.map((l) => ({ mediaType: l.mediaType ?? 'application/vnd.dev.cosign.simplesigning.v1+json', size: l.payload.length, digest: sha(l.payload), annotations: l.annotations })),
      }),
    );
    await client.putManifest(ref, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
  }

  /** Attaches a bundle by hand: referrer manifest with subject + the sha256-<hex> referrers tag. */
  async function pushBundle(target: { repo: string; digest: string; size: number }, bundle: Buffer, annotations: Record<string, string> = {}): Promise<string> {
    const ref = parseReference(target.repo);
    const empty = Buffer.from('{}');
    await client.pushBlob(ref, empty);
    await client.pushBlob(ref, bundle);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: sha(empty) },
        layers: [{ mediaType: BUNDLE_TYPE, size: bundle.length, digest: sha(bundle) }],
        annotations,
        subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: target.size, digest: target.digest },
        artifactType: BUNDLE_TYPE,
      }),
    );
    const digest = await client.putManifest(ref, sha(manifest), manifest, 'application/vnd.oci.image.manifest.v1+json');
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', size: manifest.length, digest, artifactType: BUNDLE_TYPE }] }),
    );
    await client.putManifest(ref, `sha256-${hexOf(target.digest)}`, index, 'application/vnd.oci.image.index.v1+json');
    return digest;
  }

  function dsseBundle(payloadType: string, payload: Buffer, sig: Buffer): Buffer {
    return Buffer.from(
      JSON.stringify({
        mediaType: BUNDLE_TYPE,
        verificationMaterial: { publicKey: { hint: 'aGludA==' }, tlogEntries: [] },
        dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig: sig.toString('base64') }] },
      }),
    );
  }

  async function rejectedOf(p: Promise<unknown>, errorCode = 'NO_MATCHING_SIGNATURES'): Promise<RejectedSignature[]> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof NoMatchingSignaturesError, String(e));
      assert.equal(e.code, errorCode);
      return e.result.rejected;
    }
    assert.fail('verification succeeded');
  }

  async function legacyCase(layer: (t: { repo: string; digest: string }) => { payload: Buffer; annotations: Record<string, string> }, code: string): Promise<void> {
    const t = await freshImage();
    await pushTagImage(t.repo, `sha256-${hexOf(t.digest)}.sig`, [layer(t)]);
    const rejected = await rejectedOf(verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client }));
    assert.deepEqual(rejected.map((r) => [r.form, r.code]), [['legacy', code]], JSON.stringify(rejected));
  }

  const signed = (payload: Buffer, by = alice.privateKey) => ({ payload, annotations: { [SIG_ANN]: sign('sha256', payload, by).toString('base64') } });

  describe('tag-based signatures (sha256-<hex>.sig)', () => {
    test('a genuine hand-written signature verifies (the control case)', async () => {
      const t = await freshImage();
      await pushTagImage(t.repo, `sha256-${hexOf(t.digest)}.sig`, [signed(payloadFor(t.repo, t.digest))]);
      const v = await verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client });
      assert.equal(v.verified.length, 1);
    });

    test('signature copied from another image → DIGEST_MISMATCH', async () => {
      const other = await freshImage();
      await signImage({ image: `${other.repo}@${other.digest}`, signer: alice.signer, registry: client, form: 'legacy' });
      const ref = parseReference(other.repo);
      const m = JSON.parse((await client.getManifest(ref, `sha256-${hexOf(other.digest)}.sig`)).bytes.toString()) as { layers: { digest: string; annotations: Record<string, string> }[] };
      const payload = await client.getBlobBytes(ref, m.layers[0]!.digest, 1 << 20);
      await legacyCase(() => ({ payload, annotations: m.layers[0]!.annotations }), 'DIGEST_MISMATCH');
    });

    test('payload for another digest, signed with the trusted key → DIGEST_MISMATCH', async () => {
      await legacyCase((t) => signed(payloadFor(t.repo, `sha256:${'a'.repeat(64)}`)), 'DIGEST_MISMATCH');
    });

    test('wrong critical.type → WRONG_TYPE', async () => {
      await legacyCase((t) => signed(payloadFor(t.repo, t.digest, 'atomic container signature')), 'WRONG_TYPE');
    });

    test('tampered layer bytes (blob no longer matches its digest) → BLOB_DIGEST_MISMATCH', async () => {
      const t = await freshImage();
      await signImage({ image: `${t.repo}@${t.digest}`, signer: alice.signer, registry: client, form: 'legacy' });
      const ref = parseReference(t.repo);
      const m = JSON.parse((await client.getManifest(ref, `sha256-${hexOf(t.digest)}.sig`)).bytes.toString()) as { layers: { digest: string }[] };
      const file = reg.blobPath(m.layers[0]!.digest);
      const bytes = readFileSync(file);
      writeFileSync(file, Buffer.from(bytes.toString().replace('cosign container image signature', 'cosign container image signaturE')));
      const rejected = await rejectedOf(verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client }));
      assert.deepEqual(rejected.map((r) => r.code), ['BLOB_DIGEST_MISMATCH']);
    });

    test('tampered signature annotation → SIGNATURE_MISMATCH', async () => {
      await legacyCase((t) => {
        const payload = payloadFor(t.repo, t.digest);
        const sig = sign('sha256', payload, alice.privateKey);
        sig[12] = sig[12]! ^ 0x01; // a bit of r: still DER, no longer the signature
        return { payload, annotations: { [SIG_ANN]: sig.toString('base64') } };
      }, 'SIGNATURE_MISMATCH');
    });

    test('payload edited after signing → SIGNATURE_MISMATCH', async () => {
      await legacyCase((t) => {
        const s = signed(payloadFor(t.repo, t.digest));
        return { payload: payloadFor(t.repo, t.digest, undefined, { env: 'prod' }), annotations: s.annotations };
      }, 'SIGNATURE_MISMATCH');
    });

    test('signed with an untrusted key → SIGNATURE_MISMATCH', async () => {
      await legacyCase((t) => signed(payloadFor(t.repo, t.digest), mallory.privateKey), 'SIGNATURE_MISMATCH');
    });

    test('truncated signature → SIGNATURE_MALFORMED', async () => {
      await legacyCase((t) => {
        const payload = payloadFor(t.repo, t.digest);
        return { payload, annotations: { [SIG_ANN]: sign('sha256', payload, alice.privateKey).subarray(0, 40).toString('base64') } };
      }, 'SIGNATURE_MALFORMED');
    });

    test('no signature annotation, or one that is not base64 → SIGNATURE_MALFORMED', async () => {
      await legacyCase((t) => ({ payload: payloadFor(t.repo, t.digest), annotations: {} }), 'SIGNATURE_MALFORMED');
      await legacyCase((t) => ({ payload: payloadFor(t.repo, t.digest), annotations: { [SIG_ANN]: 'not base64!' } }), 'SIGNATURE_MALFORMED');
    });

    test('a signed payload that is not JSON → PAYLOAD_MALFORMED', async () => {
      await legacyCase(() => signed(Buffer.from('not json')), 'PAYLOAD_MALFORMED');
    });

    test('the key is outside its validity window → KEY_NOT_VALID', async () => {
      const t = await freshImage();
      await pushTagImage(t.repo, `sha256-${hexOf(t.digest)}.sig`, [signed(payloadFor(t.repo, t.digest))]);
      const expired: TrustedKey = { ...alice.trusted, notAfter: new Date('2020-01-01T00:00:00Z') };
      const rejected = await rejectedOf(verifyImage({ image: `${t.repo}:1`, keys: [expired], registry: client }));
      assert.deepEqual(rejected.map((r) => r.code), ['KEY_NOT_VALID']);
      const later: TrustedKey = { ...alice.trusted, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2020-12-31T00:00:00Z') };
      const v = await verifyImage({ image: `${t.repo}:1`, keys: [later], registry: client, now: new Date('2020-06-01T00:00:00Z') });
      assert.equal(v.verified.length, 1);
    });

    test('a required annotation is missing → ANNOTATION_MISMATCH', async () => {
      const t = await freshImage();
      await pushTagImage(t.repo, `sha256-${hexOf(t.digest)}.sig`, [signed(payloadFor(t.repo, t.digest, undefined, { env: 'dev' }))]);
      const rejected = await rejectedOf(verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], annotations: { env: 'prod' }, registry: client }));
      assert.deepEqual(rejected.map((r) => r.code), ['ANNOTATION_MISMATCH']);
    });

    test("another repository in docker-reference: accepted as cosign does; REFERENCE_MISMATCH when asked to check", async () => {
      const t = await freshImage();
      await pushTagImage(t.repo, `sha256-${hexOf(t.digest)}.sig`, [signed(payloadFor('index.docker.io/someone/else', t.digest))]);
      const v = await verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client });
      assert.equal(v.verified.length, 1);
      const rejected = await rejectedOf(verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client, checkReference: true }));
      assert.deepEqual(rejected.map((r) => r.code), ['REFERENCE_MISMATCH']);
    });

    test('one good signature among forged ones: verification passes and lists the forged ones', async () => {
      const t = await freshImage();
      await pushTagImage(t.repo, `sha256-${hexOf(t.digest)}.sig`, [
        signed(payloadFor(t.repo, t.digest), mallory.privateKey),
        signed(payloadFor(t.repo, t.digest)),
        signed(payloadFor(t.repo, `sha256:${'b'.repeat(64)}`)),
      ]);
      const v = await verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client });
      assert.equal(v.verified.length, 1);
      assert.match(v.verified[0]!.location, /layer 1$/);
      assert.deepEqual(v.rejected.map((r) => r.code), ['SIGNATURE_MISMATCH', 'DIGEST_MISMATCH']);
    });
  });

  describe('Sigstore bundle referrers', () => {
    async function bundleCase(make: (t: { repo: string; digest: string; size: number }) => Buffer, code: string, annotations?: Record<string, string>): Promise<void> {
      const t = await freshImage();
      await pushBundle(t, make(t), annotations);
      const rejected = await rejectedOf(verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client }));
      assert.deepEqual(rejected.map((r) => [r.form, r.code]), [['bundle', code]], JSON.stringify(rejected));
    }
    const signedBundle = (payloadType: string, st: Buffer, by = alice.privateKey) => dsseBundle(payloadType, st, sign('sha256', paeOf(payloadType, st), by));

    test('a genuine hand-written bundle verifies (the control case)', async () => {
      const t = await freshImage();
      await pushBundle(t, signedBundle(INTOTO, statementFor(t.digest, 'https://sigstore.dev/cosign/sign/v1')));
      const v = await verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client });
      assert.deepEqual(v.verified.map((s) => s.form), ['bundle']);
    });

    test('statement about another digest → DIGEST_MISMATCH', async () => {
      await bundleCase(() => signedBundle(INTOTO, statementFor(`sha256:${'c'.repeat(64)}`, 'https://sigstore.dev/cosign/sign/v1')), 'DIGEST_MISMATCH');
    });

    test('payloadType other than in-toto → PAYLOAD_TYPE_MISMATCH', async () => {
      await bundleCase((t) => signedBundle('application/json', statementFor(t.digest, 'https://sigstore.dev/cosign/sign/v1')), 'PAYLOAD_TYPE_MISMATCH');
    });

    test('envelope payload edited after signing → SIGNATURE_MISMATCH', async () => {
      await bundleCase((t) => {
        const st = statementFor(t.digest, 'https://sigstore.dev/cosign/sign/v1');
        return dsseBundle(INTOTO, statementFor(t.digest, 'https://sigstore.dev/cosign/sign/v2'), sign('sha256', paeOf(INTOTO, st), alice.privateKey));
      }, 'SIGNATURE_MISMATCH');
    });

    test('signature over the bare payload instead of the PAE → SIGNATURE_MISMATCH', async () => {
      await bundleCase((t) => {
        const st = statementFor(t.digest, 'https://sigstore.dev/cosign/sign/v1');
        return dsseBundle(INTOTO, st, sign('sha256', st, alice.privateKey));
      }, 'SIGNATURE_MISMATCH');
    });

    test('untrusted key → SIGNATURE_MISMATCH', async () => {
      await bundleCase((t) => signedBundle(INTOTO, statementFor(t.digest, 'https://sigstore.dev/cosign/sign/v1'), mallory.privateKey), 'SIGNATURE_MISMATCH');
    });

    test('predicate that is not an image signature, unannounced → WRONG_TYPE', async () => {
      await bundleCase((t) => signedBundle(INTOTO, statementFor(t.digest, 'https://example.com/other/v1')), 'WRONG_TYPE');
    });

    test('tampered bundle blob → BLOB_DIGEST_MISMATCH', async () => {
      const t = await freshImage();
      const bundle = signedBundle(INTOTO, statementFor(t.digest, 'https://sigstore.dev/cosign/sign/v1'));
      await pushBundle(t, bundle);
      const file = reg.blobPath(sha(bundle));
      const bytes = Buffer.from(readFileSync(file));
      bytes[bytes.length - 3] = 0x20;
      writeFileSync(file, bytes);
      const rejected = await rejectedOf(verifyImage({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client }));
      assert.deepEqual(rejected.map((r) => r.code), ['BLOB_DIGEST_MISMATCH']);
    });

    test('not a bundle → BUNDLE_MALFORMED; a keyless (certificate) bundle → UNSUPPORTED_BUNDLE', async () => {
      await bundleCase(() => Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{}}'), 'BUNDLE_MALFORMED');
      await bundleCase(() => readFileSync(shared('interop', 'sigstore-bundles', 'cosign-oci-attestation.sigstore.json')), 'UNSUPPORTED_BUNDLE');
    });
  });

  describe('attestations', () => {
    async function attCase(make: (t: { repo: string; digest: string }) => Buffer, code: string): Promise<void> {
      const t = await freshImage();
      await pushTagImage(t.repo, `sha256-${hexOf(t.digest)}.att`, [
        { payload: make(t), mediaType: 'application/vnd.dsse.envelope.v1+json', annotations: { [SIG_ANN]: '', predicateType: 'https://cosign.sigstore.dev/attestation/v1' } },
      ]);
      const rejected = await rejectedOf(verifyAttestations({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client }), 'NO_MATCHING_ATTESTATIONS');
      assert.deepEqual(rejected.map((r) => r.code), [code], JSON.stringify(rejected));
    }
    const envelope = (type: string, st: Buffer, sig: Buffer) => Buffer.from(JSON.stringify({ payloadType: type, payload: st.toString('base64'), signatures: [{ keyid: '', sig: sig.toString('base64') }] }));
    const custom = 'https://cosign.sigstore.dev/attestation/v1';

    test('control: a hand-written cosign attestation verifies with --type custom', async () => {
      const t = await freshImage();
      const st = statementFor(t.digest, custom);
      await pushTagImage(t.repo, `sha256-${hexOf(t.digest)}.att`, [
        { payload: envelope(INTOTO, st, sign('sha256', paeOf(INTOTO, st), alice.privateKey)), mediaType: 'application/vnd.dsse.envelope.v1+json', annotations: { [SIG_ANN]: '', predicateType: custom } },
      ]);
      const v = await verifyAttestations({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client, type: 'custom' });
      assert.equal(v.verified.length, 1);
    });

    test('statement about another image → DIGEST_MISMATCH', async () => {
      await attCase(() => {
        const st = statementFor(`sha256:${'d'.repeat(64)}`, custom);
        return envelope(INTOTO, st, sign('sha256', paeOf(INTOTO, st), alice.privateKey));
      }, 'DIGEST_MISMATCH');
    });

    test('wrong payloadType → PAYLOAD_TYPE_MISMATCH', async () => {
      await attCase((t) => {
        const st = statementFor(t.digest, custom);
        return envelope('text/plain', st, sign('sha256', paeOf('text/plain', st), alice.privateKey));
      }, 'PAYLOAD_TYPE_MISMATCH');
    });

    test('statement edited after signing → SIGNATURE_MISMATCH; other predicate type → PREDICATE_TYPE_MISMATCH', async () => {
      await attCase((t) => envelope(INTOTO, statementFor(t.digest, custom), sign('sha256', paeOf(INTOTO, statementFor(t.digest, 'x:y')), alice.privateKey)), 'SIGNATURE_MISMATCH');
      await attCase((t) => {
        const st = statementFor(t.digest, 'https://slsa.dev/provenance/v1');
        return envelope(INTOTO, st, sign('sha256', paeOf(INTOTO, st), alice.privateKey));
      }, 'PREDICATE_TYPE_MISMATCH');
    });

    test('no attestation at all → NO_ATTESTATIONS', async () => {
      const t = await freshImage();
      await assert.rejects(verifyAttestations({ image: `${t.repo}:1`, keys: [alice.trusted], registry: client }), (e: unknown) => e instanceof SignError && e.code === 'NO_ATTESTATIONS');
    });
  });
});
