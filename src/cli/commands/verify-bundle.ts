import { loadTrustedRoot, verifyBundleFiles, type BundleVerification } from '../../sign/index.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import { createOutput } from '../output.js';

export interface VerifyBundleCliOptions {
  bundle: string;
  artifact?: string;
  digest?: string;
  trustedRoot?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  key?: string[];
  insecureIgnoreTlog?: boolean;
  format?: string;
  cacheDir?: string;
  quiet?: boolean;
  debug?: boolean;
}

/**
 * A bundle that does not verify is the gate failing, not an error: exit 1, as cosign's verify-blob. Usage errors
 * stay 2 and unusable input (unreadable or malformed bundle, trusted root or key) 3, as everywhere in Tollgate.
 */
export const VERIFICATION_FAILED = 1;

export async function runVerifyBundle(opts: VerifyBundleCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const result = await verifyBundleFiles({
      bundleFile: opts.bundle,
      ...(opts.artifact !== undefined ? { artifactFile: opts.artifact } : {}),
      ...(opts.digest !== undefined ? { digest: opts.digest } : {}),
      ...(opts.trustedRoot !== undefined ? { trustedRootFile: opts.trustedRoot } : {}),
      ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
      // The cached public-good root, else @sigstore/tuf's embedded seed (one line on stderr says so).
      // $TOLLGATE_TRUSTED_ROOT is not read here, as before: verify-bundle takes --trusted-root only.
      defaultTrustedRoot: async () => {
        const loaded = await loadTrustedRoot({ env: {}, ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}) });
        if (loaded.notice && !opts.quiet) out.info(`note: ${loaded.notice}`);
        return loaded.root;
      },
      identity: {
        ...(opts.certificateIdentity !== undefined ? { subject: opts.certificateIdentity } : {}),
        ...(opts.certificateIdentityRegexp !== undefined ? { subjectRegExp: opts.certificateIdentityRegexp } : {}),
        ...(opts.certificateOidcIssuer !== undefined ? { issuer: opts.certificateOidcIssuer } : {}),
        ...(opts.certificateOidcIssuerRegexp !== undefined ? { issuerRegExp: opts.certificateOidcIssuerRegexp } : {}),
      },
      keyRefs: opts.key ?? [],
      ignoreTlog: opts.insecureIgnoreTlog === true,
      events: out.events,
    });
    if (opts.format === 'json') await out.result(`${JSON.stringify(result, null, 2)}\n`);
    else if (result.verified) await out.result(describe(result));
    if (!result.verified) out.info(`Verification failed (${result.code}): ${result.reason}`);
    out.done();
    return result.verified ? ExitCode.ok : VERIFICATION_FAILED;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** The text report: cosign's "Verified OK", then who signed, when, and what. */
export function describe(r: Extract<BundleVerification, { verified: true }>): string {
  const b = r.bundle;
  const material = b.material === 'publicKey' ? 'public key' : 'Fulcio certificate';
  const content = b.content === 'dsseEnvelope' ? 'DSSE envelope' : 'message signature';
  const entries = b.tlogEntries.map((t) => `${t.kind} ${t.version} #${t.logIndex}`);
  const lines = [
    'Verified OK',
    `  signer:    ${
      r.signer.certificate
        ? `${r.signer.certificate.sans.join(', ')} (OIDC issuer ${r.signer.certificate.issuer ?? 'none'})`
        : `key ${r.signer.key?.source}${r.signer.key?.hint ? ` (bundle key hint ${r.signer.key.hint})` : ''}`
    }`,
    `  signed at: ${r.timestamps.length ? r.timestamps.map((t) => `${t.time} (${t.source})`).join(', ') : 'no verified time'}`,
    `  artifact:  ${r.artifact}`,
  ];
  if (r.statement) lines.push(`  statement: ${r.statement.predicateType || '(no predicate type)'}, ${plural(r.statement.subjects.length, 'subject')}`);
  lines.push(
    `  bundle:    v${b.version} ${content}, ${material}; ${b.tlogEntries.length} log ${b.tlogEntries.length === 1 ? 'entry' : 'entries'}` +
      `${entries.length ? ` (${entries.join(', ')})` : ''}, ${plural(b.rfc3161Timestamps, 'RFC 3161 timestamp')}`,
  );
  return `${lines.join('\n')}\n`;
}
