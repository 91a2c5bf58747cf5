import { SignError } from '../core/index.js';
import { MediaType, parseManifestOrIndex, sha256, type Descriptor } from '../oci/index.js';
import { goMap, goMarshal, type GoJson } from './go-json.js';
import { BUNDLE_V03_MEDIA_TYPE } from './sigstore-bundle.js';
import { goDescriptor } from './tag-manifest.js';

/**
 * OCI 1.1 referrers as cosign v3 writes them (cosign pkg/oci/remote/write.go WriteReferrer and
 * WriteAttestationNewBundleFormat): an image manifest with the empty config `{}`, one layer holding the Sigstore
 * bundle, `artifactType` = the bundle media type (also set on the config descriptor, as cosign does), the image as
 * `subject`, and annotations naming the bundle's content and predicate type. Registries without the referrers API
 * get the `sha256-<hex>` fallback tag (distribution-spec "Referrers Tag Schema"), updated as go-containerregistry
 * does (remote/write.go commitSubjectReferrers).
 */
export const EMPTY_CONFIG = Buffer.from('{}', 'utf8');
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const CREATED_ANNOTATION = 'org.opencontainers.image.created';

export interface ReferrerManifest {
  manifest: Buffer;
  digest: string;
  /** Blobs to push first: the empty config and the bundle. */
  blobs: Buffer[];
  /** The descriptor to list in a referrers index. */
  descriptor: Descriptor;
}

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 formats time.Now().UTC(). */
export function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildBundleReferrer(input: { bundle: Buffer; subject: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>; predicateType: string; created: Date }): ReferrerManifest {
  const annotations = {
    [CREATED_ANNOTATION]: rfc3339Seconds(input.created),
    [BUNDLE_CONTENT_ANNOTATION]: 'dsse-envelope',
    [BUNDLE_PREDICATE_TYPE_ANNOTATION]: input.predicateType,
  };
  const value: GoJson = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: goDescriptor({ mediaType: MediaType.ociEmpty, size: EMPTY_CONFIG.length, digest: sha256(EMPTY_CONFIG), artifactType: BUNDLE_V03_MEDIA_TYPE }),
    layers: [goDescriptor({ mediaType: BUNDLE_V03_MEDIA_TYPE, size: input.bundle.length, digest: sha256(input.bundle) })],
    annotations: goMap(annotations),
    subject: goDescriptor({ mediaType: input.subject.mediaType, size: input.subject.size, digest: input.subject.digest }),
    artifactType: BUNDLE_V03_MEDIA_TYPE,
  };
  const manifest = Buffer.from(goMarshal(value), 'utf8');
  const digest = sha256(manifest);
  return {
    manifest,
    digest,
    blobs: [EMPTY_CONFIG, input.bundle],
    descriptor: { mediaType: MediaType.ociManifest, digest, size: manifest.length, artifactType: BUNDLE_V03_MEDIA_TYPE, annotations },
  };
}

/**
 * The referrers fallback index with `add` listed, or undefined when it is listed already. As go-containerregistry:
 * the new descriptor carries mediaType, size, digest and artifactType; entries are sorted by digest.
 */
export function addToReferrersIndex(existing: Buffer | undefined, add: Descriptor, what: string): Buffer | undefined {
  let entries: Record<string, unknown>[] = [];
  let annotations: Record<string, string> | undefined;
  if (existing) {
    let json: unknown;
    try {
      json = JSON.parse(existing.toString('utf8'));
    } catch {
      throw new SignError('PAYLOAD_MALFORMED', `${what} is not JSON`);
    }
    const j = json as { schemaVersion?: unknown; mediaType?: unknown; manifests?: unknown; annotations?: unknown };
    if (j.schemaVersion !== 2 || j.mediaType !== MediaType.ociIndex || !Array.isArray(j.manifests)) {
      throw new SignError('PAYLOAD_MALFORMED', `${what} is not an OCI image index`);
    }
    entries = j.manifests.filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object');
    if (entries.some((m) => m.digest === add.digest)) return undefined;
    if (j.annotations && typeof j.annotations === 'object') annotations = j.annotations as Record<string, string>;
  }
  entries.push({ mediaType: add.mediaType, size: add.size, digest: add.digest, ...(add.artifactType ? { artifactType: add.artifactType } : {}) });
  entries.sort((a, b) => (String(a.digest) < String(b.digest) ? -1 : String(a.digest) > String(b.digest) ? 1 : 0));
  const value: GoJson = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: entries.map(goDescriptor),
    annotations: annotations && Object.keys(annotations).length ? goMap(annotations) : undefined,
  };
  return Buffer.from(goMarshal(value), 'utf8');
}

/** The descriptors of a referrers index (API answer or fallback tag). */
export function referrersFromIndex(bytes: Buffer, what: string): Descriptor[] {
  let parsed;
  try {
    parsed = parseManifestOrIndex(bytes, MediaType.ociIndex);
  } catch (e) {
    throw new SignError('PAYLOAD_MALFORMED', `${what}: ${(e as Error).message}`, { cause: e });
  }
  if (parsed.kind !== 'index') throw new SignError('PAYLOAD_MALFORMED', `${what} is not an image index`);
  return parsed.manifests;
}
