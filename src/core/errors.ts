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
export type UsageErrorCode = 'INVALID_ARGUMENT' | 'INVALID_REFERENCE' | 'INVALID_PLATFORM' | 'UNKNOWN_SOURCE' | 'INVALID_CONFIG';
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

export function isTollgateError(e: unknown): e is TollgateError {
  return e instanceof TollgateError;
}
