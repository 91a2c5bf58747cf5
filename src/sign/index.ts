/** Public API of src/sign: signing, attesting and verifying images, interoperable with cosign. */
export type { Signer, TrustedKey, SigningMethod } from './signer.js';
export { signImage, type SignImageOptions } from './sign-image.js';
// Keyless signing (Fulcio certificate for an OIDC identity, signatures recorded in Rekor).
export {
  KeylessSigning,
  ephemeralKey,
  parseIdentityToken,
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  type KeylessSigningOptions,
  type KeylessCertificate,
  type KeylessLogEntry,
  type IdentityToken,
} from './keyless-sign/index.js';
export { attestImage, type AttestImageOptions } from './attest-image.js';
export { verifyImage, NoMatchingSignaturesError, type VerifyImageOptions } from './verify-image.js';
export { verifyAttestations, type VerifyAttestationsOptions } from './verify-attestations.js';
// Keyless (Fulcio certificate) verification of image signatures and attestations, offline against a trusted root.
export { KeylessVerifier, type KeylessOptions, type KeylessCheck } from './keyless/verify-keyless.js';
export { loadTrustedRoot, TRUSTED_ROOT_ENV, type LoadedTrustedRoot, type LoadTrustedRootOptions } from './keyless/trusted-root-source.js';
// The public-good trusted root through TUF (@sigstore/tuf), or from the seed that package embeds.
export {
  updateTrustedRoot,
  readEmbeddedSeed,
  summarizeTrustedRoot,
  tufCacheDir,
  PUBLIC_GOOD_TUF_MIRROR,
  type UpdateTrustedRootOptions,
  type UpdatedTrustedRoot,
  type EmbeddedSeed,
  type TrustedRootSummary,
} from './keyless/tuf-trusted-root.js';
export { legacyBundle, hasCertificate } from './keyless/legacy-bundle.js';
export { saveImage, loadImage, type SaveImageOptions, type SaveImageResult, type LoadImageOptions, type LoadImageResult } from './save-image.js';
export type {
  SignatureForm,
  SignatureForms,
  SignedEntry,
  SignImageResult,
  VerifiedSignature,
  KeylessSigner,
  RejectedSignature,
  VerifyImageResult,
  VerifiedAttestation,
  VerifyAttestationsResult,
} from './types.js';
export type { SignRegistry } from './artifact-source.js';
export { checkSignature, publicKeyHint, type SignatureCheck } from './check-signature.js';
export { pae, parseEnvelope, serializeEnvelope, IN_TOTO_PAYLOAD_TYPE, DSSE_ENVELOPE_MEDIA_TYPE, type DsseEnvelope } from './dsse.js';
export {
  buildSimpleSigningPayload,
  parseSimpleSigningPayload,
  dockerReferenceOf,
  COSIGN_SIGNATURE_TYPE,
  type SimpleSigningPayload,
} from './simple-signing.js';
export {
  PREDICATE_TYPES,
  predicateTypeUri,
  parseStatement,
  COSIGN_SIGN_PREDICATE_TYPE,
  type InTotoStatement,
} from './in-toto.js';
export { signatureTag, attestationTag, referrersTag, SIMPLE_SIGNING_MEDIA_TYPE, SIGNATURE_ANNOTATION } from './tag-manifest.js';
export { BUNDLE_V03_MEDIA_TYPE } from './sigstore-bundle.js';
export { parseAnnotationFlags } from './annotations.js';
// Keys (src/sign/keys) and Sigstore bundle verification (src/sign/bundle): other folders reach them through here.
export * from './keys/index.js';
export * from './bundle/index.js';
// Notation (Notary Project) signatures (src/sign/notation).
export * from './notation/index.js';
