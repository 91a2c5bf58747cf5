import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignError } from '../../core/index.js';
import { COSIGN_PRIVATE_KEY_PEM_TYPE, SIGSTORE_PRIVATE_KEY_PEM_TYPE } from './encrypted-key.js';
import { keyAlgorithm } from './key-signer.js';
import type { PemBlock } from './pem.js';

/** The unencrypted PEM private keys cosign import-key-pair reads (pkg/cosign/keys.go ImportKeyPair). */
export const PLAIN_PRIVATE_KEY_PEM_TYPES = {
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
} as const;

export function isEncryptedCosignBlock(block: PemBlock): boolean {
  return block.type === SIGSTORE_PRIVATE_KEY_PEM_TYPE || block.type === COSIGN_PRIVATE_KEY_PEM_TYPE;
}

/**
 * The private key of a plain PEM block: PKCS#8 (`PRIVATE KEY`: RSA, ECDSA, Ed25519), SEC1 (`EC PRIVATE KEY`) or
 * PKCS#1 (`RSA PRIVATE KEY`), validated as cosign's goodkey does. Errors name `what`, never the key.
 */
export function parsePlainPrivateKey(block: PemBlock, what: string): KeyObject {
  if (block.headers['Proc-Type']?.includes('ENCRYPTED')) {
    throw new SignError('UNSUPPORTED_KEY', `${what}: an OpenSSL-encrypted PEM key (Proc-Type header); decrypt it first (openssl pkey -in KEY -out PLAIN.pem)`);
  }
  if (block.type === 'ENCRYPTED PRIVATE KEY') {
    throw new SignError('UNSUPPORTED_KEY', `${what}: a password-protected PKCS#8 key; decrypt it first (openssl pkcs8 -in KEY -out PLAIN.pem)`);
  }
  const type = PLAIN_PRIVATE_KEY_PEM_TYPES[block.type as keyof typeof PLAIN_PRIVATE_KEY_PEM_TYPES];
  if (!type) {
    throw new SignError(
      'UNSUPPORTED_KEY',
      `${what}: a ${JSON.stringify(block.type)} PEM block is not a supported private key (PRIVATE KEY, EC PRIVATE KEY, RSA PRIVATE KEY, or cosign's ${SIGSTORE_PRIVATE_KEY_PEM_TYPE})`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.bytes, format: 'der', type });
  } catch {
    // OpenSSL's reason says nothing useful to a user; the label names what was expected.
    throw new SignError('MALFORMED_KEY', `${what}: the ${block.type} PEM block is not a valid ${type.toUpperCase()} private key`);
  }
  keyAlgorithm(key, what);
  return key;
}
