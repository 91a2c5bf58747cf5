import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  type Bundle,
} from '@sigstore/bundle';
import { SignError } from '../../core/index.js';

/** The bundle versions of the Sigstore bundle specification this verifier knows (protobuf-specs bundle.proto). */
export type BundleVersion = '0.1' | '0.2' | '0.3';

const MEDIA_TYPES: Record<string, BundleVersion> = {
  [BUNDLE_V01_MEDIA_TYPE]: '0.1',
  [BUNDLE_V02_MEDIA_TYPE]: '0.2',
  [BUNDLE_V03_LEGACY_MEDIA_TYPE]: '0.3',
  [BUNDLE_V03_MEDIA_TYPE]: '0.3',
};

export interface DecodedBundle {
  bundle: Bundle;
  version: BundleVersion;
  mediaType: string;
}

/**
 * Reads a Sigstore bundle (its protobuf JSON form) and checks its shape before anything is verified:
 * a known media type (v0.1, v0.2, v0.3 in either spelling), well-formed base64 in every bytes field,
 * non-negative log indexes and times, and the per-version rules @sigstore/bundle enforces (v0.1 needs
 * inclusion promises, v0.2+ inclusion proofs, v0.3 a single certificate, one DSSE signature…).
 * Anything else is a malformed bundle (SignError BUNDLE_MALFORMED / UNSUPPORTED_BUNDLE), never a "failed" verification.
 */
export function decodeBundle(bytes: Buffer, name = 'bundle'): DecodedBundle {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SignError('BUNDLE_MALFORMED', `${name}: not JSON (${(e as Error).message})`, { cause: e });
  }
  if (!isObject(json)) throw new SignError('BUNDLE_MALFORMED', `${name}: not a JSON object`);
  const mediaType = json.mediaType;
  if (typeof mediaType !== 'string') throw new SignError('BUNDLE_MALFORMED', `${name}: no mediaType`);
  const version = MEDIA_TYPES[mediaType];
  if (!version) {
    throw new SignError(
      'UNSUPPORTED_BUNDLE',
      `${name}: unsupported bundle media type "${mediaType}" (known: Sigstore bundle v0.1, v0.2, v0.3)`,
    );
  }
  const problems = [...bytesFieldProblems(json), ...integerProblems(json)];
  if (problems.length > 0) throw new SignError('BUNDLE_MALFORMED', `${name}: ${problems.join('; ')}`);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (e) {
    const fields = (e as { fields?: string[] }).fields;
    const what = fields?.length ? `missing or invalid ${fields.join(', ')}` : (e as Error).message;
    throw new SignError('BUNDLE_MALFORMED', `${name}: invalid v${version} bundle: ${what}`, { cause: e });
  }
  return { bundle, version, mediaType };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/**
 * Protobuf JSON encodes `bytes` fields as base64, standard or URL-safe, padding optional (proto3 JSON mapping).
 * protobuf-specs' decoder is lenient (Node's Buffer.from(…, 'base64') skips invalid characters), so a bundle with
 * a corrupted signature would otherwise decode to different bytes instead of being rejected.
 * Line breaks are allowed, as Go's decoder allows them.
 */
function isBase64(text: string): boolean {
  // Go's encoding/base64 (behind protojson) skips line breaks, and some producers wrap base64 at 76 columns.
  const s = text.replace(/[\r\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) && !/^[A-Za-z0-9_-]*={0,2}$/.test(s)) return false;
  const body = s.replace(/=+$/, '');
  if (body.length % 4 === 1) return false;
  return s.length === body.length || s.length % 4 === 0;
}

function bytesFieldProblems(json: Record<string, unknown>): string[] {
  const fields: [string, unknown][] = [
    ['messageSignature.messageDigest.digest', at(json, 'messageSignature.messageDigest.digest')],
    ['messageSignature.signature', at(json, 'messageSignature.signature')],
    ['dsseEnvelope.payload', at(json, 'dsseEnvelope.payload')],
    ['verificationMaterial.certificate.rawBytes', at(json, 'verificationMaterial.certificate.rawBytes')],
  ];
  const list = (path: string): unknown[] => {
    const v = at(json, path);
    return Array.isArray(v) ? v : [];
  };
  list('dsseEnvelope.signatures').forEach((s, i) => fields.push([`dsseEnvelope.signatures[${i}].sig`, at(s, 'sig')]));
  list('verificationMaterial.x509CertificateChain.certificates').forEach((c, i) =>
    fields.push([`verificationMaterial.x509CertificateChain.certificates[${i}].rawBytes`, at(c, 'rawBytes')]),
  );
  list('verificationMaterial.tlogEntries').forEach((t, i) => {
    const p = `verificationMaterial.tlogEntries[${i}]`;
    fields.push([`${p}.logId.keyId`, at(t, 'logId.keyId')]);
    fields.push([`${p}.canonicalizedBody`, at(t, 'canonicalizedBody')]);
    fields.push([`${p}.inclusionPromise.signedEntryTimestamp`, at(t, 'inclusionPromise.signedEntryTimestamp')]);
    fields.push([`${p}.inclusionProof.rootHash`, at(t, 'inclusionProof.rootHash')]);
    const hashes = at(t, 'inclusionProof.hashes');
    if (Array.isArray(hashes)) hashes.forEach((h, j) => fields.push([`${p}.inclusionProof.hashes[${j}]`, h]));
  });
  list('verificationMaterial.timestampVerificationData.rfc3161Timestamps').forEach((t, i) =>
    fields.push([`verificationMaterial.timestampVerificationData.rfc3161Timestamps[${i}].signedTimestamp`, at(t, 'signedTimestamp')]),
  );
  const problems: string[] = [];
  for (const [path, value] of fields) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || !isBase64(value)) problems.push(`${path} is not valid base64`);
  }
  return problems;
}

/** int64 fields are JSON strings (or numbers); log indexes, times and tree sizes cannot be negative. */
function integerProblems(json: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const entries = at(json, 'verificationMaterial.tlogEntries');
  if (!Array.isArray(entries)) return problems;
  entries.forEach((t, i) => {
    for (const field of ['logIndex', 'integratedTime', 'inclusionProof.logIndex', 'inclusionProof.treeSize']) {
      const v = at(t, field);
      if (v === undefined) continue;
      const s = typeof v === 'number' ? String(v) : v;
      if (typeof s !== 'string' || !/^\d+$/.test(s)) {
        problems.push(`verificationMaterial.tlogEntries[${i}].${field} must be a non-negative integer, got ${JSON.stringify(v)}`);
      }
    }
  });
  return problems;
}
