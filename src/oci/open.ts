import { UsageError, type EventSink, type ImageSource, type Platform } from '../core/index.js';
import type { DecompressLimits } from './decompress.js';
import { parsePlatform } from './manifest.js';
import { parseReference } from './reference.js';
import { openDir } from './sources/dir.js';
import { openDockerArchive } from './sources/docker-archive.js';
import { openOciDir } from './sources/oci-dir.js';
import { openRegistryImage, type RegistryReader } from './sources/registry.js';

export interface OpenOptions {
  /** "os/arch[/variant]"; default linux/amd64. */
  platform?: string;
  /** A registry client for registry sources (created by the caller with its auth/TLS options). */
  registry?: () => RegistryReader;
  limits?: DecompressLimits;
  /** Where temporary files go (a gzip docker archive is decompressed there). */
  tmpDir?: string;
  events?: EventSink;
}

export type SourceSpec =
  | { kind: 'registry'; reference: string }
  | { kind: 'oci-dir'; path: string }
  | { kind: 'docker-archive'; path: string }
  | { kind: 'dir'; path: string };

/** Scheme prefixes as skopeo and grype write them; a bare reference means a registry. */
export function parseSourceSpec(input: string): SourceSpec {
  const prefixes: [string, SourceSpec['kind']][] = [
    ['registry:', 'registry'],
    ['docker://', 'registry'],
    ['oci-dir:', 'oci-dir'],
    ['oci:', 'oci-dir'],
    ['docker-archive:', 'docker-archive'],
    ['dir:', 'dir'],
  ];
  for (const [prefix, kind] of prefixes) {
    if (input.startsWith(prefix)) {
      const rest = input.slice(prefix.length).replace(/^\/\/(?=\w)/, kind === 'registry' ? '' : '//');
      if (!rest) throw new UsageError('UNKNOWN_SOURCE', `missing path or reference after ${prefix}`);
      return kind === 'registry' ? { kind, reference: rest } : { kind, path: rest };
    }
  }
  const scheme = /^([a-z][a-z0-9+-]*):(?!\d)/.exec(input);
  if (scheme && ['oci-archive', 'docker-daemon', 'containers-storage', 'podman', 'sif', 'file', 'http', 'https'].includes(scheme[1]!)) {
    throw new UsageError(
      'UNKNOWN_SOURCE',
      `unsupported source scheme ${scheme[1]}: use a registry reference, oci-dir:PATH[:TAG], docker-archive:FILE or dir:PATH`,
    );
  }
  return { kind: 'registry', reference: input };
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** Opens any supported image source. The caller must `close()` it. */
export async function openSource(input: string, options: OpenOptions = {}): Promise<ImageSource> {
  const spec = parseSourceSpec(input);
  let platform = DEFAULT_PLATFORM;
  if (options.platform) {
    try {
      platform = parsePlatform(options.platform);
    } catch (e) {
      throw new UsageError('INVALID_PLATFORM', (e as Error).message, { cause: e });
    }
  }
  const explicit = options.platform !== undefined;
  switch (spec.kind) {
    case 'dir':
      return openDir(input, spec.path);
    case 'oci-dir':
      return openOciDir(input, spec.path, platform, explicit, options.limits);
    case 'docker-archive':
      return openDockerArchive(input, spec.path, platform, explicit, options.limits, options.tmpDir);
    case 'registry': {
      const ref = parseReference(spec.reference);
      if (!options.registry) throw new UsageError('INVALID_CONFIG', 'no registry client configured');
      return openRegistryImage(input, ref, options.registry(), platform, explicit, options.limits);
    }
  }
}
