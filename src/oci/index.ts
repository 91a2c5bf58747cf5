export { openSource, parseSourceSpec, DEFAULT_PLATFORM, type OpenOptions, type SourceSpec } from './open.js';
export { walkTar, walkDirectory, normalizeEntryPath, type WalkOptions, type LayerWalk } from './walk.js';
export { MediaType, manifestAccept, layerCompression, type Compression } from './media-types.js';
export { DEFAULT_LIMITS, type DecompressLimits } from './decompress.js';
export { sha256, digestOf, isDigest, verifyBytes, DigestVerifier } from './digest.js';
export { parseManifestOrIndex, parseImageConfig, parsePlatform, formatPlatform, selectPlatform, type Descriptor, type ImageManifest, type ImageIndex, type ImageConfig } from './manifest.js';
export { parseReference, type ImageReference } from './reference.js';
export type { RegistryReader } from './sources/registry.js';
export { RegistryClient, type RegistryClientOptions, type Credentials } from './registry/index.js';
