/**
 * Typed errors (DESIGN.md §3.8): one class per domain, a literal-union `code`, an optional `cause`.
 * Callers branch on `code`, never on message text. Only src/cli maps them to exit codes.
 */
export abstract class TollgateError extends Error {
  abstract readonly domain: string;
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad invocation or configuration: the user must change what they asked for. */
export type UsageErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_REFERENCE'
  | 'INVALID_PLATFORM'
  | 'UNKNOWN_SOURCE'
  | 'INVALID_CONFIG'
  // A file the command would create exists already (key pairs are never overwritten without --force).
  | 'KEY_EXISTS';
export class UsageError extends TollgateError {
  readonly domain = 'usage';
  constructor(readonly code: UsageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Anything that goes wrong talking to a registry. */
export type RegistryErrorCode =
  | 'NETWORK'
  | 'TLS'
  | 'TIMEOUT'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'NOT_FOUND'
  | 'MANIFEST_UNKNOWN'
  | 'BLOB_UNKNOWN'
  | 'TOO_MANY_REQUESTS'
  | 'SERVER_ERROR'
  | 'PROTOCOL'
  | 'CREDENTIAL_HELPER';
export class RegistryError extends TollgateError {
  readonly domain = 'registry';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

/** The image (or archive, or layout) is malformed, inconsistent or not what it claims to be. */
export type ImageErrorCode =
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'MALFORMED_MANIFEST'
  | 'MALFORMED_CONFIG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PLATFORM_NOT_FOUND'
  | 'MALFORMED_LAYER'
  | 'TRUNCATED_LAYER'
  | 'DECOMPRESSION_LIMIT'
  | 'FOREIGN_LAYER'
  | 'MALFORMED_ARCHIVE'
  | 'NOT_FOUND';
export class ImageError extends TollgateError {
  readonly domain = 'image';
  constructor(readonly code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A package database or metadata file could not be parsed. */
export type AnalysisErrorCode = 'MALFORMED_FILE' | 'UNSUPPORTED_FORMAT';
export class AnalysisError extends TollgateError {
  readonly domain = 'analysis';
  constructor(readonly code: AnalysisErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The vulnerability database or one of its feeds: missing, corrupt, malformed upstream data, failed update. */
export type VulnDbErrorCode = 'MALFORMED_FEED' | 'FEED_NOT_FOUND' | 'DB_MISSING' | 'DB_CORRUPT' | 'DB_SCHEMA' | 'UPDATE_FAILED' | 'UPDATE_IN_PROGRESS';
export class VulnDbError extends TollgateError {
  readonly domain = 'vulndb';
  constructor(readonly code: VulnDbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Signing and verification (images, attestations). The same codes name why one signature was rejected
 * (`RejectedSignature.code`), so every way of forging a signature has a stable code to test and to branch on.
 */
export type SignErrorCode =
  // Verification outcomes: nothing found, or nothing that verifies.
  | 'NO_SIGNATURES'
  | 'NO_MATCHING_SIGNATURES'
  | 'NO_ATTESTATIONS'
  | 'NO_MATCHING_ATTESTATIONS'
  // Why one signature or attestation was rejected.
  | 'SIGNATURE_MISMATCH'
  | 'SIGNATURE_MALFORMED'
  | 'DIGEST_MISMATCH'
  | 'WRONG_TYPE'
  | 'ANNOTATION_MISMATCH'
  | 'PAYLOAD_MALFORMED'
  | 'PAYLOAD_TYPE_MISMATCH'
  | 'PREDICATE_TYPE_MISMATCH'
  | 'BLOB_DIGEST_MISMATCH'
  | 'BLOB_MISSING'
  | 'BUNDLE_MALFORMED'
  | 'UNSUPPORTED_BUNDLE'
  | 'KEY_NOT_VALID'
  | 'REFERENCE_MISMATCH'
  // Signing, attaching, saving and loading.
  | 'NO_TRUSTED_KEYS'
  | 'PREDICATE_INVALID'
  | 'TOO_MANY_SIGNATURES'
  | 'SIGNING_FAILED'
  | 'LAYOUT_INVALID'
  // Keys (src/sign/keys): reading, decrypting and writing key files and key references. Messages name the key's
  // file or reference, never its material or password.
  | 'WRONG_PASSWORD'
  | 'MALFORMED_KEY'
  | 'UNSUPPORTED_KEY'
  | 'KEY_NOT_FOUND'
  | 'KEY_UNAVAILABLE'
  | 'KEY_WRITE_FAILED'
  // Sigstore bundles (verify-bundle): inputs that cannot be used, and why a bundle did not verify.
  | 'TRUSTED_ROOT_MISSING'
  | 'TRUSTED_ROOT_INVALID'
  | 'BUNDLE_UNVERIFIED'
  | 'ARTIFACT_MISMATCH'
  | 'IDENTITY_MISMATCH'
  | 'CERTIFICATE_INVALID'
  | 'KEY_NOT_TRUSTED'
  | 'TLOG_INVALID'
  | 'TLOG_ENTRY_MISMATCH'
  | 'TIMESTAMP_INVALID'
  // Notation (Notary Project) signatures: an expired envelope (io.cncf.notary.expiry), an envelope that needs what
  // Tollgate does not have (a verification plugin, an unknown critical attribute), no trust policy for the image.
  | 'SIGNATURE_EXPIRED'
  | 'UNSUPPORTED_SIGNATURE'
  | 'NO_APPLICABLE_POLICY';
export class SignError extends TollgateError {
  readonly domain = 'sign';
  constructor(readonly code: SignErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isTollgateError(e: unknown): e is TollgateError {
  return e instanceof TollgateError;
}
