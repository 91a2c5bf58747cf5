/**
 * Connaisseur's real cosign signatures (interop/cosign-signatures/connaisseur-testimage: signature manifests,
 * payloads and public keys captured from Docker Hub, with the expected outcome of each key in signatures.json),
 * rebuilt byte for byte in a local distribution 2.8 registry and in a `cosign save`-style OCI layout, then verified
 * with Tollgate. The config blobs of the signature images were not captured; they are rebuilt here from cosign's
 * format and accepted only because they hash to the digests the captured manifests name.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseReference, RegistryClient } from '../../src/oci/index.js';
import { NoMatchingSignaturesError, verifyImage, type TrustedKey } from '../../src/sign/index.js';
import { SignError } from '../../src/core/index.js';
import { shared } from '../support/paths.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const dir = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
interface Index {
  images: { manifest: string; digest?: string; signature_tag?: string }[];
  signatures: { sig_manifest: string; layer: number; payload: string; verifies_with: string[]; fails_with?: string[]; keyless?: unknown }[];
}
const index = JSON.parse(readFileSync(path.join(dir, 'signatures.json'), 'utf8')) as Index;
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const key = (rel: string): TrustedKey => ({ key: createPublicKey(readFileSync(path.join(dir, rel))), source: rel });
const KEYS = ['keys/alice.pub', 'keys/bob.pub', 'keys/charlie.pub', 'keys/default.pub'];

interface SigManifest {
  config: { digest: string; size: number };
  layers: { digest: string; size: number; annotations: Record<string, string> }[];
}

/** The signature image's config: go-containerregistry's empty image config plus one diff_id and history entry per layer. */
function rebuildConfig(m: SigManifest): Buffer {
  const ids = m.layers.map((l) => l.digest);
  const config = Buffer.from(
    JSON.stringify({ architecture: '', created: '0001-01-01T00:00:00Z', history: ids.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '', rootfs: { type: 'layers', diff_ids: ids }, config: {} }),
  );
  assert.equal(sha(config), m.config.digest, 'the rebuilt config hashes to the digest in the captured manifest');
  assert.equal(config.length, m.config.size);
  return config;
}

function blobOf(digest: string): Buffer {
  const bytes = readFileSync(path.join(dir, 'blobs', `${digest.replace(':', '_')}.json`));
  assert.equal(sha(bytes), digest);
  return bytes;
}

function signedImages(): { digest: string; tag: string; manifestFile: string; sigFile: string }[] {
  return index.images
    .filter((i) => i.digest && i.signature_tag)
    .map((i) => ({ digest: i.digest!, tag: i.signature_tag!, manifestFile: i.manifest, sigFile: `manifests/${i.signature_tag}.json` }));
}

async function expectNoMatch(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof NoMatchingSignaturesError, String(e));
    return e.result.rejected.map((r) => r.code);
  }
  assert.fail('verification succeeded');
}

describe("Connaisseur's real cosign signatures", () => {
  let reg: TestRegistry;
  let client: RegistryClient;
  let tmp: string;
  let repo: string;

  before(async () => {
    reg = await startRegistry({ auth: 'none' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-connaisseur-'));
    client = new RegistryClient({ dockerConfigDir: path.join(tmp, 'none') });
    repo = `${reg.host}/securesystemsengineering/testimage`;
    const ref = parseReference(repo);
    for (const img of signedImages()) {
      const bytes = readFileSync(path.join(dir, img.sigFile));
      const m = JSON.parse(bytes.toString()) as SigManifest;
      await client.pushBlob(ref, rebuildConfig(m));
      for (const l of m.layers) await client.pushBlob(ref, blobOf(l.digest));
      // The captured manifest, byte for byte, under cosign's tag.
      await client.putManifest(ref, img.tag, bytes, 'application/vnd.oci.image.manifest.v1+json');
    }
  });
  after(async () => {
    await client?.close();
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  // Every key-based signature with every key: the documented key verifies it, the others do not.
  for (const s of index.signatures.filter((x) => !x.keyless)) {
    const image = signedImages().find((i) => i.sigFile === s.sig_manifest)!;
    test(`${image.digest.slice(0, 19)}… layer ${s.layer}: verifies with ${s.verifies_with.join(', ')}, with no other key`, async () => {
      for (const k of KEYS) {
        const p = verifyImage({ image: `${repo}@${image.digest}`, keys: [key(k)], registry: client });
        if (s.verifies_with.includes(k)) {
          const v = await p;
          assert.ok(v.verified.some((x) => x.location.endsWith(`layer ${s.layer}`) && x.key === k));
          assert.equal(v.verified[0]!.payload.critical.identity['docker-reference'], 'index.docker.io/securesystemsengineering/testimage');
        } else {
          const layers = (JSON.parse(readFileSync(path.join(dir, s.sig_manifest), 'utf8')) as SigManifest).layers.length;
          const others = index.signatures.filter((x) => x.sig_manifest === s.sig_manifest && x.verifies_with.includes(k));
          if (others.length === 0) assert.deepEqual(await expectNoMatch(p), Array(layers).fill('SIGNATURE_MISMATCH'), k);
          else await p; // another layer of the same image is signed by this key
        }
      }
    });
  }

  test('alice, bob and charlie together: each of the three layers verifies with its own key', async () => {
    const v = await verifyImage({
      image: `${repo}@sha256:bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533`,
      keys: KEYS.map(key),
      registry: client,
    });
    const expected = index.signatures.filter((s) => s.sig_manifest.includes('bfec161f')).map((s) => [`layer ${s.layer}`, s.verifies_with[0]]);
    assert.deepEqual(v.verified.map((x) => [x.location.slice(x.location.lastIndexOf('layer')), x.key]), expected);
    assert.deepEqual(v.rejected, []);
  });

  test("negative check: bfec…'s valid signatures do not verify image 071b… (DIGEST_MISMATCH)", async () => {
    const other = `${reg.host}/copied/testimage`;
    const ref = parseReference(other);
    const bytes = readFileSync(path.join(dir, 'manifests/sha256-bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533.sig.json'));
    const m = JSON.parse(bytes.toString()) as SigManifest;
    await client.pushBlob(ref, rebuildConfig(m));
    for (const l of m.layers) await client.pushBlob(ref, blobOf(l.digest));
    await client.putManifest(ref, 'sha256-071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81.sig', bytes, 'application/vnd.oci.image.manifest.v1+json');
    const codes = await expectNoMatch(verifyImage({ image: `${other}@sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81`, keys: [key('keys/alice.pub')], registry: client }));
    assert.deepEqual(codes, ['DIGEST_MISMATCH', 'SIGNATURE_MISMATCH', 'SIGNATURE_MISMATCH']);
  });

  test('the keyless signature (Fulcio certificate) verifies with none of the keys', async () => {
    const codes = await expectNoMatch(
      verifyImage({ image: `${repo}@sha256:31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee`, keys: KEYS.map(key), registry: client }),
    );
    assert.deepEqual(codes, ['SIGNATURE_MISMATCH']);
  });

  test("docker-reference names Docker Hub: accepted as cosign does, REFERENCE_MISMATCH when the repository is checked", async () => {
    const image = `${repo}@sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81`;
    assert.equal((await verifyImage({ image, keys: [key('keys/alice.pub')], registry: client })).verified.length, 1);
    assert.deepEqual(await expectNoMatch(verifyImage({ image, keys: [key('keys/alice.pub')], registry: client, checkReference: true })), ['REFERENCE_MISMATCH']);
  });

  test("the unsigned image (co-unsigned.json, '{}' placeholder) has no signatures", async () => {
    const placeholder = readFileSync(path.join(dir, 'manifests/co-unsigned.json'));
    await assert.rejects(
      verifyImage({ image: `${repo}@${sha(placeholder)}`, keys: KEYS.map(key), registry: client }),
      (e: unknown) => e instanceof SignError && e.code === 'NO_SIGNATURES',
    );
  });

  test("offline: a cosign save layout rebuilt from the captured files verifies with alice's key only", async () => {
    const layout = path.join(tmp, 'layout');
    await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
    await writeFile(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const put = async (b: Buffer) => writeFile(path.join(layout, 'blobs', 'sha256', sha(b).slice(7)), b);
    const imageManifest = readFileSync(path.join(dir, 'manifests/multi-cosigned-alice.json'));
    assert.equal(sha(imageManifest), 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81');
    await put(imageManifest);
    const sigBytes = readFileSync(path.join(dir, 'manifests/sha256-071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81.sig.json'));
    const m = JSON.parse(sigBytes.toString()) as SigManifest;
    await put(sigBytes);
    await put(rebuildConfig(m));
    for (const l of m.layers) await put(blobOf(l.digest));
    // cosign pkg/oci/layout: entries told apart by the "kind" annotation.
    await writeFile(
      path.join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', size: imageManifest.length, digest: sha(imageManifest), annotations: { kind: 'dev.cosignproject.cosign/image' } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: sigBytes.length, digest: sha(sigBytes), annotations: { kind: 'dev.cosignproject.cosign/sigs' } },
        ],
      }),
    );
    const v = await verifyImage({ image: `oci-dir:${layout}`, keys: [key('keys/alice.pub')] });
    assert.equal(v.digest, 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81');
    assert.equal(v.verified.length, 1);
    assert.deepEqual(await expectNoMatch(verifyImage({ image: `oci-dir:${layout}`, keys: [key('keys/bob.pub')] })), ['SIGNATURE_MISMATCH']);
  });
});
