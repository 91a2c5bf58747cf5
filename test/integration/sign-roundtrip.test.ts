/**
 * Sign → verify and attest → verify-attestation round trips against a real CNCF distribution 2.8 registry (started
 * by the harness) in its three auth variants, for a single-platform image and a multi-arch index, in both of
 * cosign's storage forms: the `sha256-<hex>.sig` / `.att` tags and Sigstore bundles attached as OCI 1.1 referrers
 * (through the `sha256-<hex>` referrers tag, as distribution 2.8 has no referrers API). What is stored is checked
 * against cosign's formats read straight from the registry, not through the code under test.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignError } from '../../src/core/index.js';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { attestImage, signImage, verifyAttestations, verifyImage, type Signer, type TrustedKey } from '../../src/sign/index.js';
import { buildImage, buildIndex, buildLayer, makeTar } from '../support/image-builder.js';
import { shared } from '../support/paths.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type RegistryAuth, type TestRegistry } from '../support/registry.js';

interface TestKey {
  signer: Signer;
  trusted: TrustedKey;
  publicKey: KeyObject;
}

function testKey(name: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    signer: { algorithm: 'ecdsa-p256-sha256', description: `${name}.key`, publicKey: async () => publicKey, sign: async (d) => sign('sha256', d, privateKey) },
    trusted: { key: publicKey, source: `${name}.pub` },
    publicKey,
  };
}

const hexOf = (d: string) => d.slice('sha256:'.length);

async function isRejected(p: Promise<unknown>, code: string): Promise<SignError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SignError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected SignError ${code}`);
}

for (const auth of ['none', 'basic', 'token'] as RegistryAuth[]) {
  describe(`sign and verify against distribution 2.8 (auth=${auth})`, () => {
    let reg: TestRegistry;
    let tmp: string;
    let client: RegistryClient;
    let appDigest: string;
    let multiDigest: string;
    let childDigests: string[];
    const alice = testKey('alice');
    const bob = testKey('bob');

    before(async () => {
      reg = await startRegistry({ auth });
      tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-sign-'));
      client = new RegistryClient({
        ...(reg.username ? { credentials: { username: reg.username, password: reg.password! } } : {}),
        ...(reg.caFile ? { caFile: reg.caFile } : {}),
        dockerConfigDir: path.join(tmp, 'no-docker-config'),
      });
      const app = buildImage([await buildLayer(await makeTar([{ path: 'etc/app.conf', content: 'x=1\n' }]))]);
      appDigest = app.manifestDigest;
      assert.equal(await pushImage(client, `${reg.host}/team/app:1.0`, { image: app }), appDigest);
      const amd = buildImage([await buildLayer(await makeTar([{ path: 'amd', content: 'amd64\n' }]))]);
      const arm = buildImage([await buildLayer(await makeTar([{ path: 'arm', content: 'arm64\n' }]))], { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
      const index = buildIndex([amd, arm]);
      multiDigest = index.digest;
      childDigests = [amd.manifestDigest, arm.manifestDigest];
      assert.equal(await pushImage(client, `${reg.host}/team/multi:1`, { index }), multiDigest);
    });
    after(async () => {
      await client?.close();
      await reg?.stop();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    test('sign by tag in both forms, stored as cosign stores them, verified', async () => {
      const warnings: string[] = [];
      const res = await signImage({
        image: `${reg.host}/team/app:1.0`,
        signer: alice.signer,
        registry: client,
        events: (e) => {
          if (e.type === 'warning') warnings.push(e.message);
        },
      });
      assert.equal(res.digest, appDigest);
      assert.deepEqual(res.signed.map((s) => [s.digest, s.form]), [[appDigest, 'legacy'], [appDigest, 'bundle']]);
      assert.match(warnings.join('\n'), new RegExp(`by tag.*${appDigest}`));

      // The .sig image, read back raw: one simple-signing layer with the base64 DER signature of the payload.
      const ref = parseReference(`${reg.host}/team/app`);
      const sigImage = await client.getManifest(ref, `sha256-${hexOf(appDigest)}.sig`);
      const m = JSON.parse(sigImage.bytes.toString()) as { mediaType: string; config: { mediaType: string }; layers: { mediaType: string; digest: string; size: number; annotations: Record<string, string> }[] };
      assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      assert.equal(m.config.mediaType, 'application/vnd.oci.image.config.v1+json');
      assert.equal(m.layers.length, 1);
      const layer = m.layers[0]!;
      assert.equal(layer.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
      const payload = await client.getBlobBytes(ref, layer.digest, 1 << 20);
      assert.deepEqual(JSON.parse(payload.toString()), {
        critical: { identity: { 'docker-reference': `${reg.host}/team/app` }, image: { 'docker-manifest-digest': appDigest }, type: 'cosign container image signature' },
        optional: null,
      });
      const sigBytes = Buffer.from(layer.annotations['dev.cosignproject.cosign/signature']!, 'base64');
      assert.ok(verify('sha256', payload, alice.publicKey, sigBytes));

      // The referrer: listed in the sha256-<hex> referrers tag with the bundle artifactType, subject = the image.
      const fallback = await client.getManifest(ref, `sha256-${hexOf(appDigest)}`);
      const idx = JSON.parse(fallback.bytes.toString()) as { manifests: { digest: string; artifactType: string }[] };
      assert.equal(idx.manifests.length, 1);
      assert.equal(idx.manifests[0]!.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
      const referrer = await client.getManifest(ref, idx.manifests[0]!.digest);
      const rm_ = JSON.parse(referrer.bytes.toString()) as { subject: { digest: string }; layers: { digest: string; mediaType: string }[]; annotations: Record<string, string> };
      assert.equal(rm_.subject.digest, appDigest);
      assert.equal(rm_.annotations['dev.sigstore.bundle.predicateType'], 'https://sigstore.dev/cosign/sign/v1');
      const bundle = JSON.parse((await client.getBlobBytes(ref, rm_.layers[0]!.digest, 1 << 20)).toString()) as {
        mediaType: string;
        dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
      };
      assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
      const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as { subject: { digest: { sha256: string } }[]; predicateType: string };
      assert.equal(statement.subject[0]!.digest.sha256, hexOf(appDigest));
      const st = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
      const paeBytes = Buffer.concat([Buffer.from(`DSSEv1 ${bundle.dsseEnvelope.payloadType.length} ${bundle.dsseEnvelope.payloadType} ${st.length} `), st]);
      assert.ok(verify('sha256', paeBytes, alice.publicKey, Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, 'base64')));

      const v = await verifyImage({ image: `${reg.host}/team/app:1.0`, keys: [alice.trusted], registry: client });
      assert.equal(v.digest, appDigest);
      assert.deepEqual(v.verified.map((s) => s.form).sort(), ['bundle', 'legacy']);
      assert.deepEqual(v.rejected, []);
      for (const s of v.verified) assert.equal(s.payload.critical.image['docker-manifest-digest'], appDigest);
      await isRejected(verifyImage({ image: `${reg.host}/team/app:1.0`, keys: [bob.trusted], registry: client }), 'NO_MATCHING_SIGNATURES');
    });

    test('signatures append; an identical one is not added twice; any trusted key verifies (rotation)', async () => {
      const image = `${reg.host}/team/app@${appDigest}`;
      const again = await signImage({ image, signer: alice.signer, registry: client, form: 'legacy' });
      assert.equal(again.signed[0]!.deduplicated, true);
      const byBob = await signImage({ image, signer: bob.signer, registry: client, form: 'legacy' });
      assert.equal(byBob.signed[0]!.deduplicated, false);
      const ref = parseReference(`${reg.host}/team/app`);
      const m = JSON.parse((await client.getManifest(ref, `sha256-${hexOf(appDigest)}.sig`)).bytes.toString()) as { layers: unknown[] };
      assert.equal(m.layers.length, 2);
      const onlyBob = await verifyImage({ image, keys: [bob.trusted], registry: client });
      assert.equal(onlyBob.verified.length, 1);
      assert.equal(onlyBob.verified[0]!.key, 'bob.pub');
      assert.deepEqual(onlyBob.rejected.map((r) => r.code), ['SIGNATURE_MISMATCH', 'SIGNATURE_MISMATCH']);
      const both = await verifyImage({ image, keys: [alice.trusted, bob.trusted], registry: client });
      assert.deepEqual(both.verified.map((s) => s.key).sort(), ['alice.pub', 'alice.pub', 'bob.pub']);
    });

    test('annotations are signed and can be required (-a k=v)', async () => {
      const carol = testKey('carol');
      await signImage({ image: `${reg.host}/team/app@${appDigest}`, signer: carol.signer, registry: client, annotations: { env: 'prod', team: 'a&b' } });
      const v = await verifyImage({ image: `${reg.host}/team/app:1.0`, keys: [carol.trusted], registry: client, annotations: { env: 'prod' } });
      assert.equal(v.verified.length, 2);
      for (const s of v.verified) assert.deepEqual(s.payload.optional, { env: 'prod', team: 'a&b' });
      const e = await isRejected(verifyImage({ image: `${reg.host}/team/app:1.0`, keys: [carol.trusted], registry: client, annotations: { env: 'dev' } }), 'NO_MATCHING_SIGNATURES');
      assert.ok(e.message.includes('ANNOTATION_MISMATCH'));
    });

    test('multi-arch: the index is signed; --recursive signs every platform image too', async () => {
      const dave = testKey('dave');
      await signImage({ image: `${reg.host}/team/multi:1`, signer: dave.signer, registry: client });
      await verifyImage({ image: `${reg.host}/team/multi:1`, keys: [dave.trusted], registry: client });
      await isRejected(verifyImage({ image: `${reg.host}/team/multi@${childDigests[1]!}`, keys: [dave.trusted], registry: client }), 'NO_SIGNATURES');
      const res = await signImage({ image: `${reg.host}/team/multi@${multiDigest}`, signer: dave.signer, registry: client, recursive: true, form: 'both' });
      assert.deepEqual([...new Set(res.signed.map((s) => s.digest))], [multiDigest, ...childDigests]);
      for (const child of childDigests) {
        const v = await verifyImage({ image: `${reg.host}/team/multi@${child}`, keys: [dave.trusted], registry: client });
        assert.deepEqual(v.verified.map((s) => s.form).sort(), ['bundle', 'legacy']);
        assert.equal(v.verified[0]!.payload.critical.image['docker-manifest-digest'], child);
      }
    });

    test('one storage form at a time', async () => {
      const erin = testKey('erin');
      const img = buildImage([await buildLayer(await makeTar([{ path: 'f', content: 'forms\n' }]))]);
      await pushImage(client, `${reg.host}/team/forms:1`, { image: img });
      await signImage({ image: `${reg.host}/team/forms@${img.manifestDigest}`, signer: erin.signer, registry: client, form: 'bundle' });
      const v1 = await verifyImage({ image: `${reg.host}/team/forms:1`, keys: [erin.trusted], registry: client });
      assert.deepEqual(v1.verified.map((s) => s.form), ['bundle']);
      assert.equal(await client.headManifest(parseReference(`${reg.host}/team/forms`), `sha256-${hexOf(img.manifestDigest)}.sig`), undefined);
      await signImage({ image: `${reg.host}/team/forms@${img.manifestDigest}`, signer: erin.signer, registry: client, form: 'bundle' });
      const ref = parseReference(`${reg.host}/team/forms`);
      const idx = JSON.parse((await client.getManifest(ref, `sha256-${hexOf(img.manifestDigest)}`)).bytes.toString()) as { manifests: { digest: string }[] };
      assert.equal(idx.manifests.length, 2);
      assert.deepEqual(idx.manifests.map((m) => m.digest), [...idx.manifests.map((m) => m.digest)].sort());
      const v2 = await verifyImage({ image: `${reg.host}/team/forms:1`, keys: [erin.trusted], registry: client });
      assert.equal(v2.verified.length, 2);
    });

    test('attest → verify-attestation, both forms, predicate types checked', async () => {
      const fred = testKey('fred');
      const provenance = JSON.parse(readFileSync(shared('interop', 'attestations', 'predicates', 'statement-slsa-provenance-v0.2.json'), 'utf8')) as { predicate: unknown };
      const predicate = Buffer.from(JSON.stringify(provenance.predicate));
      const res = await attestImage({ image: `${reg.host}/team/app:1.0`, signer: fred.signer, type: 'slsaprovenance', predicate, registry: client });
      assert.deepEqual(res.signed.map((s) => s.form), ['legacy', 'bundle']);

      const ref = parseReference(`${reg.host}/team/app`);
      const att = JSON.parse((await client.getManifest(ref, `sha256-${hexOf(appDigest)}.att`)).bytes.toString()) as { layers: { mediaType: string; digest: string; annotations: Record<string, string> }[] };
      assert.equal(att.layers[0]!.mediaType, 'application/vnd.dsse.envelope.v1+json');
      assert.deepEqual(att.layers[0]!.annotations, { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://slsa.dev/provenance/v0.2' });
      const env = JSON.parse((await client.getBlobBytes(ref, att.layers[0]!.digest, 1 << 20)).toString()) as { payload: string; payloadType: string };
      assert.equal(env.payloadType, 'application/vnd.in-toto+json');
      const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as Record<string, unknown>;
      assert.deepEqual(statement.subject, [{ name: `${reg.host}/team/app`, digest: { sha256: hexOf(appDigest) } }]);
      assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
      assert.deepEqual(statement.predicate, provenance.predicate);

      const v = await verifyAttestations({ image: `${reg.host}/team/app:1.0`, keys: [fred.trusted], type: 'slsaprovenance', registry: client });
      assert.deepEqual(v.verified.map((a) => a.form), ['legacy', 'bundle']);
      assert.equal(v.verified[0]!.statement.predicateType, 'https://slsa.dev/provenance/v0.2');
      const e = await isRejected(verifyAttestations({ image: `${reg.host}/team/app:1.0`, keys: [fred.trusted], type: 'cyclonedx', registry: client }), 'NO_MATCHING_ATTESTATIONS');
      assert.match(e.message, /PREDICATE_TYPE_MISMATCH/);
      // Image signature verification is not confused by attestation bundles, and vice versa.
      await isRejected(verifyImage({ image: `${reg.host}/team/app:1.0`, keys: [fred.trusted], registry: client }), 'NO_MATCHING_SIGNATURES');

      await attestImage({ image: `${reg.host}/team/app@${appDigest}`, signer: fred.signer, type: 'custom', predicate: Buffer.from('built on a Tuesday'), registry: client, form: 'legacy' });
      const custom = await verifyAttestations({ image: `${reg.host}/team/app:1.0`, keys: [fred.trusted], registry: client });
      assert.equal(custom.verified.length, 1);
      assert.equal((custom.verified[0]!.statement.predicate as { Data: string }).Data, 'built on a Tuesday');
      await isRejected(verifyAttestations({ image: `${reg.host}/team/multi:1`, keys: [fred.trusted], registry: client }), 'NO_ATTESTATIONS');
    });

    test('a tag that does not exist and an unsigned image are errors with codes', async () => {
      await assert.rejects(verifyImage({ image: `${reg.host}/team/app:nope`, keys: [alice.trusted], registry: client }), (e: unknown) => (e as { code?: string }).code === 'MANIFEST_UNKNOWN');
      const img = buildImage([await buildLayer(await makeTar([{ path: 'u', content: 'unsigned\n' }]))]);
      await pushImage(client, `${reg.host}/team/unsigned:1`, { image: img });
      await isRejected(verifyImage({ image: `${reg.host}/team/unsigned:1`, keys: [alice.trusted], registry: client }), 'NO_SIGNATURES');
      await isRejected(verifyImage({ image: `${reg.host}/team/unsigned:1`, keys: [], registry: client }), 'NO_TRUSTED_KEYS');
    });
  });
}
