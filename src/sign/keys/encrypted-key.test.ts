/**
 * cosign's encrypted key format against cosign's own key files (../shared/data/interop/cosign-keys, with the
 * outcomes documented in passwords.json / PROVENANCE.md), and our output against an independent decryption
 * written here from the format's definition (go-securesystemslib encrypted.go: scrypt → NaCl secretbox).
 *
 * The cosign binary is not installed here (and is not downloaded), so "cosign reads what Tollgate writes" is
 * checked through that independent decryption and the exact JSON shape of cosign's own files.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, scryptSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import nacl from 'tweetnacl';
import { SignError } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import { decryptPrivateKey, encryptPrivateKey, SIGSTORE_PRIVATE_KEY_PEM_TYPE } from './encrypted-key.js';
import { loadPrivateKey } from './load-keys.js';

const dir = shared('interop', 'cosign-keys');
interface Vector {
  key: string;
  pub: string;
  password: string;
  pemType: string;
  scrypt: { N: number; r: number; p: number };
  plaintext: string;
  cosignLoads: boolean;
}
const index = JSON.parse(readFileSync(`${dir}/passwords.json`, 'utf8')) as {
  keys: Vector[];
  wrongPasswordCheck: { key: string; password: string };
  other: Record<string, string>;
};

/** The format by its definition, independently of src/sign/keys: PEM → JSON → scrypt → secretbox.open. */
function specDecrypt(pem: string, password: string): { label: string; json: Record<string, unknown>; plaintext: Buffer | null } {
  const m = /^-----BEGIN ([A-Z ]+)-----\n([A-Za-z0-9+/=\n]+)\n-----END \1-----\n$/.exec(pem);
  assert.ok(m, 'a single PEM block, Go pem.EncodeToMemory layout');
  for (const line of m[2]!.split('\n').slice(0, -1)) assert.equal(line.length, 64, 'PEM lines are 64 characters');
  const json = JSON.parse(Buffer.from(m[2]!.replace(/\n/g, ''), 'base64').toString('utf8')) as {
    kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
    cipher: { name: string; nonce: string };
    ciphertext: string;
  };
  assert.equal(json.kdf.name, 'scrypt');
  assert.equal(json.cipher.name, 'nacl/secretbox');
  const { N, r, p } = json.kdf.params;
  const key = scryptSync(Buffer.from(password, 'utf8'), Buffer.from(json.kdf.salt, 'base64'), 32, { N, r, p, maxmem: 512 * 1024 * 1024 });
  const opened = nacl.secretbox.open(Buffer.from(json.ciphertext, 'base64'), Buffer.from(json.cipher.nonce, 'base64'), key);
  return { label: m[1]!, json, plaintext: opened ? Buffer.from(opened) : null };
}

describe('cosign key files from upstream (passwords.json)', () => {
  for (const v of index.keys) {
    test(`${v.key}: ${v.cosignLoads ? 'loads, signs, verifies with its .pub' : 'refused as cosign refuses it'}`, async () => {
      const pem = readFileSync(`${dir}/${v.key}`, 'utf8');
      const pub = createPublicKey(readFileSync(`${dir}/${v.pub}`));
      // The documented facts of the file itself, read independently.
      const spec = specDecrypt(pem, v.password);
      assert.equal(spec.label, v.pemType);
      assert.deepEqual((spec.json.kdf as { params: unknown }).params, v.scrypt);
      assert.ok(spec.plaintext, 'the documented password opens the box');

      const { der, info } = await decryptPrivateKey(pem, v.password, v.key);
      assert.deepEqual(der, spec.plaintext);
      assert.equal(info.pemType, v.pemType);
      assert.deepEqual(info.params, v.scrypt);

      if (v.cosignLoads) {
        assert.match(v.plaintext, /^PKCS#8 DER, ECDSA P-256/);
        const signer = await loadPrivateKey(`${dir}/${v.key}`, { password: v.password });
        assert.equal(signer.algorithm, 'ecdsa-p256-sha256');
        const data = Buffer.from(`payload for ${v.key}`);
        const sig = await signer.sign(data);
        assert.equal(sig[0], 0x30, 'an ASN.1 DER ECDSA signature');
        assert.ok(verify('sha256', data, pub, sig), 'the signature verifies with the upstream .pub');
        assert.ok(!verify('sha256', Buffer.from('other'), pub, sig));
        assert.deepEqual((await signer.publicKey()).export({ type: 'spki', format: 'der' }), pub.export({ type: 'spki', format: 'der' }));
      } else {
        // Documented: decryption succeeds, the plaintext is SEC1 (not PKCS#8), cosign's PKCS#8 parse fails.
        assert.match(v.plaintext, /^SEC1/);
        const sec1 = createPrivateKey({ key: spec.plaintext!, format: 'der', type: 'sec1' });
        assert.deepEqual(createPublicKey(sec1).export({ type: 'spki', format: 'der' }), pub.export({ type: 'spki', format: 'der' }));
        await assert.rejects(loadPrivateKey(`${dir}/${v.key}`, { password: v.password }), (e: unknown) => {
          assert.ok(e instanceof SignError);
          assert.equal(e.code, 'UNSUPPORTED_KEY');
          assert.match(e.message, /^.*cosign-labeled-sec1-ec-unsupported\.key: decrypted, but it holds a SEC1 'EC PRIVATE KEY', not the PKCS#8 key cosign requires/);
          return true;
        });
      }
    });
  }

  test(`wrong password (${index.wrongPasswordCheck.key}): WRONG_PASSWORD "incorrect password for …", nothing else`, async () => {
    const ref = `${dir}/${index.wrongPasswordCheck.key}`;
    await assert.rejects(loadPrivateKey(ref, { password: index.wrongPasswordCheck.password }), (e: unknown) => {
      assert.ok(e instanceof SignError);
      assert.equal(e.code, 'WRONG_PASSWORD');
      assert.equal(e.message, `incorrect password for ${ref}`);
      assert.equal(e.cause, undefined);
      return true;
    });
    // The empty password (cosign's default without COSIGN_PASSWORD) is just another wrong one.
    await assert.rejects(loadPrivateKey(ref, {}), { code: 'WRONG_PASSWORD' });
  });

  test('cosign-release.pub is a public key only: refused as a signing key', async () => {
    assert.ok(index.other['cosign-release.pub']);
    await assert.rejects(loadPrivateKey(`${dir}/cosign-release.pub`), (e: unknown) => {
      assert.ok(e instanceof SignError && e.code === 'UNSUPPORTED_KEY');
      assert.match(e.message, /a public key, not a private key/);
      return true;
    });
  });

  test('the password is taken lazily, only for an encrypted key', async () => {
    let asked = 0;
    const signer = await loadPrivateKey(`${dir}/sigstore-test.key`, { password: () => Promise.resolve(String(++asked && 'hello')) });
    assert.equal(asked, 1);
    assert.equal(signer.algorithm, 'ecdsa-p256-sha256');
  });
});

const newP256Pkcs8 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' });

describe('what we write is what cosign writes', () => {
  const cosignJson = JSON.parse(
    Buffer.from(readFileSync(`${dir}/sigstore-test.key`, 'utf8').split('\n').slice(1, -2).join(''), 'base64').toString('utf8'),
  ) as Record<string, unknown>;
  /** The JSON's shape: key order at every level and value types (Go's json.Marshal of go-securesystemslib's struct). */
  const shape = (v: unknown): unknown =>
    v && typeof v === 'object' ? Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, shape(x)]) : typeof v;

  for (const password of ['correct horse', '', 'pässwörd ✓']) {
    test(`an independent decryption opens our file (password ${JSON.stringify(password)})`, async () => {
      const pkcs8 = newP256Pkcs8();
      const pem = await encryptPrivateKey(pkcs8, password);
      const spec = specDecrypt(pem, password);
      assert.equal(spec.label, SIGSTORE_PRIVATE_KEY_PEM_TYPE);
      assert.deepEqual(spec.plaintext, pkcs8);
      assert.deepEqual(shape(spec.json), shape(cosignJson), 'same fields, order and types as cosign’s own file');
      assert.deepEqual((spec.json.kdf as { params: unknown }).params, { N: 32768, r: 8, p: 1 });
      const kdf = spec.json.kdf as { salt: string };
      assert.equal(Buffer.from(kdf.salt, 'base64').length, 32);
      assert.equal(Buffer.from((spec.json.cipher as { nonce: string }).nonce, 'base64').length, 24);
      assert.equal(specDecrypt(pem, `${password}x`).plaintext, null, 'another password does not open it');
    });
  }

  test('stronger scrypt parameters (cosign ≥ 2.2 writes N=65536) round-trip', async () => {
    const pkcs8 = newP256Pkcs8();
    for (const [strength, N] of [['standard', 65536], ['owasp', 131072]] as const) {
      const pem = await encryptPrivateKey(pkcs8, 'pw', { strength });
      const spec = specDecrypt(pem, 'pw');
      assert.equal((spec.json.kdf as { params: { N: number } }).params.N, N);
      assert.deepEqual((await decryptPrivateKey(pem, 'pw', 'k')).der, pkcs8);
    }
  });
});


describe('malformed and hostile files', () => {
  const wrap = (json: unknown, label = SIGSTORE_PRIVATE_KEY_PEM_TYPE) =>
    `-----BEGIN ${label}-----\n${Buffer.from(typeof json === 'string' ? json : JSON.stringify(json)).toString('base64')}\n-----END ${label}-----\n`;
  const good = () => JSON.parse(Buffer.from(readFileSync(`${dir}/sigstore-test.key`, 'utf8').split('\n').slice(1, -2).join(''), 'base64').toString()) as {
    kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
    cipher: { name: string; nonce: string };
    ciphertext: string;
  };
  const cases: [string, string, string, RegExp][] = [
    ['no PEM at all', 'hello', 'MALFORMED_KEY', /not a PEM private key \(no PEM block\)/],
    ['a PEM without END', `-----BEGIN ${SIGSTORE_PRIVATE_KEY_PEM_TYPE}-----\nAAAA\n`, 'MALFORMED_KEY', /without its END line/],
    ['a body that is not JSON', wrap('{"kdf": nope'), 'MALFORMED_KEY', /not the JSON document cosign writes$/],
    ['another KDF', wrap({ ...good(), kdf: { ...good().kdf, name: 'pbkdf2' } }), 'UNSUPPORTED_KEY', /unknown key derivation "pbkdf2"/],
    ['another cipher', wrap({ ...good(), cipher: { ...good().cipher, name: 'aes-gcm' } }), 'UNSUPPORTED_KEY', /unknown cipher "aes-gcm"/],
    // go-securesystemslib CheckParams: a file must not make us spend 2^30 · 8 · 128 bytes.
    ['huge scrypt N (DoS)', wrap({ ...good(), kdf: { ...good().kdf, params: { N: 1073741824, r: 8, p: 1 } } }), 'UNSUPPORTED_KEY', /unsupported scrypt parameters/],
    ['weak scrypt N', wrap({ ...good(), kdf: { ...good().kdf, params: { N: 1024, r: 8, p: 1 } } }), 'UNSUPPORTED_KEY', /unsupported scrypt parameters/],
    ['a short nonce', wrap({ ...good(), cipher: { ...good().cipher, nonce: 'AAAA' } }), 'MALFORMED_KEY', /nonce is 3 bytes, not 24/],
    ['a salt that is not base64', wrap({ ...good(), kdf: { ...good().kdf, salt: '%%%' } }), 'MALFORMED_KEY', /salt is not base64/],
    ['a tampered ciphertext', wrap({ ...good(), ciphertext: Buffer.from(Buffer.from(good().ciphertext, 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString('base64') }), 'WRONG_PASSWORD', /^incorrect password for k$/],
    ['a plain public key', readFileSync(`${dir}/sigstore-test.pub`, 'utf8'), 'UNSUPPORTED_KEY', /"PUBLIC KEY" PEM block, not an encrypted cosign key/],
  ];
  for (const [name, pem, code, message] of cases) {
    test(name, async () => {
      await assert.rejects(decryptPrivateKey(pem, 'hello', 'k'), (e: unknown) => {
        assert.ok(e instanceof SignError, String(e));
        assert.equal(e.code, code);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  test('the older ENCRYPTED COSIGN PRIVATE KEY label is read too', async () => {
    const body = readFileSync(`${dir}/sigstore-test.key`, 'utf8').replaceAll('SIGSTORE', 'COSIGN');
    const { info } = await decryptPrivateKey(body, 'hello', 'k');
    assert.equal(info.pemType, 'ENCRYPTED COSIGN PRIVATE KEY');
  });
});
