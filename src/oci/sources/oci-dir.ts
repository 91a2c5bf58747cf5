import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, PassThrough, type Readable } from 'node:stream';
import { ImageError, type ImageSource, type Platform } from '../../core/index.js';
import { DigestVerifier, verifyBytes } from '../digest.js';
import { parseManifestOrIndex, type Descriptor } from '../manifest.js';
import { blobImageSource, resolveImage, type BlobStore } from './blob-image.js';
import type { DecompressLimits } from '../decompress.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const MAX_SMALL_BLOB = 8 * 1024 * 1024;

/** Blobs of an OCI image layout directory (image-spec image-layout.md), every read verified. */
export class OciLayoutStore implements BlobStore {
  constructor(readonly root: string) {}

  blobPath(digest: string): string {
    const [alg, hex] = digest.split(':');
    // Digests were validated by the descriptor parser, so this cannot leave blobs/.
    return path.join(this.root, 'blobs', alg!, hex!);
  }

  async readBlob(desc: Pick<Descriptor, 'digest' | 'size'>, what: string): Promise<Buffer> {
    if (desc.size > MAX_SMALL_BLOB) throw new ImageError('MALFORMED_MANIFEST', `${what}: ${desc.size} bytes is too large for a manifest or config`);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.blobPath(desc.digest));
    } catch (e) {
      throw new ImageError('NOT_FOUND', `${what}: blob ${desc.digest} is missing from the OCI layout ${this.root}`, { cause: e });
    }
    if (bytes.length !== desc.size) {
      throw new ImageError('SIZE_MISMATCH', `${what}: blob ${desc.digest} has ${bytes.length} bytes, its descriptor says ${desc.size}`);
    }
    verifyBytes(bytes, desc.digest, what);
    return bytes;
  }

  async blobFile(desc: Descriptor): Promise<string> {
    const file = this.blobPath(desc.digest);
    try {
      await stat(file);
    } catch (e) {
      throw new ImageError('NOT_FOUND', `blob ${desc.digest} is missing from the OCI layout ${this.root}`, { cause: e });
    }
    return file;
  }

  async openBlob(desc: Descriptor): Promise<Readable> {
    const file = await this.blobFile(desc);
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), new DigestVerifier(desc.digest, `blob ${desc.digest}`, desc.size), out, (err) => {
      if (err && !out.destroyed) out.destroy(err);
    });
    return out;
  }
}

/** Splits `PATH[:TAG]`: the whole string is the path if it exists, else the part after the last colon is a tag. */
export async function splitLayoutReference(spec: string): Promise<{ dir: string; tag?: string }> {
  const exists = await stat(spec).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (exists) return { dir: spec };
  const i = spec.lastIndexOf(':');
  if (i > 0) return { dir: spec.slice(0, i), tag: spec.slice(i + 1) };
  return { dir: spec };
}

/** Reads index.json of a layout and picks the entry for `tag` (or the only entry). */
export async function readLayoutIndex(dir: string, tag?: string): Promise<{ desc: Descriptor; tags: string[] }> {
  let layoutBytes: Buffer;
  try {
    layoutBytes = await readFile(path.join(dir, 'oci-layout'));
  } catch (e) {
    throw new ImageError('NOT_FOUND', `${dir} is not an OCI image layout (no oci-layout file)`, { cause: e });
  }
  let version: unknown;
  try {
    version = (JSON.parse(layoutBytes.toString('utf8')) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    version = undefined;
  }
  if (version !== '1.0.0') throw new ImageError('MALFORMED_ARCHIVE', `${dir}/oci-layout: unsupported imageLayoutVersion ${JSON.stringify(version)}`);
  let indexBytes: Buffer;
  try {
    indexBytes = await readFile(path.join(dir, 'index.json'));
  } catch (e) {
    throw new ImageError('NOT_FOUND', `${dir} has no index.json`, { cause: e });
  }
  const index = parseManifestOrIndex(indexBytes, 'application/vnd.oci.image.index.v1+json');
  if (index.kind !== 'index') throw new ImageError('MALFORMED_MANIFEST', `${dir}/index.json is not an image index`);
  const tags = index.manifests.map((m) => m.annotations?.[REF_NAME]).filter((t): t is string => !!t);
  if (tag !== undefined) {
    const desc = index.manifests.find((m) => m.annotations?.[REF_NAME] === tag);
    if (!desc) throw new ImageError('NOT_FOUND', `no image tagged ${JSON.stringify(tag)} in ${dir}; tags: ${tags.join(', ') || '(none)'}`);
    return { desc, tags };
  }
  if (index.manifests.length === 1) return { desc: index.manifests[0]!, tags };
  if (index.manifests.length === 0) throw new ImageError('NOT_FOUND', `the OCI layout ${dir} holds no image`);
  throw new ImageError('NOT_FOUND', `the OCI layout ${dir} holds ${index.manifests.length} images: choose one with oci-dir:${dir}:TAG (tags: ${tags.join(', ') || '(none)'})`);
}

export async function openOciDir(
  input: string,
  spec: string,
  platform: Platform,
  explicitPlatform: boolean,
  limits?: DecompressLimits,
): Promise<ImageSource> {
  const { dir, tag } = await splitLayoutReference(spec);
  const { desc } = await readLayoutIndex(dir, tag);
  const store = new OciLayoutStore(dir);
  const img = await resolveImage(store, desc, platform, explicitPlatform);
  return blobImageSource(store, img, { input, kind: 'oci-dir', ...(tag ? { tag } : {}) }, limits);
}
