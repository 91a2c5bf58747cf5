import { RegistryClient, parseReference } from '../../src/oci/index.js';
import type { BuiltImage, BuiltIndex } from './image-builder.js';

/** Pushes an image (or an index with its images) with Tollgate's own registry client; returns the top digest. */
export async function pushImage(client: RegistryClient, reference: string, what: { image?: BuiltImage; index?: BuiltIndex }): Promise<string> {
  const ref = parseReference(reference);
  const images = what.index ? what.index.images : what.image ? [what.image] : [];
  for (const img of images) {
    for (const [digest, bytes] of img.blobs) {
      if (digest === img.manifestDigest) continue;
      await client.pushBlob(ref, bytes);
    }
    await client.putManifest(ref, img.manifestDigest, img.manifest, img.manifestMediaType);
  }
  const tag = ref.tag ?? 'latest';
  if (what.index) return client.putManifest(ref, tag, what.index.bytes, what.index.mediaType);
  const img = what.image!;
  return client.putManifest(ref, tag, img.manifest, img.manifestMediaType);
}
