/**
 * Plain PEM keys in every form cosign import-key-pair reads, made by the system `openssl` (an independent
 * implementation), loaded as Signers whose signatures `openssl` then verifies; public keys from files,
 * certificates, directories and env://; and the keys cosign refuses.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { SignError, UsageError } from '../../core/index.js';
import { shared } from '../../../test/support/paths.js';
import type { Signer, TrustedKey } from '../signer.js';
import { loadPrivateKey, loadPublicKeys, type KeyBackend } from './load-keys.js';

const run = promisify(execFile);
const openssl = async (...args: string[]): Promise<string> => (await run('openssl', args, { maxBuffer: 1 << 20 })).stdout;

let tmp: string;
const file = (name: string) => path.join(tmp, name);

/** name → [openssl commands writing file(name).key, expected PEM label, expected algorithm, openssl digest]. */
const supported: [string, string[][], string, string, string | null][] = [
  ['ec-p256-pkcs8', [['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', '$KEY']], 'PRIVATE KEY', 'ecdsa-p256-sha256', 'sha256'],
  ['ec-p384-sec1', [['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', '$KEY']], 'EC PRIVATE KEY', 'ecdsa-p384-sha384', 'sha384'],
  // `openssl ecparam -genkey` without -noout writes an EC PARAMETERS block first.
  ['ec-p256-sec1-with-parameters', [['ecparam', '-name', 'prime256v1', '-genkey', '-out', '$KEY']], 'EC PARAMETERS', 'ecdsa-p256-sha256', 'sha256'],
  ['ec-p521-pkcs8', [['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521', '-out', '$KEY']], 'PRIVATE KEY', 'ecdsa-p521-sha512', 'sha512'],
  ['rsa-2048-pkcs1', [['genrsa', '-traditional', '-out', '$KEY', '2048']], 'RSA PRIVATE KEY', 'rsa-pkcs1v15-sha256', 'sha256'],
  ['rsa-3072-pkcs8', [['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-out', '$KEY']], 'PRIVATE KEY', 'rsa-pkcs1v15-sha256', 'sha256'],
  ['ed25519-pkcs8', [['genpkey', '-algorithm', 'ed25519', '-out', '$KEY']], 'PRIVATE KEY', 'ed25519', null],
];

const refused: [string, string[][], string, RegExp][] = [
  ['secp256k1', [['ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', '$KEY']], 'UNSUPPORTED_KEY', /ECDSA curve secp256k1 is not supported/],
  ['rsa-1024', [['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', '$KEY']], 'UNSUPPORTED_KEY', /RSA key size 1024 is not supported/],
  ['x25519', [['genpkey', '-algorithm', 'x25519', '-out', '$KEY']], 'UNSUPPORTED_KEY', /x25519 keys are not supported/],
  ['pkcs8-encrypted', [['genpkey', '-algorithm', 'ed25519', '-aes256', '-pass', 'pass:secret', '-out', '$KEY']], 'UNSUPPORTED_KEY', /password-protected PKCS#8 key/],
  ['openssl-legacy-encrypted', [['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', '$KEY.plain'], ['ec', '-in', '$KEY.plain', '-aes256', '-passout', 'pass:secret', '-out', '$KEY']], 'UNSUPPORTED_KEY', /OpenSSL-encrypted PEM key \(Proc-Type header\)/],
];

async function make(name: string, commands: string[][]): Promise<string> {
  const key = file(`${name}.key`);
  for (const c of commands) await openssl(...c.map((a) => a.replace('$KEY', key)));
  return key;
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-keys-'));
  await Promise.all([...supported, ...refused].map(([name, commands]) => make(name, commands)));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function opensslVerifies(signer: Signer, digest: string | null, pubFile: string): Promise<boolean> {
  const data = file(`data-${path.basename(pubFile)}`);
  const sig = `${data}.sig`;
  await writeFile(data, `payload signed by ${signer.description}`);
  await writeFile(sig, await signer.sign(await readFile(data)));
  const args = digest
    ? ['dgst', `-${digest}`, '-verify', pubFile, '-signature', sig, data]
    : ['pkeyutl', '-verify', '-pubin', '-inkey', pubFile, '-rawin', '-in', data, '-sigfile', sig];
  try {
    return /Verified OK|Signature Verified Successfully/.test(await openssl(...args));
  } catch {
    return false;
  }
}

describe('plain PEM private keys (cosign import-key-pair formats), made by openssl', () => {
  for (const [name, , label, algorithm, digest] of supported) {
    test(`${name}: ${algorithm}, signature verified by openssl`, async () => {
      const key = file(`${name}.key`);
      assert.ok((await readFile(key, 'utf8')).startsWith(`-----BEGIN ${label}-----`));
      const pub = file(`${name}.pub`);
      await openssl('pkey', '-in', key, '-pubout', '-out', pub);
      const signer = await loadPrivateKey(key);
      assert.equal(signer.algorithm, algorithm);
      assert.equal(signer.description, key);
      assert.ok(await opensslVerifies(signer, digest, pub));
      const [trusted] = await loadPublicKeys([pub]);
      assert.ok(trusted!.key.equals(await signer.publicKey()));
    });
  }

  for (const [name, , code, message] of refused) {
    test(`${name}: refused (${code})`, async () => {
      const key = file(`${name}.key`);
      await assert.rejects(loadPrivateKey(key), (e: unknown) => {
        assert.ok(e instanceof SignError, String(e));
        assert.equal(e.code, code);
        assert.match(e.message, message);
        assert.ok(e.message.startsWith(`${key}: `), 'the message names the file');
        return true;
      });
    });
  }

  test('a PEM block whose DER is garbage: MALFORMED_KEY', async () => {
    const f = file('garbage.key');
    await writeFile(f, `-----BEGIN PRIVATE KEY-----\n${Buffer.from('not a key at all').toString('base64')}\n-----END PRIVATE KEY-----\n`);
    await assert.rejects(loadPrivateKey(f), { code: 'MALFORMED_KEY', message: `${f}: the PRIVATE KEY PEM block is not a valid PKCS8 private key` });
  });

  test('a missing file: KEY_NOT_FOUND; a directory: KEY_UNAVAILABLE; no key: UsageError', async () => {
    await assert.rejects(loadPrivateKey(file('nope.key')), { code: 'KEY_NOT_FOUND', message: `${file('nope.key')}: no such file` });
    await assert.rejects(loadPrivateKey(tmp), { code: 'KEY_UNAVAILABLE', message: `${tmp}: is a directory, not a key file` });
    await assert.rejects(loadPrivateKey(''), (e: unknown) => e instanceof UsageError);
  });
});

describe('env:// references', () => {
  test('a private key PEM in a variable (encrypted cosign key with its password)', async () => {
    const pem = await readFile(shared('interop', 'cosign-keys', 'sigstore-test.key'), 'utf8');
    const signer = await loadPrivateKey('env://COSIGN_KEY', { env: { COSIGN_KEY: pem }, password: 'hello' });
    assert.equal(signer.description, 'env://COSIGN_KEY');
    const [pub] = await loadPublicKeys([shared('interop', 'cosign-keys', 'sigstore-test.pub')]);
    assert.ok(pub!.key.equals(await signer.publicKey()));
    await assert.rejects(loadPrivateKey('env://COSIGN_KEY', { env: { COSIGN_KEY: pem }, password: 'nope' }), {
      code: 'WRONG_PASSWORD',
      message: 'incorrect password for env://COSIGN_KEY',
    });
  });

  test('a public key in a variable; an unset variable is KEY_NOT_FOUND', async () => {
    const pub = await readFile(shared('interop', 'cosign-keys', 'cosign-release.pub'), 'utf8');
    const keys = await loadPublicKeys(['env://COSIGN_PUB'], { env: { COSIGN_PUB: pub } });
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.source, 'env://COSIGN_PUB');
    await assert.rejects(loadPublicKeys(['env://MISSING'], { env: {} }), { code: 'KEY_NOT_FOUND', message: 'env://MISSING: the environment variable MISSING is not set' });
    await assert.rejects(loadPrivateKey('env://', { env: {} }), (e: unknown) => e instanceof UsageError && e.code === 'INVALID_REFERENCE');
  });
});

describe('public keys: files, certificates, directories (key rotation)', () => {
  test('SPKI, PKCS#1 RSA PUBLIC KEY and an X.509 certificate give the same key as the private key', async () => {
    const key = file('rsa-2048-pkcs1.key');
    await openssl('rsa', '-in', key, '-RSAPublicKey_out', '-out', file('rsa.pkcs1.pub'));
    await openssl('req', '-x509', '-key', key, '-subj', '/CN=tollgate test', '-days', '2', '-out', file('rsa-cert.pem'));
    const signer = await loadPrivateKey(key);
    const keys = await loadPublicKeys([file('rsa.pkcs1.pub'), file('rsa-cert.pem')]);
    assert.deepEqual(
      keys.map((k) => k.source),
      [file('rsa.pkcs1.pub'), file('rsa-cert.pem')],
    );
    for (const k of keys) assert.ok(k.key.equals(await signer.publicKey()));
    assert.equal(keys[1]!.notAfter, undefined, "a certificate's validity is not turned into a key window");
  });

  test('a directory: every *.pub and *.pem, sorted, nothing else', async () => {
    const d = file('trusted');
    await mkdir(path.join(d, 'nested.pub'), { recursive: true }); // a directory named like a key is skipped
    await openssl('pkey', '-in', file('ec-p256-pkcs8.key'), '-pubout', '-out', path.join(d, 'b-current.pub'));
    await openssl('pkey', '-in', file('ed25519-pkcs8.key'), '-pubout', '-out', path.join(d, 'a-old.PUB'));
    await openssl('req', '-x509', '-key', file('ec-p384-sec1.key'), '-subj', '/CN=c', '-days', '2', '-out', path.join(d, 'c-cert.pem'));
    await writeFile(path.join(d, 'README.txt'), 'not a key');
    const keys = await loadPublicKeys([d]);
    assert.deepEqual(
      keys.map((k: TrustedKey) => [path.basename(k.source), k.key.asymmetricKeyType]),
      [
        ['a-old.PUB', 'ed25519'],
        ['b-current.pub', 'ec'],
        ['c-cert.pem', 'ec'],
      ],
    );
  });

  test('the real cosign public keys of Connaisseur’s test image, as a directory', async () => {
    const keys = await loadPublicKeys([shared('interop', 'cosign-signatures', 'connaisseur-testimage', 'keys')]);
    assert.deepEqual(
      keys.map((k) => path.basename(k.source)),
      ['alice.pub', 'bob.pub', 'charlie.pub', 'default.pub'],
    );
    for (const k of keys) assert.equal(k.key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });

  test('errors name the file: empty directory, broken key, private key given as public, missing path', async () => {
    const empty = file('empty');
    await mkdir(empty);
    await assert.rejects(loadPublicKeys([empty]), { code: 'KEY_NOT_FOUND', message: `${empty}: the directory holds no public key (*.pub, *.pem)` });
    const broken = file('broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'x.pub'), '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    await assert.rejects(loadPublicKeys([broken]), { code: 'MALFORMED_KEY', message: `${path.join(broken, 'x.pub')}: the PUBLIC KEY PEM block cannot be parsed` });
    await assert.rejects(loadPublicKeys([file('ec-p256-pkcs8.key')]), {
      code: 'UNSUPPORTED_KEY',
      message: `${file('ec-p256-pkcs8.key')}: a private key, not a public key; verification needs the public key (cosign.pub)`,
    });
    await assert.rejects(loadPublicKeys([file('nowhere')]), { code: 'KEY_NOT_FOUND' });
    await openssl('pkey', '-in', file('secp256k1.key'), '-pubout', '-out', file('k1.pub'));
    await assert.rejects(loadPublicKeys([file('k1.pub')]), { code: 'UNSUPPORTED_KEY' });
  });
});

describe('reference schemes', () => {
  test('KMS schemes are recognised and refused clearly; unknown schemes are usage errors', async () => {
    await assert.rejects(loadPrivateKey('awskms:///arn:aws:kms:us-east-1:1:key/x'), { code: 'UNSUPPORTED_KEY', message: /awskms keys are not supported yet/ });
    await assert.rejects(loadPublicKeys(['hashivault://transit-key']), { code: 'UNSUPPORTED_KEY' });
    await assert.rejects(loadPrivateKey('ftp://example/key'), (e: unknown) => e instanceof UsageError && e.code === 'INVALID_REFERENCE');
  });

  test('a KeyBackend plugs in a scheme (the shape KMS back ends take)', async () => {
    const inner = await loadPrivateKey(file('ec-p256-pkcs8.key'));
    const backend: KeyBackend = {
      scheme: 'awskms://',
      signer: (ref) => Promise.resolve({ ...inner, description: ref, publicKey: () => inner.publicKey(), sign: (d: Buffer) => inner.sign(d) }),
      publicKeys: async (ref) => [{ key: await inner.publicKey(), source: ref }],
    };
    const s = await loadPrivateKey('awskms:///alias/release', { backends: [backend] });
    assert.equal(s.description, 'awskms:///alias/release');
    const keys = await loadPublicKeys(['awskms:///alias/release'], { backends: [backend] });
    assert.ok(keys[0]!.key.equals(await inner.publicKey()));
  });
});
