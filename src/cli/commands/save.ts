import { UsageError } from '../../core/index.js';
import type { RegistryClient } from '../../oci/index.js';
import { saveImage } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';
import { signExitCode, signRegistry } from './sign.js';

export interface SaveCliOptions extends RegistryCliOptions {
  dir?: string;
  quiet?: boolean;
  debug?: boolean;
}

/** `cosign save --dir PATH IMAGE`; `--dir` also accepts the `oci-dir:PATH` form. */
export async function runSave(image: string, opts: SaveCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    const dir = opts.dir?.replace(/^oci-dir:/, '');
    if (!dir) throw new UsageError('INVALID_ARGUMENT', '--dir PATH is required');
    client = signRegistry(opts, out);
    const r = await saveImage({ image, dir, registry: client, events: out.events });
    if (!opts.quiet) {
      out.info(
        `Saved ${image} (${r.digest}) to ${dir}: ${r.manifests} manifest(s), ${r.signatureImages} signature image(s), ` +
          `${r.attestationImages} attestation image(s), ${r.referrers} referrer(s). Verify it offline with oci-dir:${dir}`,
      );
    }
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return signExitCode(e);
  } finally {
    await client?.close();
  }
}
