import { ImageError, RegistryError } from '../core/index.js';
import { MediaType, parseReference, type Descriptor, type ImageReference, type RegistryClient } from '../oci/index.js';
import { referrersFromIndex } from './referrer-manifest.js';
import { referrersTag } from './tag-manifest.js';

/**
 * Where signatures and attestations are read from: a registry repository, or an OCI image layout written by
 * `cosign save` / `tollgate save` (air-gapped verification). Both give verified bytes only: a blob or manifest
 * whose content does not hash to its digest is an ImageError DIGEST_MISMATCH (or SIZE_MISMATCH).
 */
export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface ArtifactSource {
  readonly kind: 'registry' | 'oci-dir';
  /** For messages and for the `Verification for …` header. */
  readonly name: string;
  /** The repository as cosign names it in payloads (registry sources), else undefined. */
  readonly reference?: ImageReference;
  /** The digest of the image to verify (a tag is resolved; a digest reference needs no request, as in cosign). */
  targetDigest(): Promise<{ digest: string; byTag: boolean }>;
  /** The manifest a tag points to (cosign's `.sig` / `.att` tags), or undefined when there is none. */
  manifestAt(tag: string): Promise<ManifestBytes | undefined>;
  manifest(digest: string): Promise<ManifestBytes>;
  blob(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes: number): Promise<Buffer>;
  /** Descriptors of the manifests whose `subject` is `digest` (referrers API, fallback tag, or a layout scan). */
  referrers(digest: string): Promise<Descriptor[]>;
}

export function isNotFound(e: unknown): boolean {
  return (
    (e instanceof RegistryError && (e.code === 'NOT_FOUND' || e.code === 'MANIFEST_UNKNOWN' || e.code === 'BLOB_UNKNOWN')) ||
    (e instanceof ImageError && e.code === 'NOT_FOUND')
  );
}

/** The registry calls signing and verification need (RegistryClient has them all). */
export type SignRegistry = Pick<
  RegistryClient,
  'getManifest' | 'headManifest' | 'getBlobBytes' | 'getBlob' | 'pushBlob' | 'putManifest' | 'getReferrersIndex'
>;

export class RegistrySource implements ArtifactSource {
  readonly kind = 'registry' as const;
  readonly name: string;
  constructor(
    readonly client: SignRegistry,
    readonly reference: ImageReference,
  ) {
    this.name = reference.toString();
  }

  /** The same repository at `digest`. */
  at(digest: string): ImageReference {
    return parseReference(`${this.reference.registry}/${this.reference.repository}@${digest}`);
  }

  async targetDigest(): Promise<{ digest: string; byTag: boolean }> {
    if (this.reference.digest) return { digest: this.reference.digest, byTag: false };
    const head = await this.client.headManifest(this.reference, this.reference.tag ?? 'latest');
    if (!head) {
      throw new RegistryError('MANIFEST_UNKNOWN', `${this.reference.toString()}: no such image (the tag ${this.reference.tag ?? 'latest'} does not exist)`);
    }
    return { digest: head.digest, byTag: true };
  }

  async manifestAt(tag: string): Promise<ManifestBytes | undefined> {
    try {
      return await this.client.getManifest(this.reference, tag);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  manifest(digest: string): Promise<ManifestBytes> {
    return this.client.getManifest(this.reference, digest);
  }

  blob(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes: number): Promise<Buffer> {
    return this.client.getBlobBytes(this.reference, desc.digest, maxBytes, { expectedSize: desc.size });
  }

  async referrers(digest: string): Promise<Descriptor[]> {
    const api = await this.client.getReferrersIndex(this.reference, digest);
    if (api) return referrersFromIndex(api, `referrers of ${this.reference.registry}/${this.reference.repository}@${digest}`);
    const tag = referrersTag(digest);
    const fallback = await this.manifestAt(tag);
    if (!fallback || fallback.mediaType !== MediaType.ociIndex) return [];
    return referrersFromIndex(fallback.bytes, `referrers tag ${this.reference.registry}/${this.reference.repository}:${tag}`);
  }
}
