import { SignError, UsageError } from '../../core/index.js';
import type { RegistryClient } from '../../oci/index.js';
import { loadPublicKeys, parseAnnotationFlags, verifyImage, type TrustedKey, type VerifyImageResult } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput, type Output } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';
import { signExitCode, signRegistry } from './sign.js';

export interface VerifyCliOptions extends RegistryCliOptions {
  key?: string[];
  annotations?: string[];
  output?: string;
  checkReference?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** Exit code when signatures were checked and none verified (cosign exits 1 too); 0 only when one verifies. */
export const VERIFICATION_FAILED = 1;

export async function loadTrustedKeys(refs: string[] | undefined): Promise<TrustedKey[]> {
  if (!refs?.length) throw new UsageError('INVALID_ARGUMENT', '--key is required: a public key file, a directory of them, env://VAR or k8s://ns/secret (repeatable)');
  return loadPublicKeys(refs);
}

export function isVerificationFailure(e: unknown): boolean {
  return e instanceof SignError && ['NO_SIGNATURES', 'NO_MATCHING_SIGNATURES', 'NO_ATTESTATIONS', 'NO_MATCHING_ATTESTATIONS'].includes(e.code);
}

/** cosign's PrintVerificationHeader for key-based verification without a transparency log. */
export function printHeader(out: Output, image: string, what: string, annotations: boolean): void {
  const lines = [``, `Verification for ${image} --`, `The following checks were performed on each of these ${what}:`];
  if (annotations) lines.push('  - The specified annotations were verified.');
  lines.push('  - The cosign claims were validated');
  lines.push('  - The signatures were verified against the specified public key');
  lines.push('  - No transparency log was consulted; key validity windows were checked against the current time');
  out.info(lines.join('\n'));
}

export async function runVerify(image: string, opts: VerifyCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    const output = opts.output ?? 'json';
    if (output !== 'json' && output !== 'text') throw new UsageError('INVALID_ARGUMENT', `--output must be json or text, not ${JSON.stringify(output)}`);
    const annotations = parseAnnotationFlags(opts.annotations);
    const keys = await loadTrustedKeys(opts.key);
    if (!image.startsWith('oci-dir:')) client = signRegistry(opts, out);
    let res: VerifyImageResult;
    try {
      res = await verifyImage({ image, keys, annotations, ...(client ? { registry: client } : {}), checkReference: opts.checkReference ?? false, events: out.events });
    } catch (e) {
      if (!isVerificationFailure(e)) throw e;
      out.error(e);
      return VERIFICATION_FAILED;
    }
    if (!opts.quiet) {
      printHeader(out, image, 'signatures', Object.keys(annotations).length > 0);
      if (res.rejected.length && !opts.debug) out.info(`(${res.rejected.length} other signature(s) did not verify: ${[...new Set(res.rejected.map((r) => r.code))].join(', ')}; --debug lists them)`);
    }
    const text =
      output === 'json'
        ? `${JSON.stringify(res.verified.map((s) => s.payload))}\n`
        : res.verified.map((s) => `${s.form === 'legacy' ? s.payloadBytes.toString('utf8') : JSON.stringify(s.payload)}\n`).join('');
    await out.result(text);
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return signExitCode(e);
  } finally {
    await client?.close();
  }
}
