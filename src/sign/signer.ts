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
