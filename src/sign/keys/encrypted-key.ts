import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import nacl from 'tweetnacl';
import { SignError } from '../../core/index.js';
import { decodePemBlocks, encodePem, type PemBlock } from './pem.js';

/**
 * cosign's encrypted private key file (sigstore/cosign pkg/cosign/keys.go marshalKeyPair / LoadPrivateKey): a PEM
 * block labelled `ENCRYPTED SIGSTORE PRIVATE KEY` (written since cosign 2.0.1; older releases wrote
 * `ENCRYPTED COSIGN PRIVATE KEY`, which cosign still reads)
 * whose body is the JSON of secure-systems-lab/go-securesystemslib `encrypted.Encrypt`:
 *
 *   {"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"<32 bytes>"},
 *    "cipher":{"name":"nacl/secretbox","nonce":"<24 bytes>"},
 *    "ciphertext":"<secretbox(PKCS#8 DER)>"}
 *
 * ([]byte fields are standard base64 with padding, as Go's encoding/json writes them). The box key is
 * scrypt(password, salt, N, r, p, 32); the cipher is NaCl secretbox (XSalsa20-Poly1305, tag first).
 */
export const SIGSTORE_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * The only scrypt parameters go-securesystemslib accepts when decrypting (encrypted.go CheckParams: an attacker
 * who edits the file must not make us spend unbounded memory or time). go-tuf's older copy of the package, used by
 * cosign up to 2.1, accepted only the first; cosign 2.2 and later write the second.
 */
export const SCRYPT_PARAMS = {
  legacy: { N: 32768, r: 8, p: 1 },
  standard: { N: 65536, r: 8, p: 1 },
  owasp: { N: 131072, r: 8, p: 1 },
} as const satisfies Record<string, ScryptParams>;
export type ScryptStrength = keyof typeof SCRYPT_PARAMS;

const SALT_BYTES = 32;
const KEY_BYTES = 32;
const NONCE_BYTES = nacl.secretbox.nonceLength;

function scrypt(password: Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // Node refuses (approximately) 128·N·r·p > maxmem, and its 32 MiB default is below N = 65536.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p };
  return new Promise((resolve, reject) => scryptCallback(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

function passwordBytes(password: string | Buffer): Buffer {
  return typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
}

/**
 * Encrypts a PKCS#8 DER private key into cosign's PEM. Default scrypt parameters are the legacy set
 * (N = 32768): every cosign release reads them, while cosign ≤ 2.1 refuses the N = 65536 it writes today.
 */
export async function encryptPrivateKey(
  pkcs8: Buffer,
  password: string | Buffer,
  options: { strength?: ScryptStrength; pemType?: typeof SIGSTORE_PRIVATE_KEY_PEM_TYPE | typeof COSIGN_PRIVATE_KEY_PEM_TYPE } = {},
): Promise<string> {
  const params = SCRYPT_PARAMS[options.strength ?? 'legacy'];
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await scrypt(passwordBytes(password), salt, params);
  try {
    const box = Buffer.from(nacl.secretbox(pkcs8, nonce, key));
    // Field order and spelling as Go's json.Marshal of go-securesystemslib's `data` struct.
    const json = JSON.stringify({
      kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: salt.toString('base64') },
      cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
      ciphertext: box.toString('base64'),
    });
    return encodePem(options.pemType ?? SIGSTORE_PRIVATE_KEY_PEM_TYPE, Buffer.from(json, 'utf8'));
  } finally {
    key.fill(0);
  }
}

/** Go's encoding/json matches field names case-insensitively; cosign's own files use these exact names. */
function field(obj: unknown, name: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const rec = obj as Record<string, unknown>;
  if (name in rec) return rec[name];
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : rec[key];
}

function base64Field(obj: unknown, name: string, what: string): Buffer {
  const v = field(obj, name);
  // encoding/json decodes []byte with base64.StdEncoding, which skips \r and \n.
  const s = typeof v === 'string' ? v.replace(/[\r\n]/g, '') : undefined;
  if (s === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw new SignError('MALFORMED_KEY', `${what}: the encrypted key's ${name} is not base64`);
  }
  return Buffer.from(s, 'base64');
}

export interface EncryptedKeyInfo {
  pemType: string;
  params: ScryptParams;
}

/**
 * Decrypts cosign's encrypted private key PEM (either label) and returns the plaintext (PKCS#8 DER for every key
 * cosign writes). `what` names the key in messages ("cosign.key", "env://COSIGN_KEY"); nothing of the key, the
 * password or the derived box key ever goes into an error. A wrong password (secretbox authentication fails) is
 * SignError WRONG_PASSWORD "incorrect password for <what>".
 */
export async function decryptPrivateKey(pem: string | Buffer | PemBlock, password: string | Buffer, what: string): Promise<{ der: Buffer; info: EncryptedKeyInfo }> {
  let block: PemBlock | undefined;
  if (typeof pem === 'string' || Buffer.isBuffer(pem)) {
    const decoded = decodePemBlocks(typeof pem === 'string' ? pem : pem.toString('utf8'));
    block = decoded.blocks[0];
    if (!block) throw new SignError('MALFORMED_KEY', `${what}: not a PEM private key (${decoded.problem ?? 'no PEM block'})`);
  } else {
    block = pem;
  }
  if (block.type !== SIGSTORE_PRIVATE_KEY_PEM_TYPE && block.type !== COSIGN_PRIVATE_KEY_PEM_TYPE) {
    throw new SignError('UNSUPPORTED_KEY', `${what}: a ${JSON.stringify(block.type)} PEM block, not an encrypted cosign key (${SIGSTORE_PRIVATE_KEY_PEM_TYPE})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(block.bytes.toString('utf8'));
  } catch {
    // Not JSON.parse's message: it quotes the input.
    throw new SignError('MALFORMED_KEY', `${what}: the encrypted key is not the JSON document cosign writes`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new SignError('MALFORMED_KEY', `${what}: the encrypted key is not the JSON document cosign writes`);
  }
  const kdf = field(doc, 'kdf');
  const cipher = field(doc, 'cipher');
  const kdfName = field(kdf, 'name');
  const cipherName = field(cipher, 'name');
  if (kdfName !== 'scrypt') {
    throw new SignError('UNSUPPORTED_KEY', `${what}: unknown key derivation ${JSON.stringify(typeof kdfName === 'string' ? kdfName : null)} (cosign uses "scrypt")`);
  }
  if (cipherName !== 'nacl/secretbox') {
    throw new SignError('UNSUPPORTED_KEY', `${what}: unknown cipher ${JSON.stringify(typeof cipherName === 'string' ? cipherName : null)} (cosign uses "nacl/secretbox")`);
  }
  const rawParams = field(kdf, 'params');
  const params = { N: field(rawParams, 'N'), r: field(rawParams, 'r'), p: field(rawParams, 'p') };
  const known = Object.values(SCRYPT_PARAMS).find((k) => k.N === params.N && k.r === params.r && k.p === params.p);
  if (!known) {
    throw new SignError(
      'UNSUPPORTED_KEY',
      `${what}: unsupported scrypt parameters ${JSON.stringify(params)} (go-securesystemslib accepts only N=32768, 65536 or 131072 with r=8, p=1)`,
    );
  }
  const salt = base64Field(kdf, 'salt', what);
  const nonce = base64Field(cipher, 'nonce', what);
  const box = base64Field(doc, 'ciphertext', what);
  if (nonce.length !== NONCE_BYTES) throw new SignError('MALFORMED_KEY', `${what}: the secretbox nonce is ${nonce.length} bytes, not ${NONCE_BYTES}`);
  if (box.length < nacl.secretbox.overheadLength) throw new SignError('MALFORMED_KEY', `${what}: the ciphertext is too short`);
  const key = await scrypt(passwordBytes(password), salt, known);
  let opened: Uint8Array | null;
  try {
    opened = nacl.secretbox.open(box, nonce, key);
  } finally {
    key.fill(0);
  }
  // Authentication failure: with cosign's own files this is a wrong password (cosign: "decrypt: encrypted:
  // decryption failed"); a tampered ciphertext is indistinguishable from it by design.
  if (!opened) throw new SignError('WRONG_PASSWORD', `incorrect password for ${what}`);
  return { der: Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength), info: { pemType: block.type, params: { ...known } } };
}
