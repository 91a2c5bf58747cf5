import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ImageError, type ImageSource, type LayerDescriptor, type Platform } from '../../core/index.js';
import { verifyBytes } from '../digest.js';
import { DEFAULT_LIMITS, detectCompression, type DecompressLimits } from '../decompress.js';
import { formatPlatform, layerHistory, parseImageConfig } from '../manifest.js';
import { normalizeEntryPath } from '../walk.js';
import { imageMetadataFromResolved, openVerifiedLayer } from './blob-image.js';
import { MediaType } from '../media-types.js';

interface TarIndexEntry {
  offset: number;
  size: number;
}

const BLOCK = 512;
const MAX_ENTRIES = 100_000;
const MAX_METADATA = 16 * 1024 * 1024;

function parseOctal(buf: Buffer, start: number, len: number): number {
  const field = buf.subarray(start, start + len);
  // GNU base-256 for large values (high bit of the first byte set).
  if (field[0]! & 0x80) {
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

function cString(buf: Buffer, start: number, len: number): string {
  const field = buf.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('utf8');
}

/** Indexes the regular files of a plain tar by offset (docker save archives; random access, no extraction). */
async function indexTar(fh: FileHandle, fileSize: number): Promise<Map<string, TarIndexEntry>> {
  const entries = new Map<string, TarIndexEntry>();
  const header = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  while (pos + BLOCK <= fileSize) {
    const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
    if (bytesRead < BLOCK) break;
    if (header.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    const declared = parseOctal(header, 148, 8);
    if (sum !== declared) throw new ImageError('MALFORMED_ARCHIVE', `docker archive: bad tar header checksum at offset ${pos}`);
    const size = parseOctal(header, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw new ImageError('MALFORMED_ARCHIVE', `docker archive: bad entry size at offset ${pos}`);
    const type = String.fromCharCode(header[156]!);
    const dataStart = pos + BLOCK;
    if (dataStart + size > fileSize) throw new ImageError('MALFORMED_ARCHIVE', 'docker archive: truncated (an entry runs past the end of the file)');
    let name = cString(header, 0, 100);
    if (header.toString('latin1', 257, 262) === 'ustar') {
      const prefix = cString(header, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (type === 'L' || type === 'x') {
      if (size > MAX_METADATA) throw new ImageError('MALFORMED_ARCHIVE', 'docker archive: oversized tar metadata entry');
      const data = Buffer.alloc(size);
      await fh.read(data, 0, size, dataStart);
      if (type === 'L') longName = cString(data, 0, size);
      else {
        const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
        if (m) longName = m[1];
      }
    } else {
      const full = longName ?? name;
      longName = undefined;
      if (type === '0' || type === '\0' || type === '7') {
        const p = normalizeEntryPath(full);
        if (p) entries.set(p, { offset: dataStart, size });
        if (entries.size > MAX_ENTRIES) throw new ImageError('MALFORMED_ARCHIVE', 'docker archive: too many entries');
      }
    }
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

interface ArchiveManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function parseArchiveManifest(bytes: Buffer): ArchiveManifestEntry[] {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ImageError('MALFORMED_ARCHIVE', `docker archive: manifest.json is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new ImageError('MALFORMED_ARCHIVE', 'docker archive: manifest.json holds no image');
  return v.map((e, i) => {
    const o = e as Record<string, unknown>;
    if (!o || typeof o.Config !== 'string' || !Array.isArray(o.Layers) || !o.Layers.every((l) => typeof l === 'string')) {
      throw new ImageError('MALFORMED_ARCHIVE', `docker archive: manifest.json entry ${i} lacks Config or Layers`);
    }
    return { Config: o.Config, Layers: o.Layers as string[], RepoTags: Array.isArray(o.RepoTags) ? (o.RepoTags as string[]) : null };
  });
}

/** The digest a docker-save member name encodes ("<hex>.json", "blobs/sha256/<hex>"), if any. */
function digestFromName(name: string): string | undefined {
  const m = /(?:^|\/)(?:sha256\/)?([a-f0-9]{64})(?:\.json)?$/.exec(name);
  return m ? `sha256:${m[1]}` : undefined;
}

/**
 * A `docker save` tarball (plain or gzip), optionally `FILE:name:tag` or `FILE@N` to choose one of several images.
 * A gzip archive is first decompressed into a private temporary file (bounded), since layers need random access.
 */
export async function openDockerArchive(
  input: string,
  spec: string,
  _platform: Platform,
  _explicitPlatform: boolean,
  limits: DecompressLimits = DEFAULT_LIMITS,
  tmpRoot = os.tmpdir(),
): Promise<ImageSource> {
  let file = spec;
  let select: string | undefined;
  const exists = await stat(spec).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) {
    const at = spec.lastIndexOf('@');
    const colon = spec.indexOf(':');
    if (at > 0 && /^\d+$/.test(spec.slice(at + 1))) {
      file = spec.slice(0, at);
      select = spec.slice(at);
    } else if (colon > 0) {
      file = spec.slice(0, colon);
      select = spec.slice(colon + 1);
    }
  }
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw new ImageError('NOT_FOUND', `docker archive ${file} not found`, { cause: e });
  }
  let tmpDir: string | undefined;
  let fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    if (detectCompression(head) === 'gzip') {
      await fh.close();
      tmpDir = await mkdtemp(path.join(tmpRoot, 'tollgate-archive-'));
      const plain = path.join(tmpDir, 'archive.tar');
      const limit = Math.min(limits.maxBytes, Math.max(limits.ratioFloor, st.size * limits.maxRatio));
      let written = 0;
      await pipeline(createReadStream(file), zlib.createGunzip(), async function* (src: AsyncIterable<Buffer>) {
        for await (const chunk of src) {
          written += chunk.length;
          if (written > limit) throw new ImageError('DECOMPRESSION_LIMIT', `docker archive ${file}: decompresses to more than ${limit} bytes`);
          yield chunk;
        }
      }, createWriteStream(plain, { mode: 0o600 })).catch((e: unknown) => {
        if (e instanceof ImageError) throw e;
        throw new ImageError('MALFORMED_ARCHIVE', `docker archive ${file}: corrupt gzip (${(e as Error).message})`, { cause: e });
      });
      file = plain;
      st = await stat(plain);
      fh = await open(plain, 'r');
    }
    const index = await indexTar(fh, st.size);
    const readMember = async (name: string, what: string): Promise<Buffer> => {
      const p = normalizeEntryPath(name);
      const e = p ? index.get(p) : undefined;
      if (!e) throw new ImageError('MALFORMED_ARCHIVE', `docker archive: ${what} ${JSON.stringify(name)} is missing`);
      if (e.size > MAX_METADATA) throw new ImageError('MALFORMED_ARCHIVE', `docker archive: ${what} is too large`);
      const buf = Buffer.alloc(e.size);
      await fh.read(buf, 0, e.size, e.offset);
      return buf;
    };
    const manifests = parseArchiveManifest(await readMember('manifest.json', 'manifest.json'));
    let chosen: ArchiveManifestEntry | undefined;
    if (select === undefined) {
      if (manifests.length > 1) {
        const names = manifests.map((m, i) => m.RepoTags?.join(',') || `@${i}`).join('; ');
        throw new ImageError('NOT_FOUND', `docker archive ${file} holds ${manifests.length} images; choose one with docker-archive:FILE:NAME:TAG or FILE@N (${names})`);
      }
      chosen = manifests[0];
    } else if (select.startsWith('@')) {
      chosen = manifests[Number(select.slice(1))];
    } else {
      chosen = manifests.find((m) => m.RepoTags?.some((t) => t === select || t === `docker.io/${select}` || t === `docker.io/library/${select}`));
    }
    if (!chosen) throw new ImageError('NOT_FOUND', `docker archive ${file}: no image ${select}`);
    const configBytes = await readMember(chosen.Config, 'image config');
    const configDigest = digestFromName(chosen.Config) ?? `sha256:${(await import('node:crypto')).createHash('sha256').update(configBytes).digest('hex')}`;
    verifyBytes(configBytes, configDigest, 'docker archive image config');
    const config = parseImageConfig(configBytes);
    if (config.rootfs.diff_ids.length !== chosen.Layers.length) {
      throw new ImageError('MALFORMED_CONFIG', `image config lists ${config.rootfs.diff_ids.length} diff_ids but manifest.json has ${chosen.Layers.length} layers`);
    }
    const history = layerHistory(config);
    const layers: LayerDescriptor[] = chosen.Layers.map((name, i) => {
      const p = normalizeEntryPath(name);
      const e = p ? index.get(p) : undefined;
      if (!e) throw new ImageError('MALFORMED_ARCHIVE', `docker archive: layer ${JSON.stringify(name)} is missing`);
      const createdBy = history.length === chosen.Layers.length ? history[i] : undefined;
      return { index: i, diffId: config.rootfs.diff_ids[i]!, mediaType: MediaType.dockerLayerTar, size: e.size, ...(createdBy ? { createdBy } : {}) };
    });
    const platform = config.os && config.architecture ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) } : undefined;
    if (_explicitPlatform && platform && (platform.os !== _platform.os || platform.architecture !== _platform.architecture)) {
      throw new ImageError('PLATFORM_NOT_FOUND', `the archive holds an image for ${formatPlatform(platform)}, not ${formatPlatform(_platform)}`);
    }
    const metadata = imageMetadataFromResolved(
      {
        manifest: { kind: 'manifest', mediaType: MediaType.dockerManifest, config: { mediaType: MediaType.dockerConfig, digest: configDigest, size: configBytes.length }, layers: [] },
        manifestDigest: '',
        config,
        configDigest,
        ...(platform ? { platform } : {}),
      },
      { input, kind: 'docker-archive', ...(chosen.RepoTags?.length ? { repoTags: chosen.RepoTags } : {}) },
      layers,
    );
    delete metadata.manifestDigest;
    delete metadata.manifestMediaType;
    const archivePath = file;
    const handle = fh;
    return {
      metadata,
      layers,
      async openLayer(i: number) {
        const layer = layers[i];
        if (!layer) throw new ImageError('NOT_FOUND', `no layer ${i}`);
        const e = index.get(normalizeEntryPath(chosen.Layers[i]!)!)!;
        const raw = createReadStream(archivePath, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1024 * 1024 });
        // No compressed digest in a docker archive: the diffID check covers the content.
        return openVerifiedLayer(raw, { ...layer, size: e.size }, limits, true);
      },
      async openRawLayer(i: number) {
        if (!layers[i]) throw new ImageError('NOT_FOUND', `no layer ${i}`);
        const e = index.get(normalizeEntryPath(chosen.Layers[i]!)!)!;
        // No compressed digest in a docker archive: the diffID check downstream covers the content.
        return { file: { path: archivePath, start: e.offset, end: e.offset + e.size - 1 }, verified: true, size: e.size };
      },
      async close() {
        await handle.close().catch(() => {});
        if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await fh.close().catch(() => {});
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
    throw e;
  }
}
