import { SignError, UsageError } from '../../core/index.js';
import type { RegistryClient } from '../../oci/index.js';
import {
  loadPublicKeys,
  loadTrustedRoot,
  parseAnnotationFlags,
  verifyImage,
  type IdentityPolicy,
  type KeylessOptions,
  type TrustedKey,
  type VerifiedSignature,
  type VerifyImageResult,
} from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput, type Output } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';
import { signExitCode, signRegistry } from './sign.js';

/** cosign's keyless flags, shared by verify and verify-attestation. */
export interface KeylessCliOptions {
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  trustedRoot?: string;
  cacheDir?: string;
}

/** The flags `verify` and `verify-attestation` share. */
export interface VerifyFlags extends RegistryCliOptions, KeylessCliOptions {
  key?: string[];
  annotations?: string[];
  output?: string;
  quiet?: boolean;
  debug?: boolean;
}

export interface VerifyCliOptions extends VerifyFlags {
  checkReference?: boolean;
}

/** Exit code when signatures were checked and none verified (cosign exits 1 too); 0 only when one verifies. */
export const VERIFICATION_FAILED = 1;

export async function loadTrustedKeys(refs: string[] | undefined): Promise<TrustedKey[]> {
  if (!refs?.length) throw new UsageError('INVALID_ARGUMENT', '--key is required: a public key file, a directory of them, env://VAR or k8s://ns/secret (repeatable)');
  return loadPublicKeys(refs);
}

/** The identity flags as a policy, or undefined when none is given (key-based verification). */
export function identityFromFlags(opts: KeylessCliOptions): IdentityPolicy | undefined {
  const policy: IdentityPolicy = {
    ...(opts.certificateIdentity !== undefined ? { subject: opts.certificateIdentity } : {}),
    ...(opts.certificateIdentityRegexp !== undefined ? { subjectRegExp: opts.certificateIdentityRegexp } : {}),
    ...(opts.certificateOidcIssuer !== undefined ? { issuer: opts.certificateOidcIssuer } : {}),
    ...(opts.certificateOidcIssuerRegexp !== undefined ? { issuerRegExp: opts.certificateOidcIssuerRegexp } : {}),
  };
  return Object.keys(policy).length > 0 ? policy : undefined;
}

/**
 * What to verify against: the --key keys and/or, with the identity flags, keyless signatures against the trusted
 * root (--trusted-root, $TOLLGATE_TRUSTED_ROOT, the cached public-good root, else @sigstore/tuf's embedded seed of
 * it). One of the two is required.
 */
export async function loadVerifiers(
  opts: KeylessCliOptions & { key?: string[] },
  out?: Pick<Output, 'info'> & { quiet?: boolean },
): Promise<{ keys: TrustedKey[]; keyless?: KeylessOptions }> {
  const identity = identityFromFlags(opts);
  if (!identity) return { keys: await loadTrustedKeys(opts.key) };
  const root = await loadTrustedRoot({
    ...(opts.trustedRoot !== undefined ? { file: opts.trustedRoot } : {}),
    ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
  });
  // The default root may be @sigstore/tuf's embedded seed (as old as the package): one line says which root is used.
  if (root.notice && out && !out.quiet) out.info(`note: ${root.notice}`);
  const keys = opts.key?.length ? await loadPublicKeys(opts.key) : [];
  return { keys, keyless: { identity, trustedRoot: root.root, trustRootId: root.id } };
}

/** A missing trusted root is configuration to fix (exit 2), like a missing key. */
export function verifyExitCode(e: unknown): number {
  if (e instanceof SignError && e.code === 'TRUSTED_ROOT_MISSING') return ExitCode.usage;
  return signExitCode(e);
}

/**
 * cosign's output for a certificate-signed payload (cmd/cosign/cli/verify PrintVerification): the certificate's
 * Subject and Issuer added to the payload's `optional` map.
 */
export function payloadForOutput(s: VerifiedSignature): VerifiedSignature['payload'] {
  if (!s.keyless) return s.payload;
  return { ...s.payload, optional: { ...(s.payload.optional ?? {}), Issuer: s.keyless.issuer, Subject: s.keyless.subject } };
}

export function isVerificationFailure(e: unknown): boolean {
  return e instanceof SignError && ['NO_SIGNATURES', 'NO_MATCHING_SIGNATURES', 'NO_ATTESTATIONS', 'NO_MATCHING_ATTESTATIONS'].includes(e.code);
}

/**
 * cosign's PrintVerificationHeader: for key-based verification without a transparency log, and for keyless
 * verification (inclusion promise or proof checked offline, certificate chained to the trusted root).
 */
export function printHeader(out: Output, image: string, what: string, annotations: boolean, mode: { key: boolean; keyless: boolean } = { key: true, keyless: false }): void {
  const lines = [``, `Verification for ${image} --`, `The following checks were performed on each of these ${what}:`];
  if (annotations) lines.push('  - The specified annotations were verified.');
  lines.push('  - The cosign claims were validated');
  if (mode.key) {
    lines.push(`  - ${mode.keyless ? 'Key-signed ones: t' : 'T'}he signatures were verified against the specified public key`);
    lines.push(`  - ${mode.keyless ? 'Key-signed ones: n' : 'N'}o transparency log was consulted; key validity windows were checked against the current time`);
  }
  if (mode.keyless) {
    lines.push(`  - ${mode.key ? 'Keyless ones: e' : 'E'}xistence of the claims in the transparency log was verified offline`);
    lines.push('  - The code-signing certificate was verified using trusted certificate authority certificates');
  }
  out.info(lines.join('\n'));
}

/** What a verify command needs from its frame: the verifiers, the required annotations, a registry client. */
export interface VerificationInputs {
  keys: TrustedKey[];
  keyless?: KeylessOptions;
  annotations: Record<string, string>;
  client?: RegistryClient;
}

/**
 * The frame `verify` and `verify-attestation` share: flags → verifiers → registry client → verification → header →
 * result on stdout, with cosign's exit codes (0 verified, 1 nothing verified, 2 usage, 3 registry or input).
 */
export async function runVerification<R>(
  image: string,
  opts: VerifyFlags,
  spec: { what: string; defaultOutput: 'json' | 'text'; verify: (inputs: VerificationInputs, out: Output) => Promise<R>; render: (res: R, output: 'json' | 'text') => string; summary?: (res: R, out: Output) => void },
): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    const output = opts.output ?? spec.defaultOutput;
    if (output !== 'json' && output !== 'text') throw new UsageError('INVALID_ARGUMENT', `--output must be json or text, not ${JSON.stringify(output)}`);
    const annotations = parseAnnotationFlags(opts.annotations);
    const { keys, keyless } = await loadVerifiers(opts, { info: (t) => out.info(t), quiet: opts.quiet === true });
    if (!image.startsWith('oci-dir:')) client = signRegistry(opts, out);
    let res: R;
    try {
      res = await spec.verify({ keys, ...(keyless ? { keyless } : {}), annotations, ...(client ? { client } : {}) }, out);
    } catch (e) {
      if (!isVerificationFailure(e)) throw e;
      out.error(e);
      return VERIFICATION_FAILED;
    }
    if (!opts.quiet) {
      printHeader(out, image, spec.what, Object.keys(annotations).length > 0, { key: keys.length > 0, keyless: keyless !== undefined });
      spec.summary?.(res, out);
    }
    await out.result(spec.render(res, output));
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return verifyExitCode(e);
  } finally {
    await client?.close();
  }
}

export async function runVerify(image: string, opts: VerifyCliOptions): Promise<number> {
  return runVerification<VerifyImageResult>(image, opts, {
    what: 'signatures',
    defaultOutput: 'json',
    verify: ({ keys, keyless, annotations, client }, out) =>
      verifyImage({
        image,
        keys,
        ...(keyless ? { keyless } : {}),
        annotations,
        ...(client ? { registry: client } : {}),
        checkReference: opts.checkReference ?? false,
        events: out.events,
      }),
    summary: (res, out) => {
      if (res.rejected.length && !opts.debug) out.info(`(${res.rejected.length} other signature(s) did not verify: ${[...new Set(res.rejected.map((r) => r.code))].join(', ')}; --debug lists them)`);
    },
    render: (res, output) =>
      output === 'json'
        ? `${JSON.stringify(res.verified.map(payloadForOutput))}\n`
        : res.verified.map((s) => `${s.form === 'legacy' ? s.payloadBytes.toString('utf8') : JSON.stringify(s.payload)}\n`).join(''),
  });
}
