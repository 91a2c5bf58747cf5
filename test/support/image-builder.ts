/**
 * Builds real OCI images in code (no Docker engine here): tar layers from in-memory file trees, gzip/zstd/plain
 * compression, config, manifest, optional multi-platform index, written as an OCI image layout or a docker-save
 * archive. Hostile layers (path traversal, bombs, truncation) are built from raw tar bytes with `rawTar`.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, lstat, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export type TarEntry =
  | { path: string; type?: 'file'; content: Buffer | string; mode?: number }
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'link'; target: string }
  | { path: string; type: 'character-device' | 'fifo' };

export function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** A tar archive of the entries, in order, with fixed times so builds are reproducible. */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  const mtime = new Date('2024-01-01T00:00:00Z');
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      switch (e.type) {
        case 'dir':
          pack.entry({ name: e.path, type: 'directory', mode: e.mode ?? 0o755, mtime }, cb);
          break;
        case 'symlink':
          pack.entry({ name: e.path, type: 'symlink', linkname: e.target, mtime }, cb);
          break;
        case 'link':
          pack.entry({ name: e.path, type: 'link', linkname: e.target, mtime }, cb);
          break;
        case 'character-device':
        case 'fifo':
          pack.entry({ name: e.path, type: e.type, mtime, devmajor: 1, devminor: 3 }, cb);
          break;
        default: {
          const content = typeof e.content === 'string' ? Buffer.from(e.content) : e.content;
          pack.entry({ name: e.path, type: 'file', mode: e.mode ?? 0o644, mtime, size: content.length }, content, cb);
        }
      }
    });
  }
  pack.finalize();
  return done;
}

/** Every file under `dir` (recursively) as tar entries at `prefix` + relative path, skipping names in `exclude`. */
export async function entriesFromDir(dir: string, prefix = '', exclude: string[] = ['expected.json']): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(path.join(dir, rel))).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (!rel && exclude.includes(name)) continue;
      const abs = path.join(dir, r);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        out.push({ path: `${prefix}${r}/`, type: 'dir' });
        await walk(r);
      } else if (st.isSymbolicLink()) out.push({ path: `${prefix}${r}`, type: 'symlink', target: await readlink(abs) });
      else if (st.isFile()) out.push({ path: `${prefix}${r}`, content: await readFile(abs) });
    }
  }
  await walk('');
  return out;
}

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export interface BuiltLayer {
  blob: Buffer;
  digest: string;
  diffId: string;
  mediaType: string;
  size: number;
}

export async function compress(tarBytes: Buffer, compression: LayerCompression): Promise<Buffer> {
  if (compression === 'gzip') return zlib.gzipSync(tarBytes);
  if (compression === 'zstd') {
    const { compress: zc } = await import('zstd-napi');
    return zc(tarBytes);
  }
  return tarBytes;
}

export async function buildLayer(tarBytes: Buffer, compression: LayerCompression = 'gzip', docker = false): Promise<BuiltLayer> {
  const blob = await compress(tarBytes, compression);
  const mediaType = docker
    ? compression === 'zstd'
      ? 'application/vnd.docker.image.rootfs.diff.tar.zstd'
      : 'application/vnd.docker.image.rootfs.diff.tar.gzip'
    : compression === 'none'
      ? 'application/vnd.oci.image.layer.v1.tar'
      : `application/vnd.oci.image.layer.v1.tar+${compression}`;
  return { blob, digest: sha256(blob), diffId: sha256(tarBytes), mediaType, size: blob.length };
}

export interface BuiltImage {
  /** name → bytes of every blob (config, layers, manifest). */
  blobs: Map<string, Buffer>;
  manifest: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
  config: Buffer;
  configDigest: string;
  layers: BuiltLayer[];
  platform: { os: string; architecture: string; variant?: string };
}

export interface ImageOptions {
  platform?: { os: string; architecture: string; variant?: string };
  /** Docker schema 2 media types instead of OCI. */
  docker?: boolean;
  /** Leave `mediaType` out of the manifest, as umoci does. */
  omitMediaType?: boolean;
  history?: string[];
  /** Override the config's diff_ids (to build inconsistent images). */
  diffIds?: string[];
}

export function buildImage(layers: BuiltLayer[], opts: ImageOptions = {}): BuiltImage {
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'], Labels: { 'org.opencontainers.image.title': 'tollgate-test' } },
      rootfs: { type: 'layers', diff_ids: opts.diffIds ?? layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: opts.history?.[i] ?? `layer ${i}` })),
    }),
  );
  const configDigest = sha256(config);
  const manifestMediaType = opts.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      ...(opts.omitMediaType ? {} : { mediaType: manifestMediaType }),
      config: {
        mediaType: opts.docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    }),
  );
  const blobs = new Map<string, Buffer>();
  blobs.set(configDigest, config);
  for (const l of layers) blobs.set(l.digest, l.blob);
  const manifestDigest = sha256(manifest);
  blobs.set(manifestDigest, manifest);
  return { blobs, manifest, manifestDigest, manifestMediaType, config, configDigest, layers, platform };
}

export interface BuiltIndex {
  bytes: Buffer;
  digest: string;
  mediaType: string;
  images: BuiltImage[];
}

export function buildIndex(images: BuiltImage[], docker = false): BuiltIndex {
  const mediaType = docker ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: images.map((img) => ({
        mediaType: img.manifestMediaType,
        digest: img.manifestDigest,
        size: img.manifest.length,
        platform: img.platform,
      })),
    }),
  );
  return { bytes, digest: sha256(bytes), mediaType, images };
}

/** Writes an OCI image layout holding `entries` (image or index) tagged with their ref names. */
export async function writeOciLayout(dir: string, entries: { tag: string; image?: BuiltImage; index?: BuiltIndex }[]): Promise<void> {
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const put = async (digest: string, bytes: Buffer) => writeFile(path.join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  const manifests = [];
  for (const e of entries) {
    const images = e.index ? e.index.images : e.image ? [e.image] : [];
    for (const img of images) for (const [d, b] of img.blobs) await put(d, b);
    if (e.index) {
      await put(e.index.digest, e.index.bytes);
      manifests.push({ mediaType: e.index.mediaType, digest: e.index.digest, size: e.index.bytes.length, annotations: { 'org.opencontainers.image.ref.name': e.tag } });
    } else if (e.image) {
      manifests.push({
        mediaType: e.image.manifestMediaType,
        digest: e.image.manifestDigest,
        size: e.image.manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': e.tag },
      });
    }
  }
  await writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
}

/** Writes a `docker save`-style archive (layers as `<hex>/layer.tar`, uncompressed), optionally gzipped whole. */
export async function writeDockerArchive(file: string, image: BuiltImage, layerTars: Buffer[], repoTags: string[] = [], gzip = false): Promise<void> {
  const entries: TarEntry[] = [];
  const configName = `${image.configDigest.slice(7)}.json`;
  entries.push({ path: configName, content: image.config });
  const layerNames: string[] = [];
  layerTars.forEach((t, i) => {
    const name = `${sha256(t).slice(7)}/layer.tar`;
    layerNames.push(name);
    entries.push({ path: `${sha256(t).slice(7)}/`, type: 'dir' });
    entries.push({ path: name, content: t });
    void i;
  });
  entries.push({ path: 'manifest.json', content: JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: layerNames }]) });
  const archive = await makeTar(entries);
  await writeFile(file, gzip ? zlib.gzipSync(archive) : archive);
}

/** Writes a one-image OCI layout at `dir` (tag "test") from layers of tar entries; returns its `oci-dir:` source. */
export async function ociImageSource(dir: string, layers: TarEntry[][], compression: LayerCompression = 'gzip'): Promise<string> {
  const built: BuiltLayer[] = [];
  for (const entries of layers) built.push(await buildLayer(await makeTar(entries), compression));
  await writeOciLayout(dir, [{ tag: 'test', image: buildImage(built) }]);
  return `oci-dir:${dir}:test`;
}
