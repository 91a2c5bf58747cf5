import { createHash, verify, type KeyObject } from 'node:crypto';

/**
 * Checks a raw signature over `data` with a public key, the way sigstore's verifiers do for cosign key pairs
 * (sigstore/sigstore pkg/signature LoadVerifier): ECDSA signatures are ASN.1 DER (r, s) over the hash of the data,
 * RSA is PKCS#1 v1.5 with SHA-256, Ed25519 is pure Ed25519.
 *
 * The hash of an ECDSA signature is the curve's default (P-256 SHA-256, P-384 SHA-384, P-521 SHA-512, as in
 * sigstore-go bundles); cosign's tag-based signatures always hash with SHA-256 (its --signature-digest-algorithm
 * default), so SHA-256 is tried too for the larger curves.
 *
 * "malformed" means the bytes cannot be a signature for this key at all (not DER, wrong length), as opposed to a
 * well-formed signature that does not verify ("invalid").
 */
export type SignatureCheck = 'valid' | 'invalid' | 'malformed';

const CURVE_HASH: Record<string, string> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };

function derLength(buf: Buffer, at: number): { length: number; next: number } | undefined {
  const first = buf[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return { length: first, next: at + 1 };
  const count = first & 0x7f;
  if (count === 0 || count > 2 || at + 1 + count > buf.length) return undefined;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + buf[at + 1 + i]!;
  if (length < 0x80) return undefined; // DER uses the short form when it can
  return { length, next: at + 1 + count };
}

/** A DER SEQUENCE of exactly two positive INTEGERs (an ECDSA-Sig-Value, RFC 3279 §2.2.3). */
export function isDerEcdsaSignature(sig: Buffer): boolean {
  if (sig[0] !== 0x30) return false;
  const seq = derLength(sig, 1);
  if (!seq || seq.next + seq.length !== sig.length) return false;
  let at = seq.next;
  for (let n = 0; n < 2; n++) {
    if (sig[at] !== 0x02) return false;
    const int = derLength(sig, at + 1);
    if (!int || int.length === 0 || int.next + int.length > sig.length) return false;
    if ((sig[int.next]! & 0x80) !== 0) return false; // negative
    at = int.next + int.length;
  }
  return at === sig.length;
}

export function checkSignature(key: KeyObject, data: Buffer, signature: Buffer): SignatureCheck {
  if (key.type !== 'public') return 'malformed';
  if (signature.length === 0) return 'malformed';
  try {
    switch (key.asymmetricKeyType) {
      case 'ec': {
        if (!isDerEcdsaSignature(signature)) return 'malformed';
        const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
        const hashes = [...new Set([CURVE_HASH[curve] ?? 'sha256', 'sha256'])];
        return hashes.some((h) => verify(h, data, key, signature)) ? 'valid' : 'invalid';
      }
      case 'rsa': {
        const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
        if (signature.length !== Math.ceil(bits / 8)) return 'malformed';
        return verify('sha256', data, key, signature) ? 'valid' : 'invalid';
      }
      case 'ed25519':
        if (signature.length !== 64) return 'malformed';
        return verify(null, data, key, signature) ? 'valid' : 'invalid';
      default:
        return 'malformed';
    }
  } catch {
    // OpenSSL refuses some structurally broken inputs instead of returning false.
    return 'malformed';
  }
}

/** cosign's public key hint in bundles: base64(SHA-256(SPKI DER)) (cosign internal/key/svkeypair.go). */
export function publicKeyHint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');
}
