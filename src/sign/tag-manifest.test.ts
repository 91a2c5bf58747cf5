import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SignError } from '../core/index.js';
import { shared } from '../../test/support/paths.js';
import { appendSignatureLayers, attestationTag, MAX_SIGNATURE_LAYERS, referrersTag, signatureLayers, signatureTag } from './tag-manifest.js';

const dir = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface UpstreamManifest {
  config: { mediaType: string; size: number; digest: string };
  layers: { mediaType: string; size: number; digest: string; annotations: Record<string, string> }[];
}

function upstream(name: string): UpstreamManifest {
  return JSON.parse(readFileSync(`${dir}/manifests/${name}`, 'utf8')) as UpstreamManifest;
}

function payloadOf(digest: string): Buffer {
  return readFileSync(`${dir}/blobs/${digest.replace(':', '_')}.json`);
}

describe("cosign's tag-based signature images", () => {
  test('tag names (cosign pkg/oci/remote normalize)', () => {
    const d = 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81';
    assert.equal(signatureTag(d), 'sha256-071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81.sig');
    assert.equal(attestationTag(d), 'sha256-071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81.att');
    assert.equal(referrersTag(d), 'sha256-071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81');
  });

  // The config blobs of Connaisseur's real signature images are not in the capture, but their digests and sizes are
  // in the manifests: appending the same layers must give exactly those bytes.
  for (const name of [
    'sha256-071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81.sig.json',
    'sha256-31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee.sig.json',
    'sha256-bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533.sig.json',
  ]) {
    test(`rebuilds ${name.slice(0, 20)}… layer by layer, as cosign appended them`, () => {
      const want = upstream(name);
      let current: { manifest: Buffer; config: Buffer } | undefined;
      for (const layer of want.layers) {
        const next = appendSignatureLayers(current, [{ payload: payloadOf(layer.digest), mediaType: layer.mediaType, annotations: layer.annotations }], 'test');
        current = { manifest: next.manifest, config: next.config };
      }
      const got = JSON.parse(current!.manifest.toString('utf8')) as UpstreamManifest;
      assert.deepEqual(got, JSON.parse(readFileSync(`${dir}/manifests/${name}`, 'utf8')));
      assert.equal(sha(current!.config), want.config.digest);
      assert.equal(current!.config.length, want.config.size);
    });
  }

  test('the layers are read back with their annotations', () => {
    const bytes = readFileSync(`${dir}/manifests/sha256-bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533.sig.json`);
    const layers = signatureLayers(bytes, undefined, 'test');
    assert.equal(layers.length, 3);
    assert.match(layers[2]!.annotations!['dev.cosignproject.cosign/signature']!, /^MEYCIQCk5Y4W/);
    assert.throws(() => signatureLayers(Buffer.from('{"schemaVersion":2,"manifests":[]}'), undefined, 't'), (e: unknown) => e instanceof SignError && e.code === 'PAYLOAD_MALFORMED');
    assert.throws(() => signatureLayers(Buffer.from('nope'), undefined, 't'), (e: unknown) => e instanceof SignError && e.code === 'PAYLOAD_MALFORMED');
  });

  test(`refuses more than cosign's ${MAX_SIGNATURE_LAYERS} layers`, () => {
    const layer = { payload: Buffer.from('{}'), mediaType: 'x', annotations: {} };
    const full = appendSignatureLayers(undefined, Array.from({ length: MAX_SIGNATURE_LAYERS }, () => layer), 't');
    assert.throws(
      () => appendSignatureLayers({ manifest: full.manifest, config: full.config }, [layer], 't'),
      (e: unknown) => e instanceof SignError && e.code === 'TOO_MANY_SIGNATURES',
    );
  });
});
