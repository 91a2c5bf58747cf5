/**
 * Air-gapped verification: a signed and attested multi-arch image is saved from one registry into an OCI layout
 * (cosign save's layout), verified from the layout with no registry at all, then loaded into a second registry
 * (token auth) where the same signatures verify again.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignError } from '../../src/core/index.js';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { attestImage, loadImage, NoMatchingSignaturesError, saveImage, signImage, verifyAttestations, verifyImage, type Signer, type TrustedKey } from '../../src/sign/index.js';
import { buildImage, buildIndex, buildLayer, makeTar } from '../support/image-builder.js';
import { pushImage } from '../support/push.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer: Signer = { algorithm: 'ecdsa-p256-sha256', description: 'k', publicKey: async () => publicKey, sign: async (d) => sign('sha256', d, privateKey) };
const trusted: TrustedKey = { key: publicKey, source: 'k.pub' };

describe('save → verify offline → load', () => {
  let source: TestRegistry;
  let target: TestRegistry;
  let tmp: string;
  let from: RegistryClient;
  let to: RegistryClient;
  let indexDigest: string;
  let children: string[];
  let layerDigests: string[];

  before(async () => {
    [source, target] = await Promise.all([startRegistry({ auth: 'basic' }), startRegistry({ auth: 'token' })]);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-offline-'));
    from = new RegistryClient({ credentials: { username: source.username!, password: source.password! }, caFile: source.caFile!, dockerConfigDir: tmp });
    to = new RegistryClient({ credentials: { username: target.username!, password: target.password! }, caFile: target.caFile!, dockerConfigDir: tmp });
    const amd = buildImage([await buildLayer(await makeTar([{ path: 'a', content: 'amd\n' }]))]);
    const arm = buildImage([await buildLayer(await makeTar([{ path: 'b', content: 'arm\n' }]), 'zstd')], { platform: { os: 'linux', architecture: 'arm64' } });
    const index = buildIndex([amd, arm]);
    indexDigest = index.digest;
    children = [amd.manifestDigest, arm.manifestDigest];
    layerDigests = [...amd.layers, ...arm.layers].map((l) => l.digest);
    await pushImage(from, `${source.host}/prod/app:2.0`, { index });
    await signImage({ image: `${source.host}/prod/app@${indexDigest}`, signer, registry: from, recursive: true });
    await attestImage({ image: `${source.host}/prod/app@${indexDigest}`, signer, type: 'cyclonedx', predicate: Buffer.from('{"bomFormat":"CycloneDX","specVersion":"1.5"}'), registry: from });
  });
  after(async () => {
    await from?.close();
    await to?.close();
    await source?.stop();
    await target?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('save writes a cosign-style layout with every platform, signature and referrer', async () => {
    const dir = path.join(tmp, 'saved');
    const r = await saveImage({ image: `${source.host}/prod/app:2.0`, dir, registry: from });
    assert.equal(r.digest, indexDigest);
    assert.equal(r.signatureImages, 3); // the index and both platform images (signed recursively)
    assert.equal(r.attestationImages, 1);
    assert.equal(r.referrers, 4); // a signature bundle per manifest + the attestation bundle
    const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    const byKind = (k: string) => index.manifests.filter((m) => m.annotations.kind === k);
    assert.deepEqual(byKind('dev.cosignproject.cosign/imageIndex').map((m) => m.digest), [indexDigest]);
    assert.equal(byKind('dev.cosignproject.cosign/sigs').length, 1);
    assert.equal(byKind('dev.cosignproject.cosign/atts').length, 1);
    assert.equal(byKind('dev.cosignproject.cosign/image').length, 0);
    for (const c of children) assert.ok(index.manifests.some((m) => m.annotations['org.opencontainers.image.ref.name'] === `sha256-${c.slice(7)}.sig`));
    const blobs = new Set(await readdir(path.join(dir, 'blobs', 'sha256')));
    for (const d of [indexDigest, ...children, ...layerDigests]) assert.ok(blobs.has(d.slice(7)), d);
  });

  test('verify and verify-attestation read the layout without any registry', async () => {
    const dir = path.join(tmp, 'saved');
    const v = await verifyImage({ image: `oci-dir:${dir}`, keys: [trusted] });
    assert.equal(v.digest, indexDigest);
    assert.deepEqual(v.verified.map((s) => s.form).sort(), ['bundle', 'legacy']);
    const a = await verifyAttestations({ image: `oci-dir:${dir}`, keys: [trusted], type: 'cyclonedx' });
    assert.deepEqual(a.verified.map((s) => s.form), ['legacy', 'bundle']);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    await assert.rejects(verifyImage({ image: `oci-dir:${dir}`, keys: [{ key: other, source: 'other.pub' }] }), (e: unknown) => e instanceof SignError && e.code === 'NO_MATCHING_SIGNATURES');
  });

  test('a tampered payload in the layout is caught (BLOB_DIGEST_MISMATCH)', async () => {
    const dir = path.join(tmp, 'tampered');
    await saveImage({ image: `${source.host}/prod/app@${indexDigest}`, dir, registry: from });
    const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    const sigs = index.manifests.find((m) => m.annotations.kind === 'dev.cosignproject.cosign/sigs')!;
    const sigManifest = JSON.parse(readFileSync(path.join(dir, 'blobs', 'sha256', sigs.digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
    const file = path.join(dir, 'blobs', 'sha256', sigManifest.layers[0]!.digest.slice(7));
    writeFileSync(file, readFileSync(file, 'utf8').replace(indexDigest.slice(7, 15), children[0]!.slice(7, 15)));
    const v = await verifyImage({ image: `oci-dir:${dir}`, keys: [trusted] });
    assert.deepEqual(v.verified.map((s) => s.form), ['bundle']);
    assert.deepEqual(v.rejected.map((r) => r.code), ['BLOB_DIGEST_MISMATCH']);
  });

  test('load pushes it all to another registry, where it verifies again', async () => {
    const dir = path.join(tmp, 'saved');
    const r = await loadImage({ dir, image: `${target.host}/mirror/app:2.0`, registry: to });
    assert.equal(r.digest, indexDigest);
    assert.ok(r.tags.includes('2.0'));
    assert.ok(r.tags.includes(`sha256-${indexDigest.slice(7)}.sig`));
    const v = await verifyImage({ image: `${target.host}/mirror/app:2.0`, keys: [trusted], registry: to });
    assert.deepEqual(v.verified.map((s) => s.form).sort(), ['bundle', 'legacy']);
    for (const c of children) {
      const vc = await verifyImage({ image: `${target.host}/mirror/app@${c}`, keys: [trusted], registry: to });
      assert.deepEqual(vc.verified.map((s) => s.form).sort(), ['bundle', 'legacy']);
    }
    const a = await verifyAttestations({ image: `${target.host}/mirror/app:2.0`, keys: [trusted], type: 'cyclonedx', registry: to });
    assert.equal(a.verified.length, 2);
    // The layers came along: the image itself is complete in the new registry.
    for (const d of layerDigests) assert.ok(await to.blobExists(parseReference(`${target.host}/mirror/app`), d));
    // Loading twice changes nothing (referrers are listed once).
    await loadImage({ dir, image: `${target.host}/mirror/app:2.0`, registry: to });
    const idx = JSON.parse((await to.getManifest(parseReference(`${target.host}/mirror/app`), `sha256-${indexDigest.slice(7)}`)).bytes.toString()) as { manifests: unknown[] };
    assert.equal(idx.manifests.length, 2);
    await assert.rejects(
      verifyImage({ image: `${target.host}/mirror/app:2.0`, keys: [trusted], registry: to, annotations: { missing: 'x' } }),
      (e: unknown) => e instanceof NoMatchingSignaturesError && e.result.rejected.every((x) => x.code === 'ANNOTATION_MISMATCH'),
    );
  });
});
