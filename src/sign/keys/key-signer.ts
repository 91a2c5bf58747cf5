import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { SignError } from '../../core/index.js';
import type { Signer } from '../signer.js';

/**
 * Signature algorithms of the key types cosign supports (pkg/cosign/keys.go SupportedKeyDetails and
 * sigstore/sigstore pkg/signature LoadDefaultSignerVerifier): ECDSA with the curve's hash and an ASN.1 DER
 * signature, RSA PKCS#1 v1.5 with SHA-256, pure Ed25519.
 */
export type KeyAlgorithm = 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'ecdsa-p521-sha512' | 'rsa-pkcs1v15-sha256' | 'ed25519';

const CURVES: Record<string, { algorithm: KeyAlgorithm; hash: string }> = {
  prime256v1: { algorithm: 'ecdsa-p256-sha256', hash: 'sha256' },
  secp384r1: { algorithm: 'ecdsa-p384-sha384', hash: 'sha384' },
  secp521r1: { algorithm: 'ecdsa-p521-sha512', hash: 'sha512' },
};
/** sigstore/sigstore cryptoutils.ValidatePubKey: the RSA sizes cosign accepts. */
const RSA_BITS = [2048, 3072, 4096];

/**
 * The algorithm a key signs with, or a SignError UNSUPPORTED_KEY naming what is wrong (never the key): EC on
 * P-256/P-384/P-521, RSA of 2048/3072/4096 bits, Ed25519 — the keys cosign's ValidatePubKey accepts.
 */
export function keyAlgorithm(key: KeyObject, what: string): KeyAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
      const c = CURVES[curve];
      if (!c) throw new SignError('UNSUPPORTED_KEY', `${what}: ECDSA curve ${curve} is not supported (cosign accepts NIST P-256, P-384 and P-521)`);
      return c.algorithm;
    }
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (!RSA_BITS.includes(bits)) throw new SignError('UNSUPPORTED_KEY', `${what}: RSA key size ${bits} is not supported (cosign accepts 2048, 3072 or 4096 bits)`);
      return 'rsa-pkcs1v15-sha256';
    }
    case 'ed25519':
      return 'ed25519';
    default:
      throw new SignError('UNSUPPORTED_KEY', `${what}: ${key.asymmetricKeyType ?? 'unknown'} keys are not supported (cosign accepts ECDSA, RSA and Ed25519)`);
  }
}

function hashOf(algorithm: KeyAlgorithm): string | null {
  switch (algorithm) {
    case 'ecdsa-p256-sha256':
    case 'rsa-pkcs1v15-sha256':
      return 'sha256';
    case 'ecdsa-p384-sha384':
      return 'sha384';
    case 'ecdsa-p521-sha512':
      return 'sha512';
    case 'ed25519':
      return null;
  }
}

/**
 * A Signer over a private key held in this process (a key file, env://, k8s://). The key lives in a private
 * field: it never shows in util.inspect, JSON.stringify or an error, and only `publicKey()` leaves the object.
 */
export class KeySigner implements Signer {
  readonly #key: KeyObject;
  readonly #public: KeyObject;
  readonly algorithm: KeyAlgorithm;

  constructor(
    key: KeyObject,
    readonly description: string,
  ) {
    if (key.type !== 'private') throw new SignError('UNSUPPORTED_KEY', `${description}: not a private key`);
    this.algorithm = keyAlgorithm(key, description);
    this.#key = key;
    this.#public = createPublicKey(key);
  }

  /** A Signer for a PKCS#8 DER private key (what cosign's encrypted files hold). */
  static fromPkcs8(der: Buffer, description: string): KeySigner {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      throw new SignError('MALFORMED_KEY', `${description}: the private key is not a valid PKCS#8 key`);
    }
    return new KeySigner(key, description);
  }

  publicKey(): Promise<KeyObject> {
    return Promise.resolve(this.#public);
  }

  sign(data: Buffer): Promise<Buffer> {
    const hash = hashOf(this.algorithm);
    // ECDSA: ASN.1 DER (r, s), as Go's ecdsa.SignASN1 and therefore cosign emit; RSA: PKCS#1 v1.5 (Node's default).
    const sig = this.algorithm.startsWith('ecdsa-') ? sign(hash, data, { key: this.#key, dsaEncoding: 'der' }) : sign(hash, data, this.#key);
    return Promise.resolve(sig);
  }

  toJSON(): { algorithm: string; description: string } {
    return { algorithm: this.algorithm, description: this.description };
  }
}
