/**
 * The legacy-form annotations against a real cosign keyless signature: Connaisseur's capture of the `.sig` image
 * cosign wrote for testimage:co-signed-keyless (interop/cosign-signatures/connaisseur-testimage). Its
 * dev.sigstore.cosign/bundle annotation is what cosign's json.Marshal produced; Tollgate must write the same bytes
 * from the same values.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Bundle, TransparencyLogEntry } from '@sigstore/bundle';
import { SignError } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import { keylessLayerAnnotations, rekorBundleJson, rfc3161Json } from './cosign-annotations.js';

const SIG_MANIFEST = path.join(
  shared('interop', 'cosign-signatures', 'connaisseur-testimage'),
  'manifests',
  'sha256-31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee.sig.json',
);
const layer = (JSON.parse(readFileSync(SIG_MANIFEST, 'utf8')) as { layers: { annotations: Record<string, string> }[] }).layers[0]!;
const real = layer.annotations;

/** The Rekor entry behind cosign's bundle annotation, as @sigstore/sign's RekorWitness returns one. */
function entryFromCosign(bundleJson: string): TransparencyLogEntry {
  const b = JSON.parse(bundleJson) as { SignedEntryTimestamp: string; Payload: { body: string; integratedTime: number; logIndex: number; logID: string } };
  return {
    logIndex: String(b.Payload.logIndex),
    logId: { keyId: Buffer.from(b.Payload.logID, 'hex') },
    kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
    integratedTime: String(b.Payload.integratedTime),
    inclusionPromise: { signedEntryTimestamp: Buffer.from(b.SignedEntryTimestamp, 'base64') },
    inclusionProof: undefined,
    canonicalizedBody: Buffer.from(b.Payload.body, 'base64'),
  };
}

test("rekorBundleJson writes cosign's RekorBundle byte for byte", () => {
  const bundleAnnotation = real['dev.sigstore.cosign/bundle']!;
  assert.equal(rekorBundleJson(entryFromCosign(bundleAnnotation), 'signature'), bundleAnnotation);
});

test('keylessLayerAnnotations: cosign annotation names and values; RFC 3161 only when there is a timestamp', () => {
  const entry = entryFromCosign(real['dev.sigstore.cosign/bundle']!);
  const bundle = { verificationMaterial: { tlogEntries: [entry], timestampVerificationData: { rfc3161Timestamps: [] } } } as unknown as Bundle;
  const sig = Buffer.from(real['dev.cosignproject.cosign/signature']!, 'base64');
  const certs = { leaf: real['dev.sigstore.cosign/certificate']!, chain: real['dev.sigstore.cosign/chain']! };
  assert.deepEqual(keylessLayerAnnotations(sig, certs, bundle, 'signature'), {
    'dev.cosignproject.cosign/signature': real['dev.cosignproject.cosign/signature'],
    'dev.sigstore.cosign/certificate': real['dev.sigstore.cosign/certificate'],
    'dev.sigstore.cosign/chain': real['dev.sigstore.cosign/chain'],
    'dev.sigstore.cosign/bundle': real['dev.sigstore.cosign/bundle'],
  });
  // An attestation layer: empty signature annotation; no chain when Fulcio sent only the leaf.
  const withTs = {
    verificationMaterial: { tlogEntries: [entry], timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]) }] } },
  } as unknown as Bundle;
  const att = keylessLayerAnnotations(undefined, { leaf: certs.leaf, chain: '' }, withTs, 'attestation');
  assert.equal(att['dev.cosignproject.cosign/signature'], '');
  assert.equal(att['dev.sigstore.cosign/chain'], undefined);
  assert.equal(att['dev.sigstore.cosign/rfc3161timestamp'], '{"SignedRFC3161Timestamp":"MAMCAQA="}');
  assert.equal(rfc3161Json(Buffer.from('abc')), '{"SignedRFC3161Timestamp":"YWJj"}');
});

test('a log entry without a signed entry timestamp, or not exactly one entry, is a signing failure', () => {
  const entry = { ...entryFromCosign(real['dev.sigstore.cosign/bundle']!), inclusionPromise: undefined };
  assert.throws(() => rekorBundleJson(entry, 'signature'), (e: unknown) => e instanceof SignError && e.code === 'SIGNING_FAILED' && /no signed entry timestamp/.test(e.message));
  const none = { verificationMaterial: { tlogEntries: [] } } as unknown as Bundle;
  assert.throws(() => keylessLayerAnnotations(undefined, { leaf: '', chain: '' }, none, 'attestation'), /expected one transparency-log entry, got 0/);
});
