import { SignError, UsageError } from '../../core/index.js';
import type { RegistryClient } from '../../oci/index.js';
import { parseAnnotationFlags, verifyNotation, type VerifyNotationResult } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';
import { signExitCode, signRegistry } from './sign.js';
import { VERIFICATION_FAILED } from './verify.js';

export interface NotationVerifyCliOptions extends RegistryCliOptions {
  trustPolicy?: string;
  trustStore?: string;
  /** `-a k=v`: required annotations of the signed payload (notation verify --user-metadata). */
  annotations?: string[];
  output?: string;
  quiet?: boolean;
  debug?: boolean;
}

function summary(res: VerifyNotationResult): string {
  const lines = [``, `Notation verification for ${res.image} (${res.digest}) --`, `Trust policy statement ${JSON.stringify(res.policy.name)}, level ${res.policy.level}, scope ${res.scope}.`];
  if (res.skipped) lines.push('The level is "skip": signatures were not verified.');
  for (const v of res.verified) {
    lines.push(`  verified ${v.location} (${v.envelopeType}) signed by ${JSON.stringify(v.subject)}${v.anchorId ? ` via ${v.anchorId}` : ''}${v.signedAt ? `, at ${v.signedAt} (${v.signedAtSource})` : ''}`);
    for (const c of v.checks.filter((c) => c.outcome === 'failed' || c.outcome === 'not-checked')) lines.push(`    ${c.type}: ${c.outcome} (${c.action})${c.message ? `: ${c.message}` : ''}`);
  }
  for (const r of res.rejected) lines.push(`  rejected ${r.location}: ${r.code}: ${r.message}`);
  return lines.join('\n');
}

/**
 * `tollgate verify --notation --trust-policy FILE --trust-store DIR IMAGE`: Notation signatures of IMAGE (a registry
 * reference or oci-dir:PATH[:TAG]) against a Notary Project trust policy and trust store. Prints the result (JSON,
 * or the summary as text). Exit 0 when a signature verifies or the level is skip, 1 when none does or no trust
 * policy statement applies, 2 for configuration errors.
 */
export async function runNotationVerify(image: string, opts: NotationVerifyCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    const output = opts.output ?? 'json';
    if (output !== 'json' && output !== 'text') throw new UsageError('INVALID_ARGUMENT', `--output must be json or text, not ${JSON.stringify(output)}`);
    if (!opts.trustPolicy) throw new UsageError('INVALID_ARGUMENT', '--notation needs --trust-policy FILE (a Notary Project trustpolicy.oci.json)');
    if (!opts.trustStore) throw new UsageError('INVALID_ARGUMENT', '--notation needs --trust-store DIR (the folder holding x509/ca, x509/signingAuthority, x509/tsa)');
    const userMetadata = parseAnnotationFlags(opts.annotations);
    if (!image.startsWith('oci-dir:')) client = signRegistry(opts, out);
    let res: VerifyNotationResult;
    try {
      res = await verifyNotation({
        image,
        ...(client ? { registry: client } : {}),
        trustPolicy: opts.trustPolicy,
        trustStoreDir: opts.trustStore,
        ...(Object.keys(userMetadata).length ? { userMetadata } : {}),
        events: out.events,
      });
    } catch (e) {
      if (e instanceof SignError && e.code === 'NO_APPLICABLE_POLICY') {
        out.error(e);
        return VERIFICATION_FAILED;
      }
      throw e;
    }
    if (!opts.quiet) out.info(summary(res));
    await out.result(output === 'json' ? `${JSON.stringify(res, null, 2)}\n` : `${summary(res)}\n`);
    if (res.skipped || res.verified.length > 0) {
      out.done();
      return ExitCode.ok;
    }
    out.error(
      res.rejected.length === 0
        ? new SignError('NO_SIGNATURES', `no Notation signature is associated with ${image} (${res.digest})`)
        : new SignError('NO_MATCHING_SIGNATURES', `none of the ${res.rejected.length} Notation signature(s) of ${image} verified: ${[...new Set(res.rejected.map((r) => r.code))].join(', ')}`),
    );
    return VERIFICATION_FAILED;
  } catch (e) {
    out.error(e);
    return signExitCode(e);
  } finally {
    await client?.close();
  }
}
