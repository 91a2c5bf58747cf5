import { createHash, X509Certificate } from 'node:crypto';
import { BUNDLE_V01_MEDIA_TYPE } from '@sigstore/bundle';
import type { SignErrorCode } from '../../core/index.js';
import type { DsseEnvelope } from '../dsse.js';
import { CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, REKOR_BUNDLE_ANNOTATION, RFC3161_ANNOTATION } from '../tag-manifest.js';

/**
 * cosign's tag-based keyless signatures (`sha256-<hex>.sig` / `.att` layers) keep their verification material in
 * layer annotations (cosign pkg/oci/static/options.go, pkg/cosign/bundle/rekor.go):
 *
 * - `dev.sigstore.cosign/certificate`: the Fulcio leaf certificate (PEM);
 * - `dev.sigstore.cosign/chain`: its issuing chain (PEM, informational: trust comes from the trusted root);
 * - `dev.sigstore.cosign/bundle`: the Rekor "bundle" `{"SignedEntryTimestamp": b64, "Payload": {"body": b64,
 *   "integratedTime": n, "logIndex": n, "logID": hex}}`, i.e. the entry and its inclusion promise (SET);
 * - `dev.sigstore.cosign/rfc3161timestamp`: `{"SignedRFC3161Timestamp": b64}` (optional).
 *
 * That is exactly what a Sigstore bundle v0.1 holds (bundle.proto: x509CertificateChain, tlogEntries with
 * inclusionPromise and canonicalizedBody, timestampVerificationData), so the layer is rewritten as one and verified
 * by @sigstore/verify like any bundle, instead of with hand-written checks.
 */
export function hasCertificate(annotations: Record<string, string> | undefined): boolean {
  return (annotations?.[CERTIFICATE_ANNOTATION] ?? '') !== '';
}

export type LegacyContent = { kind: 'message'; payload: Buffer; signature: Buffer } | { kind: 'dsse'; envelope: DsseEnvelope };

export type LegacyBundle = { ok: true; bundle: Buffer; leaf: X509Certificate } | { ok: false; code: SignErrorCode; message: string };

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function parsePems(text: string): X509Certificate[] | string {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) return 'holds no PEM certificate';
  const out: X509Certificate[] = [];
  for (const [i, b] of blocks.entries()) {
    try {
      out.push(new X509Certificate(b));
    } catch (e) {
      return `certificate ${i} does not parse (${(e as Error).message})`;
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const HEX = /^[0-9a-f]+$/i;

interface RekorBundle {
  set: string;
  body: string;
  integratedTime: number;
  logIndex: number;
  logId: Buffer;
  kind: string;
  version: string;
}

/** cosign's bundle.RekorBundle, checked for shape only (its signature is checked by @sigstore/verify). */
function parseRekorBundle(text: string): RekorBundle | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `is not JSON (${(e as Error).message})`;
  }
  if (!isObject(json) || !isObject(json.Payload)) return 'has no Payload';
  const p = json.Payload;
  if (typeof json.SignedEntryTimestamp !== 'string' || json.SignedEntryTimestamp === '') return 'has no SignedEntryTimestamp';
  if (typeof p.body !== 'string' || p.body === '') return 'has no Payload.body';
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!int(p.integratedTime)) return 'has no valid Payload.integratedTime';
  if (!int(p.logIndex)) return 'has no valid Payload.logIndex';
  if (typeof p.logID !== 'string' || p.logID.length % 2 !== 0 || !HEX.test(p.logID)) return 'has no hex Payload.logID';
  // The entry's kind and version are inside the (signed) body; the bundle format needs them beside it.
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(p.body, 'base64').toString('utf8'));
  } catch {
    return 'has a Payload.body that is not base64 JSON';
  }
  if (!isObject(body) || typeof body.kind !== 'string' || typeof body.apiVersion !== 'string') return 'has a Payload.body without kind and apiVersion';
  return {
    set: json.SignedEntryTimestamp,
    body: p.body,
    integratedTime: p.integratedTime as number,
    logIndex: p.logIndex as number,
    logId: Buffer.from(p.logID, 'hex'),
    kind: body.kind,
    version: body.apiVersion,
  };
}

/**
 * The Sigstore bundle v0.1 (protobuf JSON) equivalent to a keyless tag-based signature: the certificate (and chain)
 * from the annotations, the Rekor entry with its inclusion promise, and the message signature over the payload or
 * the layer's DSSE envelope. A missing Rekor bundle is rejected: without it there is no trusted time at which the
 * short-lived certificate was valid, and Rekor is never queried (cosign would look the entry up online).
 */
export function legacyBundle(annotations: Record<string, string>, content: LegacyContent): LegacyBundle {
  const leafPems = parsePems(annotations[CERTIFICATE_ANNOTATION] ?? '');
  if (typeof leafPems === 'string') return { ok: false, code: 'SIGNATURE_MALFORMED', message: `the ${CERTIFICATE_ANNOTATION} annotation ${leafPems}` };
  if (leafPems.length !== 1) return { ok: false, code: 'SIGNATURE_MALFORMED', message: `the ${CERTIFICATE_ANNOTATION} annotation holds ${leafPems.length} certificates, not one` };
  const leaf = leafPems[0]!;
  let chain: X509Certificate[] = [];
  const chainText = annotations[CHAIN_ANNOTATION] ?? '';
  if (chainText.trim() !== '') {
    const c = parsePems(chainText);
    if (typeof c === 'string') return { ok: false, code: 'SIGNATURE_MALFORMED', message: `the ${CHAIN_ANNOTATION} annotation ${c}` };
    chain = c;
  }
  const rekorText = annotations[REKOR_BUNDLE_ANNOTATION] ?? '';
  if (rekorText === '') {
    return {
      ok: false,
      code: 'TLOG_INVALID',
      message: `the keyless signature has no ${REKOR_BUNDLE_ANNOTATION} annotation (Rekor entry and inclusion promise): its certificate cannot be checked at a trusted signing time offline`,
    };
  }
  const rekor = parseRekorBundle(rekorText);
  if (typeof rekor === 'string') return { ok: false, code: 'TLOG_INVALID', message: `the ${REKOR_BUNDLE_ANNOTATION} annotation ${rekor}` };
  const rfc3161: { signedTimestamp: string }[] = [];
  const tsText = annotations[RFC3161_ANNOTATION] ?? '';
  if (tsText !== '') {
    let ts: unknown;
    try {
      ts = JSON.parse(tsText);
    } catch {
      ts = undefined;
    }
    if (!isObject(ts) || typeof ts.SignedRFC3161Timestamp !== 'string') {
      return { ok: false, code: 'TIMESTAMP_INVALID', message: `the ${RFC3161_ANNOTATION} annotation is not {"SignedRFC3161Timestamp": base64}` };
    }
    rfc3161.push({ signedTimestamp: ts.SignedRFC3161Timestamp });
  }

  const b64 = (b: Buffer) => b.toString('base64');
  const bundle: Record<string, unknown> = {
    mediaType: BUNDLE_V01_MEDIA_TYPE,
    verificationMaterial: {
      x509CertificateChain: { certificates: [leaf, ...chain].map((c) => ({ rawBytes: b64(c.raw) })) },
      tlogEntries: [
        {
          logIndex: String(rekor.logIndex),
          logId: { keyId: b64(rekor.logId) },
          kindVersion: { kind: rekor.kind, version: rekor.version },
          integratedTime: String(rekor.integratedTime),
          inclusionPromise: { signedEntryTimestamp: rekor.set },
          // Rekor's Payload.body is already the base64 of the canonicalized entry.
          canonicalizedBody: rekor.body,
        },
      ],
      timestampVerificationData: { rfc3161Timestamps: rfc3161 },
    },
  };
  if (content.kind === 'message') {
    bundle.messageSignature = {
      messageDigest: { algorithm: 'SHA2_256', digest: b64(createHash('sha256').update(content.payload).digest()) },
      signature: b64(content.signature),
    };
  } else {
    const env = content.envelope;
    bundle.dsseEnvelope = {
      payload: b64(env.payload),
      payloadType: env.payloadType,
      signatures: env.signatures.map((s) => ({ sig: b64(s.sig), keyid: s.keyid })),
    };
  }
  return { ok: true, bundle: Buffer.from(JSON.stringify(bundle), 'utf8'), leaf };
}
