import { Fields, type JsonObject, describe, isObject } from './json-fields.js';

/** How the SBOM arrived when it was an attestation. Signatures are counted, not verified (src/sign verifies). */
export interface AttestationInfo {
  /** The outermost wrapper that was read. */
  envelope: 'sigstore-bundle' | 'dsse' | 'in-toto-statement';
  predicateType: string;
  subjects: { name: string; digest: Record<string, string> }[];
  signatures: number;
}

/** in-toto Statement `_type` values (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md). */
const STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1']);
const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json';
/**
 * SBOM predicate types: cosign `attest --type cyclonedx|spdx|spdxjson` writes in-toto-golang's PredicateCycloneDX
 * ("https://cyclonedx.org/bom") and PredicateSPDX ("https://spdx.dev/Document"); other tools add a version
 * ("https://cyclonedx.org/bom/v1.4", "https://spdx.dev/Document/v2.3").
 */
const SBOM_PREDICATE = /^https:\/\/(cyclonedx\.org\/(bom|schema)|spdx\.dev\/Document)(\/|$)/i;

export function isSbomPredicateType(t: string): boolean {
  return SBOM_PREDICATE.test(t);
}

/**
 * When `doc` is a Sigstore bundle with a DSSE envelope, a DSSE envelope, or an in-toto Statement, returns the
 * predicate it carries (which must be an SBOM); undefined when `doc` is none of these.
 */
export function unwrapAttestation(doc: JsonObject, file: string): { predicate: unknown; info: AttestationInfo } | undefined {
  const f = new Fields(file);
  let envelope: AttestationInfo['envelope'] | undefined;
  let current: JsonObject = doc;
  let signatures = 0;

  const mediaType = typeof current.mediaType === 'string' ? current.mediaType : '';
  if (mediaType.startsWith('application/vnd.dev.sigstore.bundle')) {
    envelope = 'sigstore-bundle';
    current =
      f.obj(current, 'dsseEnvelope', '$') ??
      f.fail('$', 'is a Sigstore bundle that signs an artifact (messageSignature), not an attestation: it holds no SBOM');
  }
  let path = envelope ? '$.dsseEnvelope' : '$';
  if (typeof current.payloadType === 'string' && 'payload' in current) {
    envelope ??= 'dsse';
    if (current.payloadType !== IN_TOTO_PAYLOAD) {
      f.fail(`${path}.payloadType`, `is ${JSON.stringify(current.payloadType)}; an SBOM attestation has payload type ${IN_TOTO_PAYLOAD}`);
    }
    const payload = f.str(current, 'payload', path) ?? f.fail(`${path}.payload`, 'is missing');
    signatures = f.arr(current, 'signatures', path).length;
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload.replace(/\s+/g, ''))) f.fail(`${path}.payload`, 'is not base64 (DSSE payloads are base64-encoded)');
    const text = Buffer.from(payload, 'base64').toString('utf8');
    let statement: unknown;
    try {
      statement = JSON.parse(text);
    } catch (e) {
      f.fail(`${path}.payload`, `does not decode to JSON (${(e as Error).message})`);
    }
    current = isObject(statement) ? statement : f.fail(`${path}.payload`, `decodes to ${describe(statement)}, expected an in-toto statement`);
    path = `${path}.payload`;
  }
  const type = current._type;
  if (typeof type !== 'string' || !STATEMENT_TYPES.has(type)) {
    if (envelope) f.fail(`${path}._type`, `is ${JSON.stringify(type)}, not an in-toto Statement type`);
    return undefined;
  }
  envelope ??= 'in-toto-statement';
  const predicateType = f.str(current, 'predicateType', path) ?? f.fail(`${path}.predicateType`, 'is missing');
  if (!isSbomPredicateType(predicateType)) {
    f.fail(
      `${path}.predicateType`,
      `is ${JSON.stringify(predicateType)}: this attestation is not an SBOM (expected https://cyclonedx.org/bom or https://spdx.dev/Document)`,
    );
  }
  const subjects = f.objects(f.arr(current, 'subject', path), `${path}.subject`).map((s, i) => {
    const digest: Record<string, string> = {};
    for (const [k, v] of Object.entries(f.obj(s, 'digest', `${path}.subject[${i}]`) ?? {})) if (typeof v === 'string') digest[k] = v;
    return { name: f.str(s, 'name', `${path}.subject[${i}]`) ?? '', digest };
  });
  if (!('predicate' in current) || current.predicate === null) f.fail(`${path}.predicate`, 'is missing');
  return { predicate: current.predicate, info: { envelope, predicateType, subjects, signatures } };
}
