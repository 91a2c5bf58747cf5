import { stat } from 'node:fs/promises';
import { UsageError } from '../core/index.js';
import { parseReference } from '../oci/index.js';
import { RegistrySource, type ArtifactSource, type SignRegistry } from './artifact-source.js';
import { LayoutSource } from './oci-layout.js';

/**
 * `oci-dir:PATH[:TAG]` (an OCI layout, e.g. from `cosign save` or `tollgate save`: no registry needed), or an image
 * reference in a registry (an optional `registry:` / `docker://` prefix is accepted).
 */
export async function openArtifactSource(image: string, registry: SignRegistry | undefined): Promise<ArtifactSource> {
  if (image.startsWith('oci-dir:')) {
    const spec = image.slice('oci-dir:'.length);
    if (!spec) throw new UsageError('INVALID_REFERENCE', 'oci-dir: needs a path (oci-dir:PATH[:TAG])');
    const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() === true;
    if (await isDir(spec)) return new LayoutSource(spec, undefined, image);
    const i = spec.lastIndexOf(':');
    if (i > 0 && (await isDir(spec.slice(0, i)))) return new LayoutSource(spec.slice(0, i), spec.slice(i + 1), image);
    throw new UsageError('INVALID_REFERENCE', `${image}: ${spec} is not a directory`);
  }
  const ref = parseReference(image);
  if (!registry) throw new UsageError('INVALID_ARGUMENT', `${image}: a registry client is needed to read it`);
  return new RegistrySource(registry, ref);
}
