/**
 * generate-key-pair / import-key-pair files: cosign's format (checked by an independent decryption written here
 * from the format's definition), modes, refusal to overwrite (also when a file appears while we work), and that
 * no partial key file is ever visible: a write that fails (file size limit via prlimit(1)) and processes killed
 * with SIGKILL while writing. The cosign binary is not available here, so it cannot read our files in a test.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, scryptSync, verify } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import nacl from 'tweetnacl';
import { SignError, UsageError } from '../../core/index.js';
import { generateKeyPair, importKeyPair, type KeyType } from './key-pair.js';
import { loadPrivateKey, loadPublicKeys } from './load-keys.js';

const run = promisify(execFile);
let tmp: string;
let n = 0;
const freshDir = async (name: string) => {
  const d = path.join(tmp, `${++n}-${name}`);
  await mkdir(d, { recursive: true });
  return d;
};

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-keypair-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** cosign's format by its definition (go-securesystemslib encrypted.go), independent of src/sign/keys. */
function specDecrypt(pem: string, password: string): Buffer {
  const m = /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n([A-Za-z0-9+/=\n]+)\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n$/.exec(pem);
  assert.ok(m, 'an ENCRYPTED SIGSTORE PRIVATE KEY PEM block');
  const json = JSON.parse(Buffer.from(m[1]!.replace(/\n/g, ''), 'base64').toString('utf8')) as {
    kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
    cipher: { name: string; nonce: string };
    ciphertext: string;
  };
  assert.equal(json.kdf.name, 'scrypt');
  assert.equal(json.cipher.name, 'nacl/secretbox');
  const key = scryptSync(password, Buffer.from(json.kdf.salt, 'base64'), 32, { ...json.kdf.params, maxmem: 512 * 1024 * 1024 });
  const opened = nacl.secretbox.open(Buffer.from(json.ciphertext, 'base64'), Buffer.from(json.cipher.nonce, 'base64'), key);
  assert.ok(opened, 'the password opens the box');
  return Buffer.from(opened);
}

const mode = async (f: string) => (await stat(f)).mode & 0o777;

describe('generateKeyPair', () => {
  test('cosign.key (0600, cosign format, PKCS#8 P-256) and cosign.pub (0644, SPKI) that belong together', async () => {
    const dir = await freshDir('default');
    const files = await generateKeyPair({ dir, password: 'correct horse' });
    assert.deepEqual([files.privateKeyName, files.publicKeyName], ['cosign.key', 'cosign.pub']);
    assert.equal(files.privateKeyFile, path.join(dir, 'cosign.key'));
    assert.equal(await mode(files.privateKeyFile), 0o600);
    assert.equal(await mode(files.publicKeyFile), 0o644);
    assert.deepEqual((await readdir(dir)).sort(), ['cosign.key', 'cosign.pub'], 'no temporary file left');

    const der = specDecrypt(await readFile(files.privateKeyFile, 'utf8'), 'correct horse');
    const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    assert.equal(priv.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const pubPem = await readFile(files.publicKeyFile, 'utf8');
    assert.match(pubPem, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/]{64}\n[A-Za-z0-9+/=]{1,64}\n-----END PUBLIC KEY-----\n$/);
    assert.ok(createPublicKey(priv).equals(createPublicKey(pubPem)));
  });

  for (const [keyType, algorithm] of [
    ['ecdsa-p256', 'ecdsa-p256-sha256'],
    ['ecdsa-p384', 'ecdsa-p384-sha384'],
    ['ecdsa-p521', 'ecdsa-p521-sha512'],
    ['rsa-2048', 'rsa-pkcs1v15-sha256'],
    ['ed25519', 'ed25519'],
  ] as const) {
    test(`round trip ${keyType}: generate → load → sign → verify with the .pub`, async () => {
      const dir = await freshDir(keyType);
      const files = await generateKeyPair({ dir, prefix: 'release', password: 'pw', keyType: keyType as KeyType });
      assert.equal(files.algorithm, algorithm);
      const signer = await loadPrivateKey(files.privateKeyFile, { password: 'pw' });
      assert.equal(signer.algorithm, algorithm);
      const [trusted] = await loadPublicKeys([files.publicKeyFile]);
      const data = Buffer.from('{"critical":{}}');
      const sig = await signer.sign(data);
      const hash = { 'ecdsa-p256': 'sha256', 'ecdsa-p384': 'sha384', 'ecdsa-p521': 'sha512', 'rsa-2048': 'sha256', ed25519: null }[keyType];
      assert.ok(verify(hash, data, trusted!.key, sig));
      assert.ok(!verify(hash, Buffer.from('tampered'), trusted!.key, sig));
    });
  }

  test('an empty password is allowed (cosign allows it) and is a password like any other', async () => {
    const dir = await freshDir('empty');
    const files = await generateKeyPair({ dir, password: '' });
    specDecrypt(await readFile(files.privateKeyFile, 'utf8'), '');
    assert.equal((await loadPrivateKey(files.privateKeyFile, { password: '' })).algorithm, 'ecdsa-p256-sha256');
    await assert.rejects(loadPrivateKey(files.privateKeyFile, { password: 'x' }), { code: 'WRONG_PASSWORD' });
  });

  test('a prefix with a folder, relative to dir', async () => {
    const dir = await freshDir('prefix');
    await mkdir(path.join(dir, 'keys'));
    const files = await generateKeyPair({ dir, prefix: 'keys/team-a', password: 'pw' });
    assert.equal(files.privateKeyFile, path.join(dir, 'keys', 'team-a.key'));
    assert.equal(files.privateKeyName, 'keys/team-a.key');
  });

  test('never overwrites without force: an existing .key or .pub is UsageError KEY_EXISTS, untouched, no password asked', async () => {
    for (const existing of ['cosign.key', 'cosign.pub']) {
      const dir = await freshDir('exists');
      await writeFile(path.join(dir, existing), 'precious');
      let asked = false;
      await assert.rejects(
        generateKeyPair({
          dir,
          password: () => {
            asked = true;
            return Promise.resolve('pw');
          },
        }),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.equal(e.code, 'KEY_EXISTS');
          assert.equal(e.message, `${existing} already exists; use --force to overwrite it`);
          return true;
        },
      );
      assert.equal(asked, false);
      assert.equal(await readFile(path.join(dir, existing), 'utf8'), 'precious');
      assert.deepEqual(await readdir(dir), [existing]);
    }
  });

  test('--force replaces both files (the new key is 0600 even if the old file was not)', async () => {
    const dir = await freshDir('force');
    await writeFile(path.join(dir, 'cosign.key'), 'old', { mode: 0o644 });
    await writeFile(path.join(dir, 'cosign.pub'), 'old');
    const files = await generateKeyPair({ dir, password: 'pw', force: true });
    assert.equal(await mode(files.privateKeyFile), 0o600);
    specDecrypt(await readFile(files.privateKeyFile, 'utf8'), 'pw');
    assert.deepEqual((await readdir(dir)).sort(), ['cosign.key', 'cosign.pub']);
  });

  test('a file that appears while the key is being made is not replaced (O_EXCL-style link), and nothing of ours stays', async () => {
    for (const appears of ['cosign.key', 'cosign.pub']) {
      const dir = await freshDir('race');
      // The password callback runs after the existence check and before the files are written.
      const promise = generateKeyPair({
        dir,
        password: async () => {
          await writeFile(path.join(dir, appears), 'written by someone else');
          return 'pw';
        },
      });
      await assert.rejects(promise, { code: 'KEY_EXISTS', message: `${appears} already exists; use --force to overwrite it` });
      assert.deepEqual(await readdir(dir), [appears], 'our other file was taken back, no temporary left');
      assert.equal(await readFile(path.join(dir, appears), 'utf8'), 'written by someone else');
    }
  });

  test('the umask cannot make the key readable by others', async () => {
    const dir = await freshDir('umask');
    const old = process.umask(0o000);
    try {
      const files = await generateKeyPair({ dir, password: 'pw' });
      assert.equal(await mode(files.privateKeyFile), 0o600);
    } finally {
      process.umask(old);
    }
  });

  test('a directory that does not exist: KEY_WRITE_FAILED naming the file', async () => {
    await assert.rejects(generateKeyPair({ dir: path.join(tmp, 'no', 'such'), password: 'pw' }), {
      code: 'KEY_WRITE_FAILED',
      message: 'cannot write cosign.key (ENOENT)',
    });
  });
});

/** A child process that generates key pairs (module loaded through the same loader as this test). */
async function childScript(name: string, body: string): Promise<string> {
  const script = path.join(tmp, `${name}.mjs`);
  const moduleUrl = new URL('./key-pair.js', import.meta.url).href;
  await writeFile(script, `import { generateKeyPair } from ${JSON.stringify(moduleUrl)};\n${body}\n`);
  return script;
}

describe('no partial key file, ever', () => {
  test('a write that fails (file size limit → EFBIG): KEY_WRITE_FAILED, no key, no temporary', async (t) => {
    try {
      execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    } catch {
      return t.skip('prlimit (util-linux) is not installed');
    }
    const dir = await freshDir('efbig');
    const script = await childScript(
      'efbig',
      `process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  try { await generateKeyPair({ dir: ${JSON.stringify(dir)}, password: 'pw' }); process.stdout.write('written\\n'); }
  catch (e) { process.stdout.write('error ' + e.code + ' ' + e.message + '\\n'); }
  process.exit(0);
});`,
    );
    const child = spawn(process.execPath, [...process.execArgv, script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out === 'ready\n') {
        // From here on the child may not grow any file beyond 0 bytes (Node ignores SIGXFSZ: writes fail with EFBIG).
        execFileSync('prlimit', ['--pid', String(child.pid), '--fsize=0:0']);
        child.stdin.write('go\n');
      }
    });
    await done;
    assert.equal(out, 'ready\nerror KEY_WRITE_FAILED cannot write cosign.key (EFBIG, no space)\n', err);
    assert.deepEqual(await readdir(dir), []);
  });

  test('processes killed with SIGKILL while overwriting leave the old key or the new one, complete', async () => {
    const dir = await freshDir('kill');
    // Each child overwrites the pair in a loop (--force: rename over the old file) and is killed at a random moment
    // after its first pair is written.
    const script = await childScript(
      'kill',
      `for (;;) { await generateKeyPair({ dir: ${JSON.stringify(dir)}, password: 'pw', force: true }); process.stdout.write('.'); }`,
    );
    for (let i = 0; i < 6; i++) {
      const child = spawn(process.execPath, [...process.execArgv, script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', () => reject(new Error(`the child ended early: ${err}`)));
      });
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 600)));
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      const names = await readdir(dir);
      for (const name of names) {
        // Temporaries of an interrupted write may stay behind, with the final file's mode (never a readable key).
        if (name.endsWith('.tmp')) assert.equal(await mode(path.join(dir, name)), name.startsWith('.cosign.key') ? 0o600 : 0o644);
      }
      assert.ok(names.includes('cosign.key'));
      assert.equal(await mode(path.join(dir, 'cosign.key')), 0o600);
      const der = specDecrypt(await readFile(path.join(dir, 'cosign.key'), 'utf8'), 'pw');
      createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    }
  });
});

describe('importKeyPair', () => {
  const openssl = async (...args: string[]) => (await run('openssl', args)).stdout;

  for (const [name, args] of [
    ['sec1-p256', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout']],
    ['pkcs1-rsa', ['genrsa', '-traditional', '2048']],
    ['pkcs8-ed25519', ['genpkey', '-algorithm', 'ed25519']],
  ] as const) {
    test(`${name} (made by openssl) → import-cosign.key holding the same key as PKCS#8, and its .pub`, async () => {
      const dir = await freshDir(`import-${name}`);
      const src = path.join(dir, 'plain.pem');
      await writeFile(src, await openssl(...args));
      const files = await importKeyPair({ keyFile: src, dir, password: 'import pw' });
      assert.deepEqual([files.privateKeyName, files.publicKeyName], ['import-cosign.key', 'import-cosign.pub']);
      assert.equal(await mode(files.privateKeyFile), 0o600);
      const der = specDecrypt(await readFile(files.privateKeyFile, 'utf8'), 'import pw');
      const imported = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      const original = createPrivateKey(await readFile(src));
      assert.ok(createPublicKey(imported).equals(createPublicKey(original)));
      // openssl derives the public key of the original file independently.
      const pub = createPublicKey(await openssl('pkey', '-in', src, '-pubout'));
      assert.ok(pub.equals(createPublicKey(await readFile(files.publicKeyFile))));
      const signer = await loadPrivateKey(files.privateKeyFile, { password: 'import pw' });
      assert.ok(pub.equals(await signer.publicKey()));
    });
  }

  test('refuses an already encrypted cosign key, a public key, and overwriting', async () => {
    const dir = await freshDir('import-refusals');
    const gen = await generateKeyPair({ dir, password: 'pw' });
    await assert.rejects(importKeyPair({ keyFile: gen.privateKeyFile, dir, password: 'pw' }), (e: unknown) => {
      assert.ok(e instanceof SignError && e.code === 'UNSUPPORTED_KEY');
      assert.match(e.message, /already an encrypted cosign key/);
      return true;
    });
    await assert.rejects(importKeyPair({ keyFile: gen.publicKeyFile, dir, password: 'pw' }), { code: 'UNSUPPORTED_KEY' });
    const src = path.join(dir, 'plain.pem');
    await writeFile(src, await openssl('genpkey', '-algorithm', 'ed25519'));
    await assert.rejects(importKeyPair({ keyFile: src, dir, prefix: 'cosign', password: 'pw' }), { code: 'KEY_EXISTS' });
    await assert.rejects(importKeyPair({ keyFile: path.join(dir, 'missing.pem'), dir, password: 'pw' }), { code: 'KEY_NOT_FOUND' });
  });
});
