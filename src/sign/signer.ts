import type { KeyObject } from 'node:crypto';

/**
 * Something that signs bytes with a private key it may never reveal (DESIGN.md §3.10: named for its role).
 * A key file, an environment variable, a Kubernetes secret today; KMS back ends (AWS, GCP, Azure, Vault,
 * PKCS#11) implement the same interface later: nothing above this interface touches key material.
 */
export interface Signer {
  /** How the signature is made, e.g. "ecdsa-p256-sha256", "ecdsa-p384-sha384", "rsa-pkcs1v15-sha256", "ed25519". */
  readonly algorithm: string;
  /** Where the key comes from, for messages (never the key itself): "cosign.key", "env://COSIGN_KEY", "k8s://ns/name". */
  readonly description: string;
  /** The public half (SPKI), to record next to signatures and to check round trips. */
  publicKey(): Promise<KeyObject>;
  /** Signs `data` (the hash is part of `algorithm`). */
  sign(data: Buffer): Promise<Buffer>;
}

/** A trusted public key, possibly only within a validity window (key rotation). */
export interface TrustedKey {
  key: KeyObject;
  /** File or reference it was read from (for messages). */
  source: string;
  notBefore?: Date;
  notAfter?: Date;
}

/**
 * How an image's signatures are made and what is stored with them, for each of cosign's storage forms. With a key,
 * a `Signer` signs and the layer carries only the signature; keyless, an ephemeral key certified by Fulcio signs,
 * every signature is recorded in Rekor, and the layer also carries the certificate, its chain and the Rekor entry
 * (src/sign/keyless-sign). signImage and attestImage see only this, so the storage code is the same for both.
 */
export interface SigningMethod {
  /** For messages: the key reference, or the identity and Fulcio URL. */
  readonly description: string;
  /** A `.sig` layer: signs the simple-signing payload and returns the layer's annotations (the signature first). */
  signPayload(payload: Buffer): Promise<Record<string, string>>;
  /**
   * An `.att` layer: signs the in-toto statement as a DSSE envelope; returns the envelope as cosign stores it and
   * the layer's annotations (without the predicateType annotation, which the caller adds).
   */
  signAttestationLayer(statement: Buffer): Promise<{ envelope: Buffer; annotations: Record<string, string> }>;
  /** A Sigstore bundle (v0.3 JSON) of a DSSE envelope over the in-toto statement. */
  signBundle(statement: Buffer): Promise<Buffer>;
  /** The key for cosign's duplicate detection of `.sig` layers; undefined when a signature is never a duplicate. */
  dedupeKey(): Promise<KeyObject | undefined>;
}
