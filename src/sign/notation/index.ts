/** Notation (Notary Project v1) signatures: verify and sign images, JWS and COSE envelopes, trust policy and stores. */
export {
  verifyNotation,
  verifyEnvelope,
  type VerifyNotationOptions,
  type VerifyNotationResult,
  type VerifiedNotationSignature,
  type RejectedNotationSignature,
  type NotationCheck,
  type CheckOutcome,
} from './verify-notation.js';
export { signNotation, type SignNotationOptions, type SignNotationResult } from './sign-notation.js';
export {
  parseTrustPolicy,
  applicablePolicy,
  type TrustPolicyDocument,
  type TrustPolicyStatement,
  type TrustStoreType,
  type ValidationType,
  type ValidationAction,
} from './trust-policy.js';
export { DirectoryTrustStore, MemoryTrustStore, TrustStoreError, type NotationTrustStore } from './trust-store.js';
export { decodeEnvelope, JWS_MEDIA_TYPE, COSE_MEDIA_TYPE, PAYLOAD_CONTENT_TYPE, type Envelope as NotationEnvelope, type EnvelopeType as NotationEnvelopeType } from './envelope.js';
export { NOTATION_SIGNATURE_ARTIFACT_TYPE, THUMBPRINT_ANNOTATION } from './media-types.js';
