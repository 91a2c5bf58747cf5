import type { Bundle, TransparencyLogEntry } from '@sigstore/bundle';
import { SignError } from '../../core/index.js';
import { CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, REKOR_BUNDLE_ANNOTATION, RFC3161_ANNOTATION, SIGNATURE_ANNOTATION } from '../tag-manifest.js';

/**
 * The annotations of a keyless signature in cosign's tag-based storage (cosign pkg/oci/static: WithCertChain,
 * WithBundle, WithRFC3161Timestamp), made from the Sigstore bundle that @sigstore/sign built for the same signature.
 */

/**
 * cosign's bundle.RekorBundle (pkg/cosign/bundle/rekor.go), as json.Marshal writes it:
 * {"SignedEntryTimestamp": base64 SET, "Payload": {"body": base64 canonical entry, "integratedTime", "logIndex", "logID": hex}}.
 * The SET is the log's signature over the canonical JSON of the Payload (rekor pkg/api/entries.go).
 */
export function rekorBundleJson(entry: TransparencyLogEntry, what: string): string {
  const set = entry.inclusionPromise?.signedEntryTimestamp;
  if (!set || set.length === 0) throw new SignError('SIGNING_FAILED', `${what}: the transparency log returned no signed entry timestamp (SET)`);
  return JSON.stringify({
    SignedEntryTimestamp: Buffer.from(set).toString('base64'),
    Payload: {
      body: Buffer.from(entry.canonicalizedBody).toString('base64'),
      integratedTime: Number(entry.integratedTime),
      logIndex: Number(entry.logIndex),
      logID: Buffer.from(entry.logId.keyId).toString('hex'),
    },
  });
}

/** cosign's bundle.RFC3161Timestamp: {"SignedRFC3161Timestamp": base64 DER TimeStampResp token}. */
export function rfc3161Json(token: Buffer): string {
  return JSON.stringify({ SignedRFC3161Timestamp: token.toString('base64') });
}

export interface CertificateChainPem {
  /** The leaf (signing) certificate, PEM. */
  leaf: string;
  /** The rest of Fulcio's chain (intermediates, root), concatenated PEM; empty when Fulcio sent none. */
  chain: string;
}

/**
 * The layer annotations: the signature (empty for an attestation, as cosign's static layers carry it), certificate,
 * chain, Rekor bundle of the bundle's one transparency-log entry, and its RFC 3161 timestamp when there is one.
 */
export function keylessLayerAnnotations(signature: Buffer | undefined, certs: CertificateChainPem, bundle: Bundle, what: string): Record<string, string> {
  const entries = bundle.verificationMaterial.tlogEntries;
  if (entries.length !== 1) throw new SignError('SIGNING_FAILED', `${what}: expected one transparency-log entry, got ${entries.length}`);
  const out: Record<string, string> = {
    [SIGNATURE_ANNOTATION]: signature ? signature.toString('base64') : '',
    [CERTIFICATE_ANNOTATION]: certs.leaf,
  };
  if (certs.chain) out[CHAIN_ANNOTATION] = certs.chain;
  out[REKOR_BUNDLE_ANNOTATION] = rekorBundleJson(entries[0]!, what);
  const ts = bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? [];
  if (ts.length > 0) out[RFC3161_ANNOTATION] = rfc3161Json(Buffer.from(ts[0]!.signedTimestamp));
  return out;
}
