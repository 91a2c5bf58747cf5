import { ImageError, SignError, type SignErrorCode } from '../core/index.js';
import { parseManifestOrIndex, type Descriptor } from '../oci/index.js';
import { isNotFound, type ArtifactSource } from './artifact-source.js';
import { BUNDLE_PREDICATE_TYPE_ANNOTATION } from './referrer-manifest.js';
import { parseBundle, type ParsedBundle } from './sigstore-bundle.js';

/** Media types of Sigstore bundles (v0.1–v0.3 and the v0.3 form); cosign matches layers by this prefix. */
const BUNDLE_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';
/** A bundle is a few KiB; cosign's default payload limit is far larger, but nothing legitimate comes near this. */
export const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

export interface BundleCandidate {
  /** `referrer sha256:… layer N`. */
  location: string;
  /** The predicate type the referrer manifest announces (dev.sigstore.bundle.predicateType), unverified. */
  predicateTypeHint?: string;
  load(): Promise<LoadedBundle>;
}

/** A parsed bundle with the bytes it was parsed from (keyless verification verifies those bytes). */
export type LoadedBundle = ParsedBundle & { bytes: Buffer };

/** A rejection for a blob that could not be read intact; undefined for errors that are not about the blob. */
export function blobRejection(e: unknown, what: string): { code: SignErrorCode; message: string } | undefined {
  if (e instanceof ImageError && (e.code === 'DIGEST_MISMATCH' || e.code === 'SIZE_MISMATCH')) {
    return { code: 'BLOB_DIGEST_MISMATCH', message: `${what}: ${e.message}` };
  }
  if (isNotFound(e)) return { code: 'BLOB_MISSING', message: `${what}: ${(e as Error).message}` };
  return undefined;
}

export type Candidates = { candidates: BundleCandidate[]; rejected: { location: string; code: SignErrorCode; message: string }[] };

/**
 * The Sigstore bundles attached to `digest` as OCI 1.1 referrers (cosign GetBundles): referrer manifests whose
 * artifactType is a bundle media type, one bundle per layer of such a media type.
 */
export async function bundleCandidates(source: ArtifactSource, digest: string): Promise<Candidates> {
  const out: Candidates = { candidates: [], rejected: [] };
  const referrers = await source.referrers(digest);
  for (const desc of referrers) {
    if (!desc.artifactType?.startsWith(BUNDLE_MEDIA_TYPE_PREFIX)) continue;
    const where = `referrer ${desc.digest}`;
    let layers: Descriptor[];
    let annotations: Record<string, string> | undefined;
    try {
      const m = await source.manifest(desc.digest);
      const parsed = parseManifestOrIndex(m.bytes, m.mediaType);
      if (parsed.kind !== 'manifest') {
        out.rejected.push({ location: where, code: 'BUNDLE_MALFORMED', message: `${where} is an image index, not a bundle manifest` });
        continue;
      }
      layers = parsed.layers;
      annotations = parsed.annotations;
    } catch (e) {
      const r = blobRejection(e, where);
      if (r) {
        out.rejected.push({ location: where, ...r });
        continue;
      }
      if (e instanceof ImageError) {
        out.rejected.push({ location: where, code: 'BUNDLE_MALFORMED', message: `${where}: ${e.message}` });
        continue;
      }
      throw e;
    }
    const hint = annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION] ?? desc.annotations?.[BUNDLE_PREDICATE_TYPE_ANNOTATION];
    layers.forEach((layer, i) => {
      if (!layer.mediaType.startsWith(BUNDLE_MEDIA_TYPE_PREFIX)) return;
      const location = `${where} layer ${i}`;
      out.candidates.push({
        location,
        ...(hint ? { predicateTypeHint: hint } : {}),
        load: async () => {
          const bytes = await source.blob(layer, MAX_BUNDLE_BYTES);
          return { ...parseBundle(bytes, `bundle in ${location}`), bytes };
        },
      });
    });
  }
  return out;
}

/** Loads a candidate, turning an unreadable or malformed bundle into a rejection. */
export async function loadCandidate(c: BundleCandidate): Promise<LoadedBundle | { code: SignErrorCode; message: string }> {
  try {
    return await c.load();
  } catch (e) {
    const r = blobRejection(e, c.location);
    if (r) return r;
    if (e instanceof SignError) return { code: e.code, message: e.message };
    throw e;
  }
}
