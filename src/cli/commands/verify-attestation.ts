import { verifyAttestations, type VerifyAttestationsResult } from '../../sign/index.js';
import { runVerification, type VerifyFlags } from './verify.js';

export interface VerifyAttestationCliOptions extends VerifyFlags {
  type?: string;
}

/**
 * `--output text` (default, as cosign): each verified DSSE envelope on its own line. `--output json`: a JSON array
 * of the decoded in-toto statements.
 */
export async function runVerifyAttestation(image: string, opts: VerifyAttestationCliOptions): Promise<number> {
  return runVerification<VerifyAttestationsResult>(image, opts, {
    what: 'attestations',
    defaultOutput: 'text',
    verify: ({ keys, keyless, annotations, client }, out) =>
      verifyAttestations({
        image,
        keys,
        ...(keyless ? { keyless } : {}),
        type: opts.type ?? 'custom',
        annotations,
        ...(client ? { registry: client } : {}),
        events: out.events,
      }),
    render: (res, output) =>
      output === 'json' ? `${JSON.stringify(res.verified.map((a) => a.statement))}\n` : res.verified.map((a) => `${a.envelope.toString('utf8').trimEnd()}\n`).join(''),
  });
}
