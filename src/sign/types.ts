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

/**
 * Who signed a keyless (Fulcio certificate) signature, as verified offline against a trusted root: the certificate
 * chained to one of its Fulcio CAs at `signedAt`, its SCT verified by one of its CT logs, the transparency-log entry
 * (inclusion promise or proof) by one of its Rekor keys, and the identity matched the caller's policy. The fields
 * map onto SignerFact (src/core/policy.ts): subject, issuer, trustRoot, signedAt.
 */
export interface KeylessSigner {
  /** The subject alternative name that matched the identity policy (email, URI, or Fulcio's otherName username). */
  subject: string;
  /** Every subject alternative name of the certificate. */
  sans: string[];
  /** The OIDC issuer extension (1.3.6.1.4.1.57264.1.8, or the deprecated .1.1). */
  issuer: string;
  /** Name of the trusted root the certificate chained to ("public-good", a trustRootRef, or the file given). */
  trustRoot: string;
  /** The verified signing time, ISO 8601: the transparency log's integratedTime, else an RFC 3161 timestamp. */
  signedAt: string;
  /** Every verified signing time, with its source. */
  timestamps: { source: 'transparency-log' | 'timestamp-authority'; time: string }[];
  certificate: {
    notBefore: string;
    notAfter: string;
    /** Issuer DN of the leaf (the Fulcio intermediate), as Node prints it. */
    issuerName: string;
    serialNumber: string;
    /** SHA-256 of the DER certificate, hex. */
    sha256: string;
  };
}

export interface VerifiedSignature {
  form: SignatureForm;
  /** Where it was found, e.g. `127.0.0.1:5000/app:sha256-….sig layer 0` or `referrer sha256:…`. */
  location: string;
  /** Key-signed: `TrustedKey.source` of the key that verified it. Absent for keyless signatures. */
  key?: string;
  /** Keyless: the verified certificate identity and signing time. */
  keyless?: KeylessSigner;
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
  /** Key-signed: `TrustedKey.source` of the key that verified it. Absent for keyless attestations. */
  key?: string;
  /** Keyless: the verified certificate identity and signing time. */
  keyless?: KeylessSigner;
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
