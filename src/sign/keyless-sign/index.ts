/** Keyless signing (cosign sign/attest without --key): a Fulcio certificate for an OIDC identity, Rekor entries. */
export {
  KeylessSigning,
  ephemeralKey,
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  type KeylessSigningOptions,
  type KeylessCertificate,
  type KeylessLogEntry,
} from './keyless-signing.js';
export { parseIdentityToken, type IdentityToken } from './identity-token.js';
export { rekorBundleJson, rfc3161Json, keylessLayerAnnotations, type CertificateChainPem } from './cosign-annotations.js';
