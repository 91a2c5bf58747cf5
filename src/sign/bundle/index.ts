/** Sigstore bundles: offline verification of bundles v0.1–v0.3 against a trusted root (tollgate verify-bundle). */
export {
  verifyBundle,
  type VerifyBundleOptions,
  type BundleVerification,
  type BundleSummary,
  type BundleSigner,
  type VerifiedTimestamp,
} from './verify-bundle.js';
export { decodeBundle, type DecodedBundle, type BundleVersion } from './decode-bundle.js';
export { readTrustedRoot, decodeTrustedRoot, defaultTrustedRootPath } from './trusted-root.js';
export { parseArtifactDigest, type ArtifactRef, type StatementSummary } from './artifact.js';
export { compileIdentityPolicy, certificateIdentity, type IdentityPolicy, type CertificateIdentity } from './identity.js';
export { verifyBundleFiles, type VerifyBundleFilesOptions } from './verify-bundle-files.js';
