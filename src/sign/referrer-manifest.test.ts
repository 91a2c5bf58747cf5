import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SignError } from '../core/index.js';
import { shared } from '../../test/support/paths.js';
import { checkEnvelope, pae } from './dsse.js';
import { parseStatement } from './in-toto.js';
import { addToReferrersIndex, buildBundleReferrer, referrersFromIndex } from './referrer-manifest.js';
import { buildDsseBundle, parseBundle } from './sigstore-bundle.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha('image'), size: 5 };

describe('Sigstore bundle referrers', () => {
  test("the referrer manifest has cosign's shape (WriteReferrer / WriteAttestationNewBundleFormat)", () => {
    const bundle = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
    const r = buildBundleReferrer({ bundle, subject, predicateType: 'https://sigstore.dev/cosign/sign/v1', created: new Date('2025-01-02T03:04:05.678Z') });
    const m = JSON.parse(r.manifest.toString()) as Record<string, unknown>;
    assert.equal(r.digest, sha(r.manifest));
    assert.deepEqual(Object.keys(m), ['schemaVersion', 'mediaType', 'config', 'layers', 'annotations', 'subject', 'artifactType']);
    assert.equal(m.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    // The empty descriptor of image-spec manifest.md ("Guidance for an Empty Descriptor").
    assert.deepEqual(m.config, {
      mediaType: 'application/vnd.oci.empty.v1+json',
      size: 2,
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    });
    assert.deepEqual(m.layers, [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', size: bundle.length, digest: sha(bundle) }]);
    assert.deepEqual(m.subject, { mediaType: subject.mediaType, size: 5, digest: subject.digest });
    assert.deepEqual(m.annotations, {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
      'org.opencontainers.image.created': '2025-01-02T03:04:05Z',
    });
    assert.deepEqual(r.blobs[0], Buffer.from('{}'));
  });

  test('the referrers fallback index: added once, sorted by digest (go-containerregistry)', () => {
    const d = (c: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${c.repeat(64)}`, size: 10, artifactType: 'a/b' });
    const one = addToReferrersIndex(undefined, d('b'), 't')!;
    const two = addToReferrersIndex(one, d('a'), 't')!;
    assert.equal(addToReferrersIndex(two, d('b'), 't'), undefined);
    const listed = referrersFromIndex(two, 't');
    assert.deepEqual(listed.map((x) => x.digest), [d('a').digest, d('b').digest]);
    assert.equal(listed[0]!.artifactType, 'a/b');
    assert.equal((JSON.parse(two.toString()) as { mediaType: string }).mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.throws(() => addToReferrersIndex(Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}'), d('c'), 't'), SignError);
  });

  test('a key-signed DSSE bundle: built, validated by @sigstore/bundle, read back', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p","predicate":{}}');
    const sig = sign('sha256', pae('application/vnd.in-toto+json', payload), privateKey);
    const bytes = buildDsseBundle({ payloadType: 'application/vnd.in-toto+json', payload, signatures: [{ keyid: '', sig }] }, publicKey);
    const json = JSON.parse(bytes.toString()) as { mediaType: string; verificationMaterial: { publicKey: { hint: string } }; dsseEnvelope: { signatures: Record<string, string>[] } };
    assert.equal(json.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(json.verificationMaterial.publicKey.hint, createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
    assert.deepEqual(Object.keys(json.dsseEnvelope.signatures[0]!), ['sig']);
    const parsed = parseBundle(bytes);
    assert.equal(parsed.material, 'publicKey');
    assert.equal(parsed.tlogEntries, 0);
    assert.equal(checkEnvelope(parsed.envelope!, publicKey), 'valid');
    for (const bad of ['{}', '[]', 'x', '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}']) {
      assert.throws(() => parseBundle(Buffer.from(bad)), (e: unknown) => e instanceof SignError && e.code === 'BUNDLE_MALFORMED', bad);
    }
  });

  test("reads the bundle cosign attached as an OCI referrer in its own tests (keyless, certificate material)", () => {
    // sigstore-bundles/index.json: DSSE, in-toto v0.1, predicate cosign custom, subject 127.0.0.1:60943/repo sha256:7321…
    const b = parseBundle(readFileSync(shared('interop', 'sigstore-bundles', 'cosign-oci-attestation.sigstore.json')));
    assert.equal(b.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(b.material, 'certificate');
    assert.equal(b.tlogEntries, 1);
    const st = parseStatement(b.envelope!.payload);
    assert.equal(st.predicateType, 'https://cosign.sigstore.dev/attestation/v1');
    assert.deepEqual(st.subject[0], { name: '127.0.0.1:60943/repo', digest: { sha256: '732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4' } });
  });
});
