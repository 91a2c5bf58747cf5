import type { KeyObject } from 'node:crypto';
import { MediaType, sha256, type Descriptor, type ImageReference } from '../oci/index.js';
import type { RegistrySource } from './artifact-source.js';
import { checkSignature } from './check-signature.js';
import { decodeStdBase64 } from './dsse.js';
import { addToReferrersIndex, buildBundleReferrer } from './referrer-manifest.js';
import { appendSignatureLayers, referrersTag, SIGNATURE_ANNOTATION, signatureImage, type NewLayer } from './tag-manifest.js';

/**
 * Writing signatures next to an image in a registry, in cosign's two storage forms.
 */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/**
 * cosign's DupeDetector (pkg/cosign/remote/remote.go): an existing layer with the same payload digest and media
 * type, every new annotation present with the same value, and a signature that verifies with the signer's key is
 * the same signature; it is not added again. Attestation layers carry an empty signature annotation, so they are
 * never duplicates (as in cosign).
 */
async function isDuplicate(source: RegistrySource, tagRef: ImageReference, existing: Descriptor[], layer: NewLayer, publicKey: KeyObject): Promise<boolean> {
  const digest = sha256(layer.payload);
  for (const old of existing) {
    if (old.digest !== digest || old.mediaType !== layer.mediaType) continue;
    const same = Object.entries(layer.annotations).every(([k, v]) => k === SIGNATURE_ANNOTATION || old.annotations?.[k] === v);
    if (!same) continue;
    const b64 = old.annotations?.[SIGNATURE_ANNOTATION];
    const sig = b64 ? decodeStdBase64(b64) : undefined;
    if (!sig) continue;
    const payload = await source.client.getBlobBytes(tagRef, old.digest, MAX_PAYLOAD_BYTES, { expectedSize: old.size }).catch(() => undefined);
    if (payload && checkSignature(publicKey, payload, sig) === 'valid') return true;
  }
  return false;
}

/**
 * Appends one layer to the `.sig` / `.att` image at `tag` (creating it when absent), as cosign's
 * mutate.AttachSignatureToEntity + remote.WriteSignatures do. Returns false when the signature was a duplicate.
 */
export async function appendToTag(source: RegistrySource, tag: string, layer: NewLayer, dedupeWith: KeyObject | undefined, what: string): Promise<boolean> {
  const ref = source.reference;
  const current = await source.manifestAt(tag);
  let existing: { manifest: Buffer; config: Buffer } | undefined;
  if (current) {
    const parsed = signatureImage(current.bytes, current.mediaType, what);
    if (dedupeWith && (await isDuplicate(source, ref, parsed.layers, layer, dedupeWith))) return false;
    const config = await source.client.getBlobBytes(ref, parsed.config.digest, MAX_CONFIG_BYTES, { expectedSize: parsed.config.size });
    existing = { manifest: current.bytes, config };
  }
  const next = appendSignatureLayers(existing, [layer], what);
  for (const b of [...next.blobs, next.config]) await source.client.pushBlob(ref, b);
  await source.client.putManifest(ref, tag, next.manifest, next.mediaType);
  return true;
}

/**
 * Attaches a Sigstore bundle as an OCI 1.1 referrer of `subject` (cosign WriteAttestationNewBundleFormat), then
 * lists it in the `sha256-<hex>` fallback tag when the registry has no referrers API (go-containerregistry's
 * commitSubjectReferrers asks the API first too). Returns the referrer manifest's digest.
 */
export async function attachBundle(
  source: RegistrySource,
  subject: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>,
  bundle: Buffer,
  predicateType: string,
  created: Date,
): Promise<string> {
  const ref = source.reference;
  const referrer = buildBundleReferrer({ bundle, subject, predicateType, created });
  for (const b of referrer.blobs) await source.client.pushBlob(ref, b);
  await source.client.putManifest(ref, referrer.digest, referrer.manifest, MediaType.ociManifest);
  await registerReferrer(source, subject.digest, referrer.descriptor);
  return referrer.digest;
}

/**
 * After pushing a manifest whose subject is `subjectDigest`: on a registry without the referrers API, list it in the
 * `sha256-<hex>` fallback index (read-modify-write, as go-containerregistry and the distribution spec describe).
 */
export async function registerReferrer(source: RegistrySource, subjectDigest: string, descriptor: Descriptor): Promise<void> {
  const ref = source.reference;
  const api = await source.client.getReferrersIndex(ref, subjectDigest);
  if (api !== undefined) return; // the registry maintains the list itself
  const tag = referrersTag(subjectDigest);
  const current = await source.manifestAt(tag);
  const next = addToReferrersIndex(current?.bytes, descriptor, `${ref.registry}/${ref.repository}:${tag}`);
  if (next) await source.client.putManifest(ref, tag, next, MediaType.ociIndex);
}
