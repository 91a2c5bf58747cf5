import { COSE_MEDIA_TYPE, JWS_MEDIA_TYPE } from './envelope.js';

/** signature-specification.md "Storage": how a Notary Project signature is stored next to an image. */
export const NOTATION_SIGNATURE_ARTIFACT_TYPE = 'application/vnd.cncf.notary.signature';
/** The signature manifest annotation listing the SHA-256 fingerprints of the envelope's certificate chain. */
export const THUMBPRINT_ANNOTATION = 'io.cncf.notary.x509chain.thumbprint#S256';
export const ENVELOPE_MEDIA_TYPES: string[] = [JWS_MEDIA_TYPE, COSE_MEDIA_TYPE];
/** notation-go registry/repository.go caps signature blobs at 32 MiB (maxBlobSizeLimit); envelopes are a few KiB, so Tollgate reads at most 4 MiB. */
export const MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;
