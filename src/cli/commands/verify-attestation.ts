import { UsageError } from '../../core/index.js';
import type { RegistryClient } from '../../oci/index.js';
import { parseAnnotationFlags, verifyAttestations, type VerifyAttestationsResult } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';
import { signRegistry } from './sign.js';
import { isVerificationFailure, loadVerifiers, printHeader, VERIFICATION_FAILED, verifyExitCode, type KeylessCliOptions } from './verify.js';

export interface VerifyAttestationCliOptions extends RegistryCliOptions, KeylessCliOptions {
  key?: string[];
  type?: string;
  annotations?: string[];
  output?: string;
  quiet?: boolean;
  debug?: boolean;
}

/**
 * `--output text` (default, as cosign): each verified DSSE envelope on its own line. `--output json`: a JSON array
 * of the decoded in-toto statements.
 */
export async function runVerifyAttestation(image: string, opts: VerifyAttestationCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    const output = opts.output ?? 'text';
    if (output !== 'json' && output !== 'text') throw new UsageError('INVALID_ARGUMENT', `--output must be text or json, not ${JSON.stringify(output)}`);
    const annotations = parseAnnotationFlags(opts.annotations);
    const { keys, keyless } = await loadVerifiers(opts, { info: (t) => out.info(t), quiet: opts.quiet === true });
    if (!image.startsWith('oci-dir:')) client = signRegistry(opts, out);
    let res: VerifyAttestationsResult;
    try {
      res = await verifyAttestations({
        image,
        keys,
        ...(keyless ? { keyless } : {}),
        type: opts.type ?? 'custom',
        annotations,
        ...(client ? { registry: client } : {}),
        events: out.events,
      });
    } catch (e) {
      if (!isVerificationFailure(e)) throw e;
      out.error(e);
      return VERIFICATION_FAILED;
    }
    if (!opts.quiet) printHeader(out, image, 'attestations', Object.keys(annotations).length > 0, { key: keys.length > 0, keyless: keyless !== undefined });
    const text =
      output === 'json'
        ? `${JSON.stringify(res.verified.map((a) => a.statement))}\n`
        : res.verified.map((a) => `${a.envelope.toString('utf8').trimEnd()}\n`).join('');
    await out.result(text);
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return verifyExitCode(e);
  } finally {
    await client?.close();
  }
}
