import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ImageError, SignError } from '../core/index.js';
import { DigestVerifier, MediaType, isDigest, parseManifestOrIndex, sha256, verifyBytes, type Descriptor } from '../oci/index.js';
import type { ArtifactSource, ManifestBytes } from './artifact-source.js';
import { goMarshal, type GoJson } from './go-json.js';
import { attestationTag, goDescriptor, signatureTag } from './tag-manifest.js';

/**
 * OCI image layouts (image-spec image-layout.md) as `cosign save` writes them (cosign pkg/oci/layout): index.json
 * lists the image (or index) and its signature and attestation images, told apart by the `kind` annotation;
 * OCI 1.1 referrers (Sigstore bundles) are blobs only, found by scanning blobs/ for manifests whose `subject` is the
 * image (cosign getLocalBundleDescriptors). Tollgate adds `org.opencontainers.image.ref.name` (the registry tag) to
 * each entry, and lists the signatures of an index's platform images under their `sha256-<hex>.sig` names without a
 * `kind`, which cosign ignores.
 */
export const KIND_ANNOTATION = 'kind';
export const KIND_IMAGE = 'dev.cosignproject.cosign/image';
export const KIND_IMAGE_INDEX = 'dev.cosignproject.cosign/imageIndex';
export const KIND_SIGS = 'dev.cosignproject.cosign/sigs';
export const KIND_ATTS = 'dev.cosignproject.cosign/atts';
export const REF_NAME = 'org.opencontainers.image.ref.name';

const MAX_MANIFEST = 4 * 1024 * 1024;

function layoutError(dir: string, detail: string, cause?: unknown): SignError {
  return new SignError('LAYOUT_INVALID', `OCI layout ${dir}: ${detail}`, cause === undefined ? undefined : { cause });
}

export function blobPath(dir: string, digest: string): string {
  if (!isDigest(digest)) throw layoutError(dir, `invalid digest ${JSON.stringify(digest)}`);
  const [algorithm, hex] = digest.split(':') as [string, string];
  return path.join(dir, 'blobs', algorithm, hex);
}

export async function readLayoutIndex(dir: string): Promise<Descriptor[]> {
  let layout: unknown;
  try {
    layout = JSON.parse(await readFile(path.join(dir, 'oci-layout'), 'utf8'));
  } catch (e) {
    throw layoutError(dir, 'not an OCI image layout (no readable oci-layout file)', e);
  }
  if ((layout as { imageLayoutVersion?: unknown })?.imageLayoutVersion !== '1.0.0') throw layoutError(dir, 'unsupported imageLayoutVersion');
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dir, 'index.json'));
  } catch (e) {
    throw layoutError(dir, 'index.json is missing', e);
  }
  let index;
  try {
    index = parseManifestOrIndex(bytes, MediaType.ociIndex);
  } catch (e) {
    throw layoutError(dir, `index.json: ${(e as Error).message}`, e);
  }
  if (index.kind !== 'index') throw layoutError(dir, 'index.json is not an image index');
  return index.manifests;
}

/** An OCI layout as a source of signatures: `oci-dir:PATH` or `oci-dir:PATH:TAG` (TAG = a ref.name annotation). */
export class LayoutSource implements ArtifactSource {
  readonly kind = 'oci-dir' as const;
  readonly reference = undefined;
  private entries?: Descriptor[];
  private scanned?: Map<string, Descriptor[]>;

  constructor(
    readonly dir: string,
    readonly tag?: string,
    readonly name = `oci-dir:${dir}${tag ? `:${tag}` : ''}`,
  ) {}

  private async index(): Promise<Descriptor[]> {
    return (this.entries ??= await readLayoutIndex(this.dir));
  }

  /** The image entry: by tag, else cosign's kind annotation, else the only entry that is not a signature image. */
  async targetEntry(): Promise<Descriptor> {
    const entries = await this.index();
    if (this.tag !== undefined) {
      const e = entries.find((m) => m.annotations?.[REF_NAME] === this.tag);
      if (!e) throw layoutError(this.dir, `no entry tagged ${JSON.stringify(this.tag)}`);
      return e;
    }
    const byKind = entries.find((m) => m.annotations?.[KIND_ANNOTATION] === KIND_IMAGE || m.annotations?.[KIND_ANNOTATION] === KIND_IMAGE_INDEX);
    if (byKind) return byKind;
    const images = entries.filter((m) => {
      const kind = m.annotations?.[KIND_ANNOTATION];
      const name = m.annotations?.[REF_NAME] ?? '';
      return kind !== KIND_SIGS && kind !== KIND_ATTS && !/^sha256-[a-f0-9]{64}(\.sig|\.att)?$/.test(name);
    });
    if (images.length === 1) return images[0]!;
    throw layoutError(this.dir, images.length === 0 ? 'holds no image' : `holds ${images.length} images: name one with oci-dir:${this.dir}:TAG`);
  }

  async targetDigest(): Promise<{ digest: string; byTag: boolean }> {
    return { digest: (await this.targetEntry()).digest, byTag: false };
  }

  async manifestAt(tag: string): Promise<ManifestBytes | undefined> {
    const entries = await this.index();
    let entry = entries.find((m) => m.annotations?.[REF_NAME] === tag);
    if (!entry) {
      // cosign's layouts mark the target's signature and attestation images by kind only.
      const target = await this.targetEntry();
      const kind = tag === signatureTag(target.digest) ? KIND_SIGS : tag === attestationTag(target.digest) ? KIND_ATTS : undefined;
      if (kind) entry = entries.find((m) => m.annotations?.[KIND_ANNOTATION] === kind);
    }
    if (!entry) return undefined;
    return { bytes: await this.blob(entry, MAX_MANIFEST), mediaType: entry.mediaType, digest: entry.digest };
  }

  async manifest(digest: string): Promise<ManifestBytes> {
    const bytes = await this.readVerified(digest, undefined, MAX_MANIFEST);
    const parsed = parseManifestOrIndex(bytes);
    return { bytes, mediaType: parsed.mediaType, digest };
  }

  blob(desc: Pick<Descriptor, 'digest' | 'size'>, maxBytes: number): Promise<Buffer> {
    return this.readVerified(desc.digest, desc.size, maxBytes);
  }

  private async readVerified(digest: string, size: number | undefined, maxBytes: number): Promise<Buffer> {
    const file = blobPath(this.dir, digest);
    let st;
    try {
      st = await stat(file);
    } catch (e) {
      throw new ImageError('NOT_FOUND', `blob ${digest} is missing from the OCI layout ${this.dir}`, { cause: e });
    }
    if (st.size > maxBytes) throw new ImageError('SIZE_MISMATCH', `blob ${digest} in ${this.dir} is larger than ${maxBytes} bytes`);
    const bytes = await readFile(file);
    if (size !== undefined && bytes.length !== size) {
      throw new ImageError('SIZE_MISMATCH', `blob ${digest} in ${this.dir} has ${bytes.length} bytes, its descriptor says ${size}`);
    }
    verifyBytes(bytes, digest, `blob ${digest} in ${this.dir}`);
    return bytes;
  }

  /** cosign getLocalBundleDescriptors: every manifest blob whose subject is `digest`. */
  async referrers(digest: string): Promise<Descriptor[]> {
    this.scanned ??= await scanReferrers(this.dir);
    return this.scanned.get(digest) ?? [];
  }
}

/** Manifests with a `subject` among the layout's blobs, by subject digest. */
export async function scanReferrers(dir: string): Promise<Map<string, Descriptor[]>> {
  const out = new Map<string, Descriptor[]>();
  const blobsDir = path.join(dir, 'blobs', 'sha256');
  let names: string[];
  try {
    names = await readdir(blobsDir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (!/^[a-f0-9]{64}$/.test(name)) continue;
    const file = path.join(blobsDir, name);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile() || st.size > MAX_MANIFEST || st.size < 2) continue;
    const bytes = await readFile(file);
    if (bytes[0] !== 0x7b) continue; // not a JSON object
    let json: { subject?: { digest?: unknown }; mediaType?: unknown; artifactType?: unknown; config?: { mediaType?: unknown }; annotations?: unknown };
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      continue;
    }
    const subject = json?.subject?.digest;
    if (typeof subject !== 'string') continue;
    if (sha256(bytes) !== `sha256:${name}`) continue; // a corrupt blob is not a referrer
    const desc: Descriptor = {
      mediaType: typeof json.mediaType === 'string' ? json.mediaType : MediaType.ociManifest,
      digest: `sha256:${name}`,
      size: bytes.length,
    };
    const artifactType = typeof json.artifactType === 'string' ? json.artifactType : typeof json.config?.mediaType === 'string' ? json.config.mediaType : undefined;
    if (artifactType) desc.artifactType = artifactType;
    if (json.annotations && typeof json.annotations === 'object') desc.annotations = json.annotations as Record<string, string>;
    const list = out.get(subject) ?? [];
    list.push(desc);
    out.set(subject, list);
  }
  return out;
}

// ------------------------------------------------------------------ writing

/** Writes blobs into a layout, each once, atomically (temp file + rename), verified as they stream in. */
export class LayoutWriter {
  private readonly written = new Set<string>();
  readonly entries: Descriptor[] = [];

  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(path.join(this.dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(path.join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  has(digest: string): boolean {
    return this.written.has(digest);
  }

  async putBytes(bytes: Buffer, digest = sha256(bytes)): Promise<string> {
    if (this.written.has(digest)) return digest;
    verifyBytes(bytes, digest, `blob ${digest}`);
    const file = blobPath(this.dir, digest);
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    this.written.add(digest);
    return digest;
  }

  async putStream(stream: Readable, desc: Pick<Descriptor, 'digest' | 'size'>): Promise<void> {
    if (this.written.has(desc.digest)) {
      stream.destroy();
      return;
    }
    const file = blobPath(this.dir, desc.digest);
    const existing = await stat(file).catch(() => undefined);
    if (existing?.isFile() && existing.size === desc.size) {
      // Already there from an earlier save: check it instead of downloading again.
      try {
        await pipeline(createReadStream(file), new DigestVerifier(desc.digest, `blob ${desc.digest}`, desc.size), async function* (src) {
          for await (const _ of src) void _;
        });
        stream.destroy();
        this.written.add(desc.digest);
        return;
      } catch {
        // fall through and replace it
      }
    }
    const tmp = `${file}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w');
    try {
      await pipeline(stream, new DigestVerifier(desc.digest, `blob ${desc.digest}`, desc.size), fh.createWriteStream());
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    } finally {
      await fh.close().catch(() => undefined);
    }
    await rename(tmp, file);
    this.written.add(desc.digest);
  }

  addEntry(desc: Descriptor): void {
    if (!this.entries.some((e) => e.digest === desc.digest && JSON.stringify(e.annotations) === JSON.stringify(desc.annotations))) this.entries.push(desc);
  }

  /** index.json last, so that a layout is complete once it lists something. */
  async finish(): Promise<void> {
    const value: GoJson = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: this.entries.map((e) => goDescriptor(e as unknown as Record<string, unknown>)),
    };
    const file = path.join(this.dir, 'index.json');
    await writeFile(`${file}.tmp-${process.pid}`, goMarshal(value));
    await rename(`${file}.tmp-${process.pid}`, file);
  }
}
