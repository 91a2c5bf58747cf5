import { constants, publicDecrypt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist';
import { UsageError } from '../../core/index.js';

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

/**
 * Verifies a signature over an artifact of which only the digest is known (digest-only verification, as
 * sigstore-go's `WithArtifactDigest` and cosign's `verify-blob --digest`): ECDSA and RSA PKCS#1 v1.5 sign the hash
 * of the message, so the hash is enough. Node's crypto only verifies messages it hashes itself, hence ECDSA goes
 * through @noble/curves (audited, the JS reference for these curves) and RSA through the PKCS#1 DigestInfo that
 * the public key recovers. Ed25519 signs the whole message: no digest can stand in for it.
 */
export function verifyPrehashed(key: KeyObject, algorithm: DigestAlgorithm, digest: Buffer, signature: Buffer): boolean {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return verifyEcdsa(key, digest, signature);
    case 'rsa':
      return verifyRsaPkcs1(key, algorithm, digest, signature);
    default:
      throw new UsageError(
        'INVALID_ARGUMENT',
        `digest-only verification is not possible for ${key.asymmetricKeyType ?? 'this'} signatures (they cover the whole artifact): pass --artifact`,
      );
  }
}

function verifyEcdsa(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const curve = { prime256v1: p256, secp384r1: p384, secp521r1: p521 }[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (!curve) {
    throw new UsageError('INVALID_ARGUMENT', `digest-only verification does not support the curve ${key.asymmetricKeyDetails?.namedCurve}`);
  }
  const jwk = key.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
  try {
    // Go's ecdsa.VerifyASN1 accepts high-S signatures and truncates longer digests (bits2int): so does noble with
    // lowS: false and prehash: false.
    return curve.verify(signature, digest, point, { prehash: false, lowS: false, format: 'der' });
  } catch {
    return false;
  }
}

/** DER DigestInfo prefixes of RFC 8017 §9.2 note 1. */
const DIGEST_INFO: Record<DigestAlgorithm, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

function verifyRsaPkcs1(key: KeyObject, algorithm: DigestAlgorithm, digest: Buffer, signature: Buffer): boolean {
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  const expected = Buffer.concat([Buffer.from(DIGEST_INFO[algorithm], 'hex'), digest]);
  return recovered.length === expected.length && timingSafeEqual(recovered, expected);
}
