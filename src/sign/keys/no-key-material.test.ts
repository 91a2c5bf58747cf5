/**
 * Private key material never appears in an error or in a Signer's printable forms: every error the key code raises
 * across the failure cases is searched — message, String(e), JSON.stringify(e), util.inspect(e) (stack and cause
 * included) — for the passwords, the scrypt output, base64 windows of the key files, and the private key itself
 * (PKCS#8 DER in base64/hex, the private scalar).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, scryptSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { after, before, test } from 'node:test';
import { shared } from '../../../test/support/paths.js';
import { decryptPrivateKey, encryptPrivateKey } from './encrypted-key.js';
import { generateKeyPair, importKeyPair } from './key-pair.js';
import { loadPrivateKey, loadPublicKeys } from './load-keys.js';

const PASSWORD = 'pa55-Secret-a8d1e0';
const keysDir = shared('interop', 'cosign-keys');
let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-leak-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/**
 * Substrings that must never be printed, derived from a PEM file and what it protects: every 8-character window
 * (V8's JSON.parse errors quote 10 characters of their input; any 10 contain one of these).
 */
const WINDOW = 8;
function fragmentsOf(pemText: string): string[] {
  const out: string[] = [];
  const body = pemText
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');
  for (let i = 0; i + WINDOW <= body.length; i += 2) out.push(body.slice(i, i + WINDOW));
  try {
    // The JSON inside an encrypted key: its base64 salt/nonce/ciphertext.
    const json = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as { ciphertext: string; kdf: { salt: string } };
    for (let i = 0; i + WINDOW <= json.ciphertext.length; i += 2) out.push(json.ciphertext.slice(i, i + WINDOW));
    out.push(json.kdf.salt);
  } catch {
    // a plain key
  }
  return out;
}
function fragmentsOfKey(key: KeyObject): string[] {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const out = [der.toString('hex').slice(-64), der.toString('base64').slice(-40, -8)];
  const d = key.export({ format: 'jwk' }).d;
  if (d) out.push(d.slice(0, 20), Buffer.from(d, 'base64url').toString('hex').slice(0, 24));
  return out;
}
function scryptOutput(pemText: string, password: string): string[] {
  const body = pemText.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  const json = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as { kdf: { params: { N: number; r: number; p: number }; salt: string } };
  const k = scryptSync(password, Buffer.from(json.kdf.salt, 'base64'), 32, { ...json.kdf.params, maxmem: 512 * 1024 * 1024 });
  return [k.toString('hex').slice(0, 24), k.toString('base64').slice(0, 16)];
}

function printable(e: unknown): string {
  const parts = [String(e), JSON.stringify(e), inspect(e, { depth: 10, showHidden: true })];
  if (e instanceof Error) parts.push(e.message, e.stack ?? '');
  let cause = (e as { cause?: unknown }).cause;
  while (cause) {
    parts.push(inspect(cause, { depth: 10, showHidden: true }));
    cause = (cause as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return assert.fail('expected an error');
}

test('errors carry no password, no scrypt output, no key fragment', async () => {
  const secrets: string[] = [PASSWORD, 'hello'];
  const errors: unknown[] = [];

  // Upstream cosign keys: wrong passwords, through a file and env://; the SEC1 one that decrypts then fails.
  for (const f of ['sigstore-test.key', 'cosign-labeled-pkcs8-ec.key', 'cosign-labeled-sec1-ec-unsupported.key', 'policy-controller-example.key']) {
    const text = readFileSync(path.join(keysDir, f), 'utf8');
    secrets.push(...fragmentsOf(text));
    const right = f.startsWith('policy') ? '' : 'hello';
    const { der } = await decryptPrivateKey(text, right, f);
    const inner = f.includes('sec1') ? createPrivateKey({ key: der, format: 'der', type: 'sec1' }) : createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    secrets.push(...fragmentsOfKey(inner), ...scryptOutput(text, right), ...scryptOutput(text, PASSWORD));
    errors.push(await caught(loadPrivateKey(path.join(keysDir, f), { password: PASSWORD })));
    errors.push(await caught(loadPrivateKey('env://K', { env: { K: text }, password: PASSWORD })));
  }
  errors.push(await caught(loadPrivateKey(path.join(keysDir, 'cosign-labeled-sec1-ec-unsupported.key'), { password: 'hello' })));

  // A key of ours: wrong password, tampered fields, truncated file, a private key offered as a public key.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  secrets.push(...fragmentsOfKey(privateKey));
  const ours = await encryptPrivateKey(privateKey.export({ type: 'pkcs8', format: 'der' }), PASSWORD);
  secrets.push(...fragmentsOf(ours), ...scryptOutput(ours, PASSWORD));
  const json = JSON.parse(Buffer.from(ours.split('\n').slice(1, -2).join(''), 'base64').toString()) as Record<string, unknown>;
  const rewrap = (doc: unknown) => `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(JSON.stringify(doc)).toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
  errors.push(await caught(decryptPrivateKey(ours, 'wrong', 'k')));
  errors.push(await caught(decryptPrivateKey(rewrap({ ...json, kdf: 'x' }), PASSWORD, 'k')));
  errors.push(await caught(decryptPrivateKey(rewrap({ ...json, ciphertext: `${String(json.ciphertext)}!` }), PASSWORD, 'k')));
  errors.push(await caught(decryptPrivateKey(ours.replace(/\n-----END[^\n]*\n$/, '\n'), PASSWORD, 'k')));
  // A body that is not JSON: JSON.parse's own message would quote it.
  errors.push(await caught(decryptPrivateKey(`-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(`${String(json.ciphertext)}}}`).toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`, PASSWORD, 'k')));
  const plain = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  secrets.push(...fragmentsOf(plain));
  const plainFile = path.join(tmp, 'plain.pem');
  await writeFile(plainFile, plain);
  errors.push(await caught(loadPublicKeys([plainFile])));
  // A PEM key whose DER was damaged: OpenSSL's parse error must not be passed on.
  const damaged = plain.replace(/\n([A-Za-z0-9+/]{20})/, (_m, s: string) => `\n${s.split('').reverse().join('')}`);
  const damagedFile = path.join(tmp, 'damaged.pem');
  await writeFile(damagedFile, damaged);
  errors.push(await caught(loadPrivateKey(damagedFile)));
  errors.push(await caught(importKeyPair({ keyFile: damagedFile, dir: tmp, password: PASSWORD })));

  // Writing: refusal to overwrite after the password was given.
  await generateKeyPair({ dir: tmp, password: PASSWORD });
  errors.push(await caught(generateKeyPair({ dir: tmp, password: PASSWORD })));

  assert.equal(errors.length, 18);
  for (const e of errors) {
    assert.ok(e instanceof Error && 'code' in e, String(e));
    const text = printable(e);
    for (const s of secrets) assert.ok(!text.includes(s), `${JSON.stringify(s)} appears in ${JSON.stringify(String(e))}`);
  }
});

test('a Signer prints no key: JSON.stringify, util.inspect, String', async () => {
  const text = readFileSync(path.join(keysDir, 'sigstore-test.key'), 'utf8');
  const signer = await loadPrivateKey(path.join(keysDir, 'sigstore-test.key'), { password: 'hello' });
  const { der } = await decryptPrivateKey(text, 'hello', 'k');
  const secrets = [...fragmentsOfKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })), 'hello'];
  const shown = [JSON.stringify(signer), inspect(signer, { depth: 10, showHidden: true }), String(signer)].join('\n');
  assert.match(JSON.stringify(signer), /"algorithm":"ecdsa-p256-sha256"/);
  for (const s of secrets.slice(0, -1)) assert.ok(!shown.includes(s), `${s} in ${shown}`);
  assert.doesNotMatch(shown, /"hello"|'hello'/);
});
