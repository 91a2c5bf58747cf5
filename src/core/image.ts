import type { LayerRef } from './layer.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export type SourceKind = 'registry' | 'oci-dir' | 'docker-archive' | 'dir';

/** What Tollgate knows about the image it reads (plain data; written into SBOMs and reports). */
export interface ImageMetadata {
  /** The source as the user wrote it. */
  input: string;
  kind: SourceKind;
  /** Normalised name without tag/digest, e.g. "docker.io/library/alpine" (registry sources). */
  repository?: string;
  tag?: string;
  /** Digest of the platform image manifest that was read. */
  manifestDigest?: string;
  /** Digest of the index / manifest list the platform manifest was chosen from. */
  indexDigest?: string;
  manifestMediaType?: string;
  configDigest?: string;
  platform?: Platform;
  /** Image config facts. */
  created?: string;
  author?: string;
  labels?: Record<string, string>;
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  user?: string;
  workingDir?: string;
  /** "name@sha256:…" references. */
  repoDigests?: string[];
  repoTags?: string[];
  /** Compressed size of all layers in bytes, when known. */
  size?: number;
}

/** A layer as an image source exposes it. */
export interface LayerDescriptor extends LayerRef {
  mediaType: string;
  /** Compressed size in bytes (descriptor size), when known. */
  size?: number;
}

/** Stored bytes of a layer, see ImageSource.openRawLayer. */
export type RawLayer = {
  verified: boolean;
  /** Stored size when the descriptor does not give it (docker archives). */
  size?: number;
} & (
  | { stream: NodeJS.ReadableStream; file?: undefined }
  /** A file range (inclusive `end`): a reader in another thread opens it itself, nothing passes through this one. */
  | { file: { path: string; start?: number; end?: number }; stream?: undefined }
);

/** A source opened for reading: metadata plus a way to stream every layer once. */
export interface ImageSource {
  readonly metadata: ImageMetadata;
  readonly layers: readonly LayerDescriptor[];
  /**
   * Stream one layer as an uncompressed tar. The stream errors (ImageError DIGEST_MISMATCH etc.) if the bytes do
   * not match the descriptor's digest (or, for a layer without one, its diffID); consumers must treat the layer as unread in that case.
   * A `dir:` source has no tar: its single layer is walked with `walkRoot` instead.
   */
  openLayer(index: number, signal?: AbortSignal): Promise<NodeJS.ReadableStream>;
  /**
   * The layer's bytes as stored (compressed), for a reader that verifies and decompresses them itself, e.g. in a
   * worker thread (`openVerifiedLayer` in src/oci does it). `verified` says whether this stream already checks the
   * blob digest and size; when false the reader MUST check them against the descriptor (`digest`, `size`).
   */
  openRawLayer?(index: number, signal?: AbortSignal): Promise<RawLayer>;
  /** For `dir:` sources: the root directory to walk instead of a tar stream. */
  readonly root?: string;
  close(): Promise<void>;
}
