import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError, type EventSink } from '../core/index.js';
import { isDigest, MediaType, parseManifestOrIndex, parseReference, type Descriptor } from '../oci/index.js';
import { RegistrySource, type SignRegistry } from './artifact-source.js';
import { registerReferrer } from './attach.js';
import {
  blobPath,
  KIND_ANNOTATION,
  KIND_ATTS,
  KIND_IMAGE,
  KIND_IMAGE_INDEX,
  KIND_SIGS,
  LayoutSource,
  LayoutWriter,
  readLayoutIndex,
  REF_NAME,
  scanReferrers,
} from './oci-layout.js';
import { attestationTag, signatureTag } from './tag-manifest.js';

export interface SaveImageOptions {
  /** A registry reference; every platform of an index is saved. */
  image: string;
  /** The OCI layout directory (created if needed; an existing layout's index.json is replaced, as cosign does). */
  dir: string;
  registry: SignRegistry;
  events?: EventSink;
}

export interface SaveImageResult {
  digest: string;
  /** Manifests written: images, indexes, signature and attestation images, referrers. */
  manifests: number;
  signatureImages: number;
  attestationImages: number;
  referrers: number;
}

function isIndexType(mediaType: string): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

/**
 * `cosign save`: the image (all platforms) with its `.sig` and `.att` images and its OCI 1.1 referrers, as an OCI
 * layout that `verify oci-dir:…` checks with no registry and `load` pushes back. The layout matches cosign's
 * (pkg/oci/layout: `kind` annotations; referrers as blobs) so that `cosign verify --local-image` reads it too.
 */
export async function saveImage(options: SaveImageOptions): Promise<SaveImageResult> {
  const ref = parseReference(options.image);
  const source = new RegistrySource(options.registry, ref);
  const writer = new LayoutWriter(options.dir);
  await writer.init();
  const result: SaveImageResult = { digest: '', manifests: 0, signatureImages: 0, attestationImages: 0, referrers: 0 };

  /** Writes a manifest and everything it references; returns the digests of the image manifests and indexes in it. */
  const copyTree = async (bytes: Buffer, digest: string, mediaType: string): Promise<string[]> => {
    const m = parseManifestOrIndex(bytes, mediaType);
    const found = [digest];
    if (m.kind === 'index') {
      for (const child of m.manifests) {
        if (writer.has(child.digest)) continue;
        const c = await options.registry.getManifest(ref, child.digest);
        found.push(...(await copyTree(c.bytes, c.digest, c.mediaType)));
      }
    } else {
      for (const blob of [m.config, ...m.layers]) {
        if (writer.has(blob.digest)) continue;
        let stream;
        try {
          stream = await options.registry.getBlob(ref, blob.digest, { expectedSize: blob.size });
        } catch (e) {
          // A non-distributable layer (foreign URLs) may be absent from the registry; everything else must be there.
          if (!blob.urls?.length) throw e;
          options.events?.({ type: 'warning', message: `layer ${blob.digest} is non-distributable (foreign URLs) and was not saved` });
          continue;
        }
        await writer.putStream(stream, blob);
      }
    }
    await writer.putBytes(bytes, digest);
    result.manifests++;
    return found;
  };

  const top = await options.registry.getManifest(ref, ref.digest ?? ref.tag ?? 'latest');
  result.digest = top.digest;
  const subjects = await copyTree(top.bytes, top.digest, top.mediaType);
  writer.addEntry({
    mediaType: top.mediaType,
    digest: top.digest,
    size: top.bytes.length,
    annotations: { [KIND_ANNOTATION]: isIndexType(top.mediaType) ? KIND_IMAGE_INDEX : KIND_IMAGE, ...(ref.tag && !ref.digest ? { [REF_NAME]: ref.tag } : {}) },
  });

  for (const subject of subjects) {
    for (const [tag, kind] of [
      [signatureTag(subject), KIND_SIGS],
      [attestationTag(subject), KIND_ATTS],
    ] as const) {
      const m = await source.manifestAt(tag);
      if (!m) continue;
      await copyTree(m.bytes, m.digest, m.mediaType);
      if (kind === KIND_SIGS) result.signatureImages++;
      else result.attestationImages++;
      // cosign's layout names the saved image's own signatures by kind; platform images' only by tag.
      writer.addEntry({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.bytes.length,
        annotations: { ...(subject === top.digest ? { [KIND_ANNOTATION]: kind } : {}), [REF_NAME]: tag },
      });
    }
    for (const desc of await source.referrers(subject)) {
      if (writer.has(desc.digest)) continue;
      const m = await source.manifest(desc.digest);
      await copyTree(m.bytes, m.digest, m.mediaType);
      result.referrers++;
    }
  }
  await writer.finish();
  return result;
}

export interface LoadImageOptions {
  /** The OCI layout (from `save` or `cosign save`). */
  dir: string;
  /** Where to push it: a repository, with the tag to give the image (default latest), or @digest to push by digest. */
  image: string;
  registry: SignRegistry;
  events?: EventSink;
}

export interface LoadImageResult {
  digest: string;
  manifests: number;
  tags: string[];
}

/**
 * `cosign load`: pushes a saved layout to a repository: the image (every platform), its `.sig` / `.att` images under
 * their tags, and the referrers of its manifests (listed in the referrers fallback tag when the registry has no
 * referrers API). Signatures name the digest, which does not change, so they verify in the new repository.
 */
export async function loadImage(options: LoadImageOptions): Promise<LoadImageResult> {
  const ref = parseReference(options.image);
  const source = new RegistrySource(options.registry, ref);
  const layout = new LayoutSource(options.dir);
  const entries = await readLayoutIndex(options.dir);
  const top = await layout.targetEntry();
  if (ref.digest && ref.digest !== top.digest) {
    throw new UsageError('INVALID_ARGUMENT', `${options.image}: the layout holds ${top.digest}, not ${ref.digest}`);
  }
  const result: LoadImageResult = { digest: top.digest, manifests: 0, tags: [] };
  const pushed = new Set<string>();

  const pushTree = async (desc: Descriptor, tagOrDigest: string): Promise<string[]> => {
    const bytes = await layout.blob(desc, 4 * 1024 * 1024);
    const m = parseManifestOrIndex(bytes, desc.mediaType);
    const found = [desc.digest];
    if (!pushed.has(desc.digest)) {
      if (m.kind === 'index') {
        for (const child of m.manifests) found.push(...(await pushTree(child, child.digest)));
      } else {
        for (const blob of [m.config, ...m.layers]) {
          const file = blobPath(options.dir, blob.digest);
          const present = (await stat(file).catch(() => undefined))?.isFile() === true;
          if (!present && blob.urls?.length) continue; // a foreign layer that was not saved
          await options.registry.pushBlob(ref, { stream: () => createReadStream(file), digest: blob.digest, size: blob.size });
        }
      }
    }
    await options.registry.putManifest(ref, tagOrDigest, bytes, desc.mediaType);
    pushed.add(desc.digest);
    result.manifests++;
    if (!isDigest(tagOrDigest)) result.tags.push(tagOrDigest);
    return found;
  };

  const subjects = await pushTree(top, ref.digest ?? ref.tag ?? 'latest');
  for (const e of entries) {
    if (e.digest === top.digest) continue;
    const kind = e.annotations?.[KIND_ANNOTATION];
    const name = e.annotations?.[REF_NAME];
    const tag =
      name && /^sha256-[a-f0-9]{64}\.(sig|att)$/.test(name)
        ? name
        : kind === KIND_SIGS
          ? signatureTag(top.digest)
          : kind === KIND_ATTS
            ? attestationTag(top.digest)
            : undefined;
    if (!tag) {
      options.events?.({ type: 'warning', message: `${options.dir}: index.json entry ${e.digest} is neither the image nor a signature image; not pushed` });
      continue;
    }
    await pushTree(e, tag);
  }
  const referrers = await scanReferrers(options.dir);
  for (const subject of subjects) {
    for (const desc of referrers.get(subject) ?? []) {
      await pushTree(desc, desc.digest);
      await registerReferrer(source, subject, { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, ...(desc.artifactType ? { artifactType: desc.artifactType } : {}) });
    }
  }
  return result;
}
