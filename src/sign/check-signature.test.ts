import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { shared } from '../../test/support/paths.js';
import { checkSignature, isDerEcdsaSignature } from './check-signature.js';

const dir = shared('interop', 'cosign-signatures', 'connaisseur-testimage');
const index = JSON.parse(readFileSync(`${dir}/signatures.json`, 'utf8')) as {
  signatures: { sig_manifest: string; layer: number; payload: string; verifies_with: string[]; fails_with?: string[]; keyless?: unknown }[];
};
const allKeys = ['keys/alice.pub', 'keys/bob.pub', 'keys/charlie.pub', 'keys/default.pub'];

describe('signature checks', () => {
  // signatures.json lists, per real cosign signature, the key that verifies it; every other key must fail.
  for (const s of index.signatures.filter((x) => !x.keyless)) {
    test(`${s.sig_manifest.slice(10, 30)}… layer ${s.layer}: verifies with ${s.verifies_with.join(', ')} only`, () => {
      const manifest = JSON.parse(readFileSync(`${dir}/${s.sig_manifest}`, 'utf8')) as { layers: { annotations: Record<string, string> }[] };
      const sig = Buffer.from(manifest.layers[s.layer]!.annotations['dev.cosignproject.cosign/signature']!, 'base64');
      const payload = readFileSync(`${dir}/${s.payload}`);
      for (const k of allKeys) {
        const key = createPublicKey(readFileSync(`${dir}/${k}`));
        assert.equal(checkSignature(key, payload, sig), s.verifies_with.includes(k) ? 'valid' : 'invalid', k);
      }
      for (const k of s.fails_with ?? []) assert.ok(!s.verifies_with.includes(k));
      // One changed payload byte and the signature no longer verifies.
      const tampered = Buffer.from(payload);
      tampered[20] = tampered[20]! ^ 1;
      assert.equal(checkSignature(createPublicKey(readFileSync(`${dir}/${s.verifies_with[0]!}`)), tampered, sig), 'invalid');
    });
  }

  test('ECDSA: DER structure decides between malformed and invalid', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const data = Buffer.from('hello');
    const sig = sign('sha256', data, privateKey);
    assert.equal(isDerEcdsaSignature(sig), true);
    assert.equal(checkSignature(publicKey, data, sig), 'valid');
    assert.equal(checkSignature(publicKey, data, sig.subarray(0, sig.length - 1)), 'malformed');
    assert.equal(checkSignature(publicKey, data, Buffer.concat([sig, Buffer.from([0])])), 'malformed');
    assert.equal(checkSignature(publicKey, data, Buffer.alloc(0)), 'malformed');
    const flipped = Buffer.from(sig);
    flipped[10] = flipped[10]! ^ 0x01; // inside r: still DER, no longer the signature
    assert.equal(checkSignature(publicKey, data, flipped), 'invalid');
  });

  test('P-384 accepts SHA-384 (bundles) and SHA-256 (cosign tag signatures)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const data = Buffer.from('payload');
    assert.equal(checkSignature(publicKey, data, sign('sha384', data, privateKey)), 'valid');
    assert.equal(checkSignature(publicKey, data, sign('sha256', data, privateKey)), 'valid');
    assert.equal(checkSignature(publicKey, data, sign('sha1', data, privateKey)), 'invalid');
  });

  test('RSA PKCS#1 v1.5 SHA-256 and Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const data = Buffer.from('payload');
    const rs = sign('sha256', data, rsa.privateKey);
    assert.equal(checkSignature(rsa.publicKey, data, rs), 'valid');
    assert.equal(checkSignature(rsa.publicKey, Buffer.from('other'), rs), 'invalid');
    assert.equal(checkSignature(rsa.publicKey, data, rs.subarray(1)), 'malformed');
    const ed = generateKeyPairSync('ed25519');
    const es = sign(null, data, ed.privateKey);
    assert.equal(checkSignature(ed.publicKey, data, es), 'valid');
    assert.equal(checkSignature(ed.publicKey, Buffer.from('other'), es), 'invalid');
    assert.equal(checkSignature(ed.publicKey, data, es.subarray(0, 63)), 'malformed');
  });
});
