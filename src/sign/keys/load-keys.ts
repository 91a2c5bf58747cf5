import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SignError, UsageError } from '../../core/index.js';
import type { Signer, TrustedKey } from '../signer.js';
import { decryptPrivateKey } from './encrypted-key.js';
import { keyAlgorithm, KeySigner } from './key-signer.js';
import { K8S_SCHEME, readSecret, type KubernetesOptions } from './kubernetes.js';
import { decodePemBlocks, type PemBlock } from './pem.js';
import { isEncryptedCosignBlock, parsePlainPrivateKey } from './plain-private-key.js';
import { readKeyFile } from './read-key-file.js';

/** A password, or a function that asks for it only when the key turns out to be encrypted (a terminal prompt). */
export type PasswordSource = string | Buffer | (() => Promise<string | Buffer>);

export interface KeyRefOptions {
  /** Environment that `env://VAR` reads. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How `k8s://` finds the API server (default: kubeconfig, then the pod's service account). */
  kubernetes?: KubernetesOptions;
  /** Extra reference schemes (KMS back ends); they take precedence over the built-in ones. */
  backends?: readonly KeyBackend[];
}

export interface LoadPrivateKeyOptions extends KeyRefOptions {
  /** Password of an encrypted cosign key. Absent: the empty password (cosign's behaviour without a PassFunc). */
  password?: PasswordSource;
}

/**
 * A key reference scheme served by something other than a local key: the plug-in point for KMS back ends
 * (cosign's awskms://, gcpkms://, azurekms://, hashivault://, pkcs11:). A back end returns a Signer whose key
 * never leaves it, and the public keys it vouches for.
 */
export interface KeyBackend {
  /** The reference prefix it serves, e.g. "awskms://" or "pkcs11:". */
  readonly scheme: string;
  signer(ref: string, options: LoadPrivateKeyOptions): Promise<Signer>;
  publicKeys(ref: string, options: KeyRefOptions): Promise<TrustedKey[]>;
}

export const ENV_SCHEME = 'env://';
/** cosign's KMS schemes (sigstore/sigstore pkg/signature/kms) and PKCS#11: recognised, not implemented yet. */
const KMS_SCHEMES = ['awskms://', 'gcpkms://', 'azurekms://', 'hashivault://', 'pkcs11:'];
/** The extensions a `--key DIR` picks up (key rotation: every trusted key in one folder). */
export const PUBLIC_KEY_EXTENSIONS = ['.pub', '.pem'];

function backendFor(ref: string, options: KeyRefOptions): KeyBackend | undefined {
  const backend = options.backends?.find((b) => ref.startsWith(b.scheme));
  if (backend) return backend;
  const kms = KMS_SCHEMES.find((s) => ref.startsWith(s));
  if (kms) throw new SignError('UNSUPPORTED_KEY', `${ref}: ${kms.replace(/:\/?\/?$/, '')} keys are not supported yet; use a key file, env:// or k8s://`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) && !ref.startsWith(ENV_SCHEME) && !ref.startsWith(K8S_SCHEME)) {
    throw new UsageError('INVALID_REFERENCE', `${ref}: unknown key reference scheme (a key is a file, a directory of public keys, env://VAR or k8s://namespace/secret)`);
  }
  return undefined;
}

function envValue(ref: string, options: KeyRefOptions): Buffer {
  const name = ref.slice(ENV_SCHEME.length);
  if (!name) throw new UsageError('INVALID_REFERENCE', `${ref}: name the environment variable (env://VAR)`);
  const value = (options.env ?? process.env)[name];
  if (value === undefined) throw new SignError('KEY_NOT_FOUND', `${ref}: the environment variable ${name} is not set`);
  return Buffer.from(value, 'utf8');
}

async function secretEntry(ref: string, entry: string, options: KeyRefOptions): Promise<{ value: Buffer; data: Map<string, Buffer> }> {
  const data = await readSecret(ref, options.kubernetes ?? (options.env ? { env: options.env } : {}));
  const value = data.get(entry);
  if (!value || value.length === 0) {
    throw new SignError('KEY_NOT_FOUND', `${ref}: the secret has no ${entry} (cosign generate-key-pair k8s://… writes cosign.key, cosign.pub and cosign.password)`);
  }
  return { value, data };
}

/** The first PEM block, skipping OpenSSL's `EC PARAMETERS` preamble (`openssl ecparam -genkey` output). */
function firstBlock(bytes: Buffer, what: string, kind: 'private' | 'public'): PemBlock {
  const { blocks, problem } = decodePemBlocks(bytes.toString('utf8'));
  const block = blocks.find((b) => b.type !== 'EC PARAMETERS');
  if (!block) throw new SignError('MALFORMED_KEY', `${what}: not a PEM ${kind} key (${problem ?? 'no PEM block'})`);
  return block;
}

async function resolvePassword(password: PasswordSource | undefined): Promise<string | Buffer> {
  if (password === undefined) return '';
  return typeof password === 'function' ? await password() : password;
}

/** What a decrypted cosign key holds when it is not PKCS#8, for a message that says why it is refused. */
function describeNonPkcs8(der: Buffer): string | undefined {
  for (const [type, label] of [
    ['sec1', "a SEC1 'EC PRIVATE KEY'"],
    ['pkcs1', "a PKCS#1 'RSA PRIVATE KEY'"],
  ] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return label;
    } catch {
      // not this one either
    }
  }
  return undefined;
}

/**
 * A Signer for the private key in `bytes`: cosign's encrypted PEM (both labels; the plaintext must be PKCS#8, as
 * cosign's LoadPrivateKey requires) or a plain PKCS#8 / SEC1 / PKCS#1 PEM key.
 */
export async function signerFromPem(bytes: Buffer, what: string, password?: PasswordSource): Promise<Signer> {
  const block = firstBlock(bytes, what, 'private');
  if (block.type === 'PUBLIC KEY' || block.type === 'RSA PUBLIC KEY' || block.type === 'CERTIFICATE') {
    throw new SignError('UNSUPPORTED_KEY', `${what}: a ${block.type.toLowerCase()}, not a private key; signing needs the private key (cosign.key)`);
  }
  if (!isEncryptedCosignBlock(block)) return new KeySigner(parsePlainPrivateKey(block, what), what);
  const { der } = await decryptPrivateKey(block, await resolvePassword(password), what);
  try {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      const inner = describeNonPkcs8(der);
      if (inner) {
        // cosign: "parsing private key: x509: failed to parse private key (use ParseECPrivateKey instead …)".
        throw new SignError(
          'UNSUPPORTED_KEY',
          `${what}: decrypted, but it holds ${inner}, not the PKCS#8 key cosign requires (cosign refuses it too)`,
        );
      }
      throw new SignError('MALFORMED_KEY', `${what}: decrypted, but the content is not a private key`);
    }
    return new KeySigner(key, what);
  } finally {
    der.fill(0);
  }
}

/**
 * cosign's SignerVerifierFromKeyRef for local keys: `ref` is a key file, `env://VAR` (the PEM in a variable) or
 * `k8s://namespace/secret` (its `cosign.key`, decrypted with its `cosign.password` when it has one, as cosign
 * does; otherwise with `options.password`). Errors are SignError (KEY_NOT_FOUND, WRONG_PASSWORD "incorrect password
 * for <ref>", MALFORMED_KEY, UNSUPPORTED_KEY, KEY_UNAVAILABLE) naming the reference, never the key or password.
 */
export async function loadPrivateKey(ref: string, options: LoadPrivateKeyOptions = {}): Promise<Signer> {
  const backend = backendFor(ref, options);
  if (backend) return backend.signer(ref, options);
  if (ref.startsWith(ENV_SCHEME)) return signerFromPem(envValue(ref, options), ref, options.password);
  if (ref.startsWith(K8S_SCHEME)) {
    const { value, data } = await secretEntry(ref, 'cosign.key', options);
    const password = data.get('cosign.password');
    return signerFromPem(value, ref, password ?? options.password);
  }
  if (!ref) throw new UsageError('INVALID_ARGUMENT', 'no private key given (--key)');
  return signerFromPem(await readKeyFile(ref), ref, options.password);
}

/**
 * The public key of a PEM text: SPKI `PUBLIC KEY` (what cosign writes), PKCS#1 `RSA PUBLIC KEY` (cosign reads it
 * too), or an X.509 `CERTIFICATE` (its subject public key; its validity is not turned into a key window).
 */
export function publicKeyFromPem(bytes: Buffer, what: string): KeyObject {
  const block = firstBlock(bytes, what, 'public');
  let key: KeyObject;
  try {
    switch (block.type) {
      case 'PUBLIC KEY':
        key = createPublicKey({ key: block.bytes, format: 'der', type: 'spki' });
        break;
      case 'RSA PUBLIC KEY':
        key = createPublicKey({ key: block.bytes, format: 'der', type: 'pkcs1' });
        break;
      case 'CERTIFICATE':
        key = new X509Certificate(block.bytes).publicKey;
        break;
      default:
        throw new SignError(
          'UNSUPPORTED_KEY',
          /PRIVATE KEY/.test(block.type)
            ? `${what}: a private key, not a public key; verification needs the public key (cosign.pub)`
            : `${what}: a ${JSON.stringify(block.type)} PEM block, not a public key (PUBLIC KEY or CERTIFICATE)`,
        );
    }
  } catch (e) {
    if (e instanceof SignError) throw e;
    throw new SignError('MALFORMED_KEY', `${what}: the ${block.type} PEM block cannot be parsed`);
  }
  keyAlgorithm(key, what);
  return key;
}

async function publicKeysAt(ref: string): Promise<TrustedKey[]> {
  const st = await stat(ref).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new SignError('KEY_NOT_FOUND', `${ref}: no such file or directory`);
    throw new SignError('KEY_UNAVAILABLE', `${ref}: cannot read it (${e.code ?? 'stat error'})`);
  });
  if (!st.isDirectory()) return [{ key: publicKeyFromPem(await readKeyFile(ref), ref), source: ref }];
  const names = (await readdir(ref)).filter((n) => PUBLIC_KEY_EXTENSIONS.includes(path.extname(n).toLowerCase())).sort();
  const keys: TrustedKey[] = [];
  for (const n of names) {
    const file = path.join(ref, n);
    if (!(await stat(file).catch(() => undefined))?.isFile()) continue;
    keys.push({ key: publicKeyFromPem(await readKeyFile(file), file), source: file });
  }
  if (keys.length === 0) throw new SignError('KEY_NOT_FOUND', `${ref}: the directory holds no public key (*${PUBLIC_KEY_EXTENSIONS.join(', *')})`);
  return keys;
}

/**
 * The trusted public keys of `--key` references (repeatable): PEM files (SPKI public key or X.509 certificate),
 * directories (every *.pub and *.pem in them, sorted by name), `env://VAR`, `k8s://namespace/secret` (its
 * `cosign.pub`). Every key is checked to be a type cosign verifies with (ECDSA P-256/384/521, RSA 2048–4096,
 * Ed25519).
 */
export async function loadPublicKeys(refs: readonly string[], options: KeyRefOptions = {}): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  for (const ref of refs) {
    const backend = backendFor(ref, options);
    if (backend) keys.push(...(await backend.publicKeys(ref, options)));
    else if (ref.startsWith(ENV_SCHEME)) keys.push({ key: publicKeyFromPem(envValue(ref, options), ref), source: ref });
    else if (ref.startsWith(K8S_SCHEME)) keys.push({ key: publicKeyFromPem((await secretEntry(ref, 'cosign.pub', options)).value, ref), source: ref });
    else if (!ref) throw new UsageError('INVALID_ARGUMENT', 'an empty --key');
    else keys.push(...(await publicKeysAt(ref)));
  }
  return keys;
}
