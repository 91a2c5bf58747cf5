import type { Readable } from 'node:stream';
import { ImageError, type ImageSource, type Platform } from '../../core/index.js';
import type { DecompressLimits } from '../decompress.js';
import { verifyBytes } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import type { ImageReference } from '../reference.js';
import { blobImageSource, resolveImage, type BlobStore } from './blob-image.js';

/** What an image source needs from a registry client (RegistryClient satisfies it). */
export interface RegistryReader {
  getManifest(ref: ImageReference, reference: string): Promise<{ bytes: Buffer; mediaType: string; digest: string }>;
  getBlobBytes(ref: ImageReference, digest: string, maxBytes: number): Promise<Buffer>;
  getBlob(ref: ImageReference, digest: string, opts?: { expectedSize?: number; signal?: AbortSignal }): Promise<Readable>;
}

const MAX_CONFIG = 8 * 1024 * 1024;

class RegistryStore implements BlobStore {
  constructor(
    private readonly client: RegistryReader,
    private readonly ref: ImageReference,
  ) {}

  async readBlob(desc: Pick<Descriptor, 'digest' | 'mediaType' | 'size'>, what: string): Promise<Buffer> {
    const isManifest = /manifest|index|list/.test(desc.mediaType);
    const bytes = isManifest
      ? (await this.client.getManifest(this.ref, desc.digest)).bytes
      : await this.client.getBlobBytes(this.ref, desc.digest, Math.min(MAX_CONFIG, Math.max(desc.size, 0) || MAX_CONFIG));
    // The client verifies too; verifying here keeps the invariant local to every BlobStore.
    verifyBytes(bytes, desc.digest, what);
    if (bytes.length !== desc.size) {
      throw new ImageError('SIZE_MISMATCH', `${what}: ${bytes.length} bytes, its descriptor says ${desc.size}`);
    }
    return bytes;
  }

  openBlob(desc: Descriptor, signal?: AbortSignal): Promise<Readable> {
    return this.client.getBlob(this.ref, desc.digest, { expectedSize: desc.size, ...(signal ? { signal } : {}) });
  }
}

export async function openRegistryImage(
  input: string,
  ref: ImageReference,
  client: RegistryReader,
  platform: Platform,
  explicitPlatform: boolean,
  limits?: DecompressLimits,
): Promise<ImageSource> {
  const top = await client.getManifest(ref, ref.digest ?? ref.tag ?? 'latest');
  const store = new RegistryStore(client, ref);
  const img = await resolveImage(store, { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length }, platform, explicitPlatform, top.bytes);
  const repository = `${ref.registry}/${ref.repository}`;
  return blobImageSource(
    store,
    img,
    {
      input,
      kind: 'registry',
      repository,
      ...(ref.tag ? { tag: ref.tag } : {}),
      repoDigests: [`${repository}@${img.indexDigest ?? img.manifestDigest}`],
      ...(ref.tag ? { repoTags: [`${repository}:${ref.tag}`] } : {}),
    },
    limits,
  );
}
