import { SignError } from '../core/index.js';
import { MediaType, parseManifestOrIndex, sha256, type Descriptor, type ImageManifest } from '../oci/index.js';
import { goMap, goMarshal, type GoJson } from './go-json.js';

/**
 * cosign's tag-based storage ("legacy", cosign ≤ 2 default; still read by cosign 3): signatures of image
 * `sha256:<hex>` live in the image repository under the tag `sha256-<hex>.sig`, attestations under `.att`, as an
 * image whose layers are the signed payloads, one layer per signature (cosign pkg/oci/remote, pkg/oci/static,
 * pkg/oci/mutate). The config is go-containerregistry's empty image config with one diff_id and one history entry
 * per layer. Manifest and config are written as Go's json.Marshal writes go-containerregistry's structs, so that
 * what Tollgate pushes is byte-identical to what cosign pushes for the same signatures (the config digests of
 * Connaisseur's real signatures are reproduced by the tests).
 */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const REKOR_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';
export const RFC3161_ANNOTATION = 'dev.sigstore.cosign/rfc3161timestamp';
/** Annotation of an attestation layer naming its predicate type. */
export const PREDICATE_TYPE_ANNOTATION = 'predicateType';
/** cosign refuses signature images with more layers (pkg/oci/mutate/signatures.go maxLayers). */
export const MAX_SIGNATURE_LAYERS = 1000;

function hexOf(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !hex) throw new SignError('DIGEST_MISMATCH', `cosign tags exist for sha256 digests only, not ${digest}`);
  return hex;
}

/** `sha256-<hex>.sig` (cosign pkg/oci/remote normalize). */
export function signatureTag(digest: string): string {
  return `sha256-${hexOf(digest)}.sig`;
}
export function attestationTag(digest: string): string {
  return `sha256-${hexOf(digest)}.att`;
}
/** The referrers tag of the OCI 1.1 fallback (distribution-spec "Referrers Tag Schema"). */
export function referrersTag(digest: string): string {
  return `sha256-${hexOf(digest)}`;
}

export interface NewLayer {
  payload: Buffer;
  mediaType: string;
  annotations: Record<string, string>;
}

export interface TagManifest {
  manifest: Buffer;
  mediaType: string;
  config: Buffer;
  /** Payload blobs of the added layers, to push before the manifest. */
  blobs: Buffer[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** go-containerregistry v1.Descriptor field order: mediaType, size, digest, data, urls, annotations, platform, artifactType. */
export function goDescriptor(d: Json): GoJson {
  const out: Record<string, GoJson | undefined> = {
    mediaType: String(d.mediaType ?? ''),
    size: typeof d.size === 'number' ? d.size : 0,
    digest: String(d.digest ?? ''),
  };
  if (typeof d.data === 'string' && d.data) out.data = d.data;
  if (Array.isArray(d.urls) && d.urls.length) out.urls = d.urls.filter((u): u is string => typeof u === 'string');
  if (isObject(d.annotations) && Object.keys(d.annotations).length) {
    out.annotations = goMap(Object.fromEntries(Object.entries(d.annotations).map(([k, v]) => [k, String(v)])));
  }
  if (isObject(d.platform)) {
    const p = d.platform;
    out.platform = {
      architecture: String(p.architecture ?? ''),
      os: String(p.os ?? ''),
      'os.version': typeof p['os.version'] === 'string' && p['os.version'] ? p['os.version'] : undefined,
      'os.features': Array.isArray(p['os.features']) && p['os.features'].length ? (p['os.features'] as GoJson[]) : undefined,
      variant: typeof p.variant === 'string' && p.variant ? p.variant : undefined,
      features: Array.isArray(p.features) && p.features.length ? (p.features as GoJson[]) : undefined,
    };
  }
  if (typeof d.artifactType === 'string' && d.artifactType) out.artifactType = d.artifactType;
  return out;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** go-containerregistry v1.ConfigFile field order, for the fields a signature image config has. */
function goConfigFile(c: Json): GoJson {
  const history = Array.isArray(c.history) ? c.history.filter(isObject) : [];
  const rootfs = isObject(c.rootfs) ? c.rootfs : {};
  const diffIds = Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids.map(String) : [];
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const config = isObject(c.config) ? c.config : {};
  return {
    architecture: String(c.architecture ?? ''),
    author: str(c.author),
    container: str(c.container),
    created: str(c.created) ?? ZERO_TIME,
    docker_version: str(c.docker_version),
    history: history.length
      ? history.map((h) => ({
          author: str(h.author),
          created: str(h.created) ?? ZERO_TIME,
          created_by: str(h.created_by),
          comment: str(h.comment),
          empty_layer: h.empty_layer === true ? true : undefined,
        }))
      : undefined,
    os: String(c.os ?? ''),
    rootfs: { type: String(rootfs.type ?? 'layers'), diff_ids: diffIds.length ? diffIds : undefined },
    // A signature image's config.config is always {} (cosign never sets one); another tool's is kept as it was.
    config: config as { [key: string]: GoJson },
    'os.version': str(c['os.version']),
    variant: str(c.variant),
  };
}

function parseJson(bytes: Buffer, what: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SignError('PAYLOAD_MALFORMED', `${what} is not JSON`);
  }
  if (!isObject(v)) throw new SignError('PAYLOAD_MALFORMED', `${what} is not a JSON object`);
  return v;
}

/**
 * Appends layers to a signature (or attestation) image, as mutate.Append onto the image at the tag (or onto
 * cosign's empty signature image when there is none): each layer adds a descriptor, a diff_id and an empty history
 * entry. `existing` is the manifest and config now at the tag.
 */
export function appendSignatureLayers(existing: { manifest: Buffer; config: Buffer } | undefined, layers: NewLayer[], what: string): TagManifest {
  const manifest: Json = existing
    ? parseJson(existing.manifest, `${what} manifest`)
    : { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, size: 0, digest: '' }, layers: [] };
  const config: Json = existing ? parseJson(existing.config, `${what} config`) : { architecture: '', os: '', rootfs: { type: 'layers' }, config: {} };
  const oldLayers = Array.isArray(manifest.layers) ? manifest.layers.filter(isObject) : [];
  if (oldLayers.length + layers.length > MAX_SIGNATURE_LAYERS) {
    throw new SignError('TOO_MANY_SIGNATURES', `${what} would hold ${oldLayers.length + layers.length} layers, more than cosign's limit of ${MAX_SIGNATURE_LAYERS}`);
  }
  const rootfs: Json = isObject(config.rootfs) ? { ...config.rootfs } : { type: 'layers' };
  const diffIds = Array.isArray(rootfs.diff_ids) ? [...rootfs.diff_ids] : [];
  const history = Array.isArray(config.history) ? [...config.history] : [];
  const newDescriptors: Json[] = [];
  for (const l of layers) {
    const digest = sha256(l.payload);
    diffIds.push(digest); // uncompressed static layers: diff_id == digest
    history.push({ created: ZERO_TIME });
    newDescriptors.push({ mediaType: l.mediaType, size: l.payload.length, digest, annotations: l.annotations });
  }
  rootfs.diff_ids = diffIds;
  const configBytes = Buffer.from(goMarshal(goConfigFile({ ...config, rootfs, history })), 'utf8');
  const oldConfig = isObject(manifest.config) ? manifest.config : {};
  const mediaType = typeof manifest.mediaType === 'string' ? manifest.mediaType : MediaType.ociManifest;
  const out: Record<string, GoJson | undefined> = {
    schemaVersion: 2,
    mediaType,
    config: goDescriptor({ ...oldConfig, mediaType: oldConfig.mediaType ?? MediaType.ociConfig, size: configBytes.length, digest: sha256(configBytes) }),
    layers: [...oldLayers, ...newDescriptors].map(goDescriptor),
    annotations: isObject(manifest.annotations) && Object.keys(manifest.annotations).length ? goMap(manifest.annotations as Record<string, string>) : undefined,
    subject: isObject(manifest.subject) ? goDescriptor(manifest.subject) : undefined,
  };
  return { manifest: Buffer.from(goMarshal(out), 'utf8'), mediaType, config: configBytes, blobs: layers.map((l) => l.payload) };
}

/** A signature or attestation image's manifest (descriptors validated by the OCI manifest parser). */
export function signatureImage(manifestBytes: Buffer, mediaType: string | undefined, what: string): ImageManifest {
  try {
    const parsed = parseManifestOrIndex(manifestBytes, mediaType);
    if (parsed.kind !== 'manifest') throw new SignError('PAYLOAD_MALFORMED', `${what} is an image index, not a signature image`);
    return parsed;
  } catch (e) {
    if (e instanceof SignError) throw e;
    throw new SignError('PAYLOAD_MALFORMED', `${what}: ${(e as Error).message}`, { cause: e });
  }
}

/** The layers of a signature or attestation image, one signature each. */
export function signatureLayers(manifestBytes: Buffer, mediaType: string | undefined, what: string): Descriptor[] {
  return signatureImage(manifestBytes, mediaType, what).layers;
}
