import type { KeyObject } from 'node:crypto';
import { SignError } from '../core/index.js';
import { checkSignature, type SignatureCheck } from './check-signature.js';
import type { Signer } from './signer.js';

/**
 * Dead Simple Signing Envelope (secure-systems-lab/dsse, protocol.md and envelope.md). The signature covers the
 * Pre-Authentication Encoding of the payload type and body, never the raw body:
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body     (LEN = ASCII decimal byte count)
 */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Layer media type of a cosign attestation (cosign pkg/types/payload.go DssePayloadType). */
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

export interface DsseEnvelope {
  payloadType: string;
  /** Decoded payload bytes. */
  payload: Buffer;
  signatures: { keyid: string; sig: Buffer }[];
}

export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'ascii'), type, Buffer.from(` ${body.length} `, 'ascii'), body]);
}

export async function signEnvelope(signer: Signer, payloadType: string, payload: Buffer): Promise<DsseEnvelope> {
  const sig = await signer.sign(pae(payloadType, payload));
  return { payloadType, payload, signatures: [{ keyid: '', sig }] };
}

/**
 * The envelope as cosign stores it in an `.att` layer: json.Marshal of the protobuf-specs Envelope struct
 * (field order payload, payloadType, signatures[{sig, keyid}]; empty fields omitted), which is what cosign's
 * signcommon.ExtractComponentsFromProtoBundle produces.
 */
export function serializeEnvelope(env: DsseEnvelope): Buffer {
  const sigs = env.signatures.map((s) => ({ sig: s.sig.toString('base64'), ...(s.keyid ? { keyid: s.keyid } : {}) }));
  return Buffer.from(JSON.stringify({ payload: env.payload.toString('base64'), payloadType: env.payloadType, signatures: sigs }), 'utf8');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 as Go's base64.StdEncoding accepts it (padding required, no whitespace), or undefined. */
export function decodeStdBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Reject non-canonical trailing bits so that two different strings never decode to the same signature.
  if (bytes.toString('base64') !== text) return undefined;
  return bytes;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parses a serialized envelope (either field order, as securesystemslib and protobuf-specs write it). */
export function parseEnvelope(bytes: Buffer, what = 'DSSE envelope'): DsseEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SignError('PAYLOAD_MALFORMED', `${what}: not JSON (${(e as Error).message})`);
  }
  return envelopeFromJson(json, what);
}

export function envelopeFromJson(json: unknown, what = 'DSSE envelope'): DsseEnvelope {
  const bad = (detail: string) => new SignError('PAYLOAD_MALFORMED', `${what}: ${detail}`);
  if (!isObject(json)) throw bad('not a JSON object');
  if (typeof json.payloadType !== 'string') throw bad('"payloadType" is missing');
  if (typeof json.payload !== 'string') throw bad('"payload" is missing');
  const payload = decodeStdBase64(json.payload);
  if (!payload) throw bad('"payload" is not base64');
  if (!Array.isArray(json.signatures)) throw bad('"signatures" is missing');
  const signatures = json.signatures.map((s, i) => {
    if (!isObject(s) || typeof s.sig !== 'string') throw bad(`signatures[${i}] has no "sig"`);
    const sig = decodeStdBase64(s.sig);
    if (!sig) throw new SignError('SIGNATURE_MALFORMED', `${what}: signatures[${i}].sig is not base64`);
    return { keyid: typeof s.keyid === 'string' ? s.keyid : '', sig };
  });
  return { payloadType: json.payloadType, payload, signatures };
}

/** Whether any signature of the envelope verifies with the key (go-securesystemslib's verifier accepts any one). */
export function checkEnvelope(env: DsseEnvelope, key: KeyObject): SignatureCheck {
  const message = pae(env.payloadType, env.payload);
  let result: SignatureCheck = 'malformed';
  for (const s of env.signatures) {
    const r = checkSignature(key, message, s.sig);
    if (r === 'valid') return 'valid';
    if (r === 'invalid') result = 'invalid';
  }
  return result;
}
