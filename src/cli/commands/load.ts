import { UsageError } from '../../core/index.js';
import type { RegistryClient } from '../../oci/index.js';
import { loadImage } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';
import { signExitCode, signRegistry } from './sign.js';

export interface LoadCliOptions extends RegistryCliOptions {
  dir?: string;
  quiet?: boolean;
  debug?: boolean;
}

/** `cosign load --dir PATH IMAGE`: pushes a saved layout (image, signatures, attestations, referrers) to IMAGE. */
export async function runLoad(image: string, opts: LoadCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    const dir = opts.dir?.replace(/^oci-dir:/, '');
    if (!dir) throw new UsageError('INVALID_ARGUMENT', '--dir PATH is required');
    client = signRegistry(opts, out);
    const r = await loadImage({ dir, image, registry: client, events: out.events });
    if (!opts.quiet) out.info(`Loaded ${r.digest} into ${image}: ${r.manifests} manifest(s); tags ${r.tags.join(', ') || '(none)'}`);
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return signExitCode(e);
  } finally {
    await client?.close();
  }
}
