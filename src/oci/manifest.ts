import { ImageError, type Platform } from '../core/index.js';
import { MediaType, isIndexMediaType, isManifestMediaType } from './media-types.js';
import { DIGEST_PATTERN } from './digest.js';

/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform & { 'os.version'?: string; 'os.features'?: string[]; features?: string[] };
  artifactType?: string;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** The parts of an image config (image-spec config.md) Tollgate uses. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    User?: string;
    WorkingDir?: string;
    Labels?: Record<string, string>;
  };
  rootfs: { type: string; diff_ids: string[] };
  history?: { created_by?: string; empty_layer?: boolean; created?: string; comment?: string }[];
}

type Json = Record<string, unknown>;

function fail(what: string, detail: string, code: 'MALFORMED_MANIFEST' | 'MALFORMED_CONFIG' = 'MALFORMED_MANIFEST'): never {
  throw new ImageError(code, `${what}: ${detail}`);
}

function parseJsonObject(bytes: Buffer | string, what: string, code?: 'MALFORMED_MANIFEST' | 'MALFORMED_CONFIG'): Json {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (e) {
    fail(what, `not valid JSON (${(e as Error).message})`, code);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(what, 'not a JSON object', code);
  return value as Json;
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Json)) if (typeof val === 'string') out[k] = val;
  return out;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(what, 'descriptor is not an object');
  const d = v as Json;
  if (typeof d.mediaType !== 'string' || d.mediaType === '') fail(what, 'descriptor has no mediaType');
  if (typeof d.digest !== 'string' || !DIGEST_PATTERN.test(d.digest)) fail(what, `descriptor has an invalid digest ${JSON.stringify(d.digest)}`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) fail(what, `descriptor ${d.digest} has an invalid size`);
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (Array.isArray(d.urls)) out.urls = d.urls.filter((u): u is string => typeof u === 'string');
  const ann = stringRecord(d.annotations);
  if (ann) out.annotations = ann;
  if (typeof d.artifactType === 'string') out.artifactType = d.artifactType;
  if (d.platform && typeof d.platform === 'object') {
    const p = d.platform as Json;
    if (typeof p.os === 'string' && typeof p.architecture === 'string') {
      out.platform = { os: p.os, architecture: p.architecture };
      if (typeof p.variant === 'string' && p.variant) out.platform.variant = p.variant;
      if (typeof p['os.version'] === 'string') out.platform['os.version'] = p['os.version'];
    }
  }
  return out;
}

/**
 * Parses a manifest or index. `headerMediaType` is what the registry's Content-Type (or the referring descriptor) says;
 * the document's own `mediaType` field wins when present (umoci omits it, INFRA.md).
 */
export function parseManifestOrIndex(bytes: Buffer, headerMediaType?: string): ImageManifest | ImageIndex {
  const json = parseJsonObject(bytes, 'manifest');
  const own = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  let mediaType = own ?? headerMediaType;
  if (mediaType === MediaType.dockerManifestV1 || mediaType === MediaType.dockerManifestV1Signed || json.schemaVersion === 1) {
    throw new ImageError('UNSUPPORTED_MEDIA_TYPE', 'Docker image manifest schema 1 is deprecated and not supported; re-push the image with a current client');
  }
  if (!isIndexMediaType(mediaType) && !isManifestMediaType(mediaType)) {
    // Infer from the shape as the OCI spec allows when mediaType is absent.
    if (Array.isArray(json.manifests)) mediaType = MediaType.ociIndex;
    else if (json.config && Array.isArray(json.layers)) mediaType = MediaType.ociManifest;
    else throw new ImageError('UNSUPPORTED_MEDIA_TYPE', `unsupported manifest media type ${JSON.stringify(mediaType ?? null)}`);
  }
  if (json.schemaVersion !== 2) fail('manifest', `schemaVersion must be 2, got ${JSON.stringify(json.schemaVersion)}`);
  const annotations = stringRecord(json.annotations);
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(json.manifests)) fail('image index', 'has no manifests array');
    return {
      kind: 'index',
      mediaType: mediaType!,
      manifests: json.manifests.map((m, i) => parseDescriptor(m, `image index manifests[${i}]`)),
      ...(annotations ? { annotations } : {}),
    };
  }
  if (!Array.isArray(json.layers)) fail('image manifest', 'has no layers array');
  const m: ImageManifest = {
    kind: 'manifest',
    mediaType: mediaType!,
    config: parseDescriptor(json.config, 'image manifest config'),
    layers: json.layers.map((l, i) => parseDescriptor(l, `image manifest layers[${i}]`)),
  };
  if (json.subject) m.subject = parseDescriptor(json.subject, 'image manifest subject');
  if (annotations) m.annotations = annotations;
  if (typeof json.artifactType === 'string') m.artifactType = json.artifactType;
  return m;
}

export function parseImageConfig(bytes: Buffer): ImageConfig {
  const json = parseJsonObject(bytes, 'image config', 'MALFORMED_CONFIG');
  const rootfs = json.rootfs as Json | undefined;
  if (!rootfs || typeof rootfs !== 'object' || !Array.isArray(rootfs.diff_ids)) {
    fail('image config', 'has no rootfs.diff_ids (is this an image, or an artifact?)', 'MALFORMED_CONFIG');
  }
  const diffIds = rootfs.diff_ids.map((d, i) => {
    if (typeof d !== 'string' || !DIGEST_PATTERN.test(d)) fail('image config', `rootfs.diff_ids[${i}] is not a digest`, 'MALFORMED_CONFIG');
    return d;
  });
  const cfg: ImageConfig = { rootfs: { type: typeof rootfs.type === 'string' ? rootfs.type : 'layers', diff_ids: diffIds } };
  for (const k of ['architecture', 'os', 'variant', 'created', 'author'] as const) {
    if (typeof json[k] === 'string') cfg[k] = json[k] as string;
  }
  const c = json.config as Json | undefined;
  if (c && typeof c === 'object') {
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined);
    cfg.config = {};
    const env = strings(c.Env);
    if (env) cfg.config.Env = env;
    const ep = strings(c.Entrypoint);
    if (ep) cfg.config.Entrypoint = ep;
    const cmd = strings(c.Cmd);
    if (cmd) cfg.config.Cmd = cmd;
    if (typeof c.User === 'string') cfg.config.User = c.User;
    if (typeof c.WorkingDir === 'string') cfg.config.WorkingDir = c.WorkingDir;
    const labels = stringRecord(c.Labels);
    if (labels) cfg.config.Labels = labels;
  }
  if (Array.isArray(json.history)) {
    cfg.history = json.history
      .filter((h): h is Json => !!h && typeof h === 'object')
      .map((h) => ({
        ...(typeof h.created_by === 'string' ? { created_by: h.created_by } : {}),
        ...(h.empty_layer === true ? { empty_layer: true } : {}),
      }));
  }
  return cfg;
}

/** The created_by line of each non-empty layer, aligned with rootfs.diff_ids. */
export function layerHistory(config: ImageConfig): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const h of config.history ?? []) if (!h.empty_layer) out.push(h.created_by);
  return out;
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new ImageError('PLATFORM_NOT_FOUND', `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8`);
  }
  const p: Platform = { os: parts[0]!, architecture: parts[1]! };
  if (parts[2]) p.variant = parts[2];
  return p;
}

/** Default variants as containerd's platform matcher normalises them (arm64 → v8, arm → v7). */
function normaliseVariant(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  if (p.architecture === 'arm') return 'v7';
  return undefined;
}

/** Picks the manifest for `want` from an index; error lists the available platforms. */
export function selectPlatform(index: ImageIndex, want: Platform): Descriptor {
  const candidates = index.manifests.filter((m) => isManifestMediaType(m.mediaType) || m.mediaType === MediaType.ociIndex);
  const match = candidates.find(
    (m) =>
      m.platform &&
      m.platform.os === want.os &&
      m.platform.architecture === want.architecture &&
      normaliseVariant(m.platform) === normaliseVariant(want),
  );
  if (match) return match;
  // A request without a variant accepts any variant of the architecture (e.g. linux/arm matches linux/arm/v6 when v7 is absent).
  if (!want.variant) {
    const loose = candidates.find((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
    if (loose) return loose;
  }
  const available = candidates
    .map((m) => m.platform)
    .filter((p): p is NonNullable<typeof p> => !!p && !(p.os === 'unknown' && p.architecture === 'unknown'))
    .map(formatPlatform);
  throw new ImageError(
    'PLATFORM_NOT_FOUND',
    `no manifest for platform ${formatPlatform(want)} in the image index; available: ${available.length ? available.join(', ') : '(none)'}` +
      ' (choose one with --platform)',
  );
}
