import type { KeyObject } from 'node:crypto';
import { BUNDLE_V03_MEDIA_TYPE, bundleFromJSON, bundleToJSON, toDSSEBundle, type Bundle } from '@sigstore/bundle';
import { SignError } from '../core/index.js';
import { publicKeyHint } from './check-signature.js';
import type { DsseEnvelope } from './dsse.js';

/**
 * Sigstore bundles (protobuf-specs bundle.proto, JSON form) as cosign v3 attaches them to images: a DSSE envelope
 * with the signer's public-key hint and, for key-based signing without a transparency log, no tlog entries.
 * Built and validated with @sigstore/bundle, the reference implementation of the format.
 */
export { BUNDLE_V03_MEDIA_TYPE };

/** A v0.3 bundle of a DSSE envelope signed with a key (sigstore-go sign.Bundle with a key pair, no Rekor, no TSA). */
export function buildDsseBundle(env: DsseEnvelope, publicKey: KeyObject): Buffer {
  const sig = env.signatures[0];
  if (!sig || env.signatures.length !== 1) throw new SignError('SIGNING_FAILED', 'a Sigstore bundle holds a DSSE envelope with exactly one signature');
  const bundle = toDSSEBundle({ artifact: env.payload, artifactType: env.payloadType, signature: sig.sig, keyHint: publicKeyHint(publicKey) });
  // sigstore-go leaves the DSSE keyid empty; the hint lives in verificationMaterial.publicKey.
  const json = bundleToJSON(bundle);
  for (const s of json.dsseEnvelope?.signatures ?? []) delete (s as { keyid?: string }).keyid;
  return Buffer.from(JSON.stringify(json), 'utf8');
}

export interface ParsedBundle {
  mediaType: string;
  /** The DSSE envelope, when the bundle holds one (cosign's image signatures and attestations always do). */
  envelope?: DsseEnvelope;
  /** What the bundle offers to verify the signature with. */
  material: 'publicKey' | 'certificate' | 'x509CertificateChain' | 'none';
  publicKeyHint?: string;
  tlogEntries: number;
  rfc3161Timestamps: number;
}

export function parseBundle(bytes: Buffer, what = 'Sigstore bundle'): ParsedBundle {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SignError('BUNDLE_MALFORMED', `${what}: not JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SignError('BUNDLE_MALFORMED', `${what}: not a JSON object`);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (e) {
    const fields = (e as { fields?: string[] }).fields;
    throw new SignError('BUNDLE_MALFORMED', `${what}: ${(e as Error).message}${fields?.length ? ` (${fields.join(', ')})` : ''}`, { cause: e });
  }
  const vm = bundle.verificationMaterial;
  const material = vm.content?.$case ?? 'none';
  const out: ParsedBundle = {
    mediaType: bundle.mediaType,
    material,
    tlogEntries: vm.tlogEntries.length,
    rfc3161Timestamps: vm.timestampVerificationData?.rfc3161Timestamps.length ?? 0,
  };
  if (vm.content?.$case === 'publicKey') out.publicKeyHint = vm.content.publicKey.hint;
  if (bundle.content.$case === 'dsseEnvelope') {
    const e = bundle.content.dsseEnvelope;
    out.envelope = {
      payloadType: e.payloadType,
      payload: Buffer.from(e.payload),
      signatures: e.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig) })),
    };
  }
  return out;
}
