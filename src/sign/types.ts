import type { KeyObject } from 'node:crypto';
import type { SignErrorCode } from '../core/index.js';
import type { InTotoStatement } from './in-toto.js';
import type { SignatureCheck } from './check-signature.js';
import type { SimpleSigningPayload } from './simple-signing.js';
import type { TrustedKey } from './signer.js';

/**
 * How a signature is stored next to the image: `legacy` = cosign's `sha256-<hex>.sig` / `.att` tags (one layer per
 * signature); `bundle` = a Sigstore bundle attached as an OCI 1.1 referrer (cosign v3's default).
 */
export type SignatureForm = 'legacy' | 'bundle';
export type SignatureForms = SignatureForm | 'both';

export interface VerifiedSignature {
  form: SignatureForm;
  /** Where it was found, e.g. `127.0.0.1:5000/app:sha256-….sig layer 0` or `referrer sha256:…`. */
  location: string;
  /** `TrustedKey.source` of the key that verified it. */
  key: string;
  /**
   * The claims as cosign's `verify` prints them: the payload of a tag-based signature; for a bundle, the statement
   * turned into the same shape (docker-reference = the image name, type = predicateType, optional = subject
   * annotations), as cosign's transformOutput does.
   */
  payload: SimpleSigningPayload;
  /** The signed bytes (the simple-signing payload, or the in-toto statement of a bundle). */
  payloadBytes: Buffer;
}

export interface RejectedSignature {
  form: SignatureForm;
  location: string;
  code: SignErrorCode;
  message: string;
}

export interface VerifyImageResult {
  /** The image as given. */
  image: string;
  /** The digest whose signatures were checked. */
  digest: string;
  verified: VerifiedSignature[];
  rejected: RejectedSignature[];
}

export interface VerifiedAttestation {
  form: SignatureForm;
  location: string;
  key: string;
  statement: InTotoStatement;
  /** The envelope as stored (an `.att` layer, or the bundle's envelope in cosign's layer JSON form). */
  envelope: Buffer;
}

export interface VerifyAttestationsResult {
  image: string;
  digest: string;
  predicateType: string;
  verified: VerifiedAttestation[];
  /** Includes attestations of other predicate types (PREDICATE_TYPE_MISMATCH), as cosign lists them. */
  rejected: RejectedSignature[];
}

export interface SignedEntry {
  /** The manifest digest that was signed (the index, or a platform image under --recursive). */
  digest: string;
  form: SignatureForm;
  /** The tag (`sha256-….sig`) or referrer manifest digest written. */
  location: string;
  /** An identical signature by the same key was already there (cosign's dupe detection): nothing was added. */
  deduplicated: boolean;
}

export interface SignImageResult {
  image: string;
  digest: string;
  signed: SignedEntry[];
}

export type KeyMatch =
  | { ok: true; key: TrustedKey }
  | { ok: false; code: 'SIGNATURE_MISMATCH' | 'SIGNATURE_MALFORMED' | 'KEY_NOT_VALID'; message: string };

/**
 * Which trusted key verifies a signature. Key validity windows are checked against `now` (the current time by
 * default): a key-signed signature without a verified transparency-log or RFC 3161 timestamp carries no trusted
 * signing time, so the only honest check is "is this key trusted today".
 */
export function matchKey(keys: readonly TrustedKey[], check: (key: KeyObject) => SignatureCheck, now: Date): KeyMatch {
  let anyInvalid = false;
  const outside: TrustedKey[] = [];
  for (const k of keys) {
    const r = check(k.key);
    if (r === 'valid') {
      if ((k.notBefore && now < k.notBefore) || (k.notAfter && now > k.notAfter)) {
        outside.push(k);
        continue;
      }
      return { ok: true, key: k };
    }
    if (r === 'invalid') anyInvalid = true;
  }
  if (outside.length > 0) {
    const k = outside[0]!;
    const window = `${k.notBefore?.toISOString() ?? '-∞'} .. ${k.notAfter?.toISOString() ?? '∞'}`;
    return { ok: false, code: 'KEY_NOT_VALID', message: `signed by ${k.source}, which is trusted only ${window} (checked at ${now.toISOString()})` };
  }
  if (anyInvalid) return { ok: false, code: 'SIGNATURE_MISMATCH', message: `the signature does not verify with ${describeKeys(keys)}` };
  return { ok: false, code: 'SIGNATURE_MALFORMED', message: `the signature is not a well-formed signature for ${describeKeys(keys)}` };
}

function describeKeys(keys: readonly TrustedKey[]): string {
  if (keys.length === 1) return `the key ${keys[0]!.source}`;
  const names = keys.slice(0, 5).map((k) => k.source);
  return `any of the ${keys.length} trusted keys (${names.join(', ')}${keys.length > 5 ? ', …' : ''})`;
}
