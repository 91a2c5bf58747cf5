import { readFileSync, statSync } from 'node:fs';
import { SignError, UsageError, type EventSink } from '../../core/index.js';
import { parseReference, RegistryClient } from '../../oci/index.js';
import { KeylessSigning, loadPrivateKey, parseAnnotationFlags, signImage, type SignatureForms, type Signer } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { signExitCode } from '../sign-exit-code.js';
import { createOutput, type Output } from '../output.js';
import { registryFactory, type RegistryCliOptions } from '../registry-options.js';
import { readKeyPassword } from './generate-key-pair.js';

/** Keyless signing (cosign's flags): an OIDC identity token for Fulcio, and the services' URLs. */
export interface KeylessCliOptions {
  /** The token, or a file holding it (as cosign accepts); else the SIGSTORE_ID_TOKEN environment variable. */
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  timestampServerUrl?: string;
  /** cosign's --tlog-upload: with a key, ignored (nothing is uploaded); keyless, it cannot be turned off. */
  tlogUpload?: string | boolean;
}

export interface SignCliOptions extends RegistryCliOptions, KeylessCliOptions {
  key?: string;
  annotations?: string[];
  recursive?: boolean;
  form?: string;
  quiet?: boolean;
  debug?: boolean;
}

const FORMS = ['legacy', 'bundle', 'both'];

export function parseForm(form: string | undefined): SignatureForms {
  const f = form ?? 'both';
  if (!FORMS.includes(f)) throw new UsageError('INVALID_ARGUMENT', `--form must be one of ${FORMS.join(', ')}, not ${JSON.stringify(f)}`);
  return f as SignatureForms;
}

/** The registry client of the registry flags (the factory hands out a RegistryClient typed as a reader). */
export function signRegistry(opts: RegistryCliOptions, out: Output): RegistryClient {
  const client = registryFactory(opts, out.events)();
  if (!(client instanceof RegistryClient)) throw new Error('the registry factory did not return a RegistryClient');
  return client;
}

export function tlogNote(opts: { tlogUpload?: string | boolean; quiet?: boolean }, out: Output): void {
  if (opts.quiet) return;
  out.info(
    opts.tlogUpload !== undefined
      ? 'note: --tlog-upload is ignored: Tollgate does not upload key-signed signatures to a transparency log (Rekor).'
      : 'note: nothing was uploaded to a transparency log (Rekor); cosign verifies these with --insecure-ignore-tlog=true.',
  );
}

/** The identity token of --identity-token: the token itself, or a file holding it (cosign reads a path too). */
function readIdentityToken(value: string): string {
  let isFile = false;
  try {
    isFile = statSync(value).isFile();
  } catch {
    // not a path: the token itself
  }
  if (!isFile) return value;
  try {
    return readFileSync(value, 'utf8').trim();
  } catch (e) {
    throw new UsageError('INVALID_ARGUMENT', `cannot read the identity token file ${value} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

const TOKEN_ENV = 'SIGSTORE_ID_TOKEN';

/**
 * How to sign: with --key (a Signer), or keyless with --identity-token / $SIGSTORE_ID_TOKEN (cosign's variable).
 * A key wins over the environment variable; giving both flags is an error, as is giving neither.
 */
export async function loadSigningMethod(opts: KeylessCliOptions & { key?: string }, events: EventSink): Promise<Signer | KeylessSigning> {
  const keylessFlags = (['fulcioUrl', 'rekorUrl', 'timestampServerUrl'] as const).filter((k) => opts[k] !== undefined);
  const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (opts.key) {
    if (opts.identityToken !== undefined) throw new UsageError('INVALID_ARGUMENT', 'give either --key (sign with a key) or --identity-token (keyless), not both');
    if (keylessFlags.length > 0) throw new UsageError('INVALID_ARGUMENT', `${keylessFlags.map(flagName).join(', ')} apply to keyless signing (--identity-token), not to --key`);
    return loadSigner(opts.key);
  }
  const fromFlag = opts.identityToken !== undefined;
  const raw = fromFlag ? opts.identityToken! : process.env[TOKEN_ENV] || undefined;
  if (raw === undefined) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      `--key (a private key) or an OIDC identity token for keyless signing (--identity-token, or ${TOKEN_ENV}) is required`,
    );
  }
  if (opts.tlogUpload === false || opts.tlogUpload === 'false') {
    throw new UsageError('INVALID_ARGUMENT', '--tlog-upload=false is not supported for keyless signing: the Rekor entry is what shows that the signature was made while the short-lived certificate was valid');
  }
  return new KeylessSigning({
    identityToken: fromFlag ? readIdentityToken(raw) : raw,
    tokenSource: fromFlag ? '--identity-token' : TOKEN_ENV,
    ...(opts.fulcioUrl !== undefined ? { fulcioUrl: opts.fulcioUrl } : {}),
    ...(opts.rekorUrl !== undefined ? { rekorUrl: opts.rekorUrl } : {}),
    ...(opts.timestampServerUrl !== undefined ? { timestampServerUrl: opts.timestampServerUrl } : {}),
    events,
  });
}

/** What keyless signing did: the certificate, and the Rekor entries (cosign prints "tlog entry created with index"). */
export async function keylessReport(method: Signer | KeylessSigning, opts: { quiet?: boolean; tlogUpload?: string | boolean }, out: Output): Promise<void> {
  if (!(method instanceof KeylessSigning)) {
    tlogNote(opts, out);
    return;
  }
  if (opts.quiet) return;
  const cert = await method.certificate();
  if (cert) out.info(`Signed with a certificate from ${method.fulcioUrl} for ${cert.subject} (OIDC issuer ${cert.issuer}), valid ${cert.notBefore} to ${cert.notAfter}`);
  for (const e of method.logEntries) out.info(`tlog entry created with index: ${e.logIndex} (${e.kind}, ${e.rekorUrl})`);
}

/**
 * The signing key of `--key` (a cosign key file, a plain PEM key, env://VAR or k8s://ns/secret). The password of an
 * encrypted key comes from COSIGN_PASSWORD, then TOLLGATE_PASSWORD, then a terminal prompt, and is asked for only
 * when the key is encrypted.
 */
export async function loadSigner(key: string | undefined): Promise<Signer> {
  if (!key) throw new UsageError('INVALID_ARGUMENT', '--key is required (a private key file or reference)');
  try {
    return await loadPrivateKey(key, { password: () => readKeyPassword({ confirm: false }) });
  } catch (e) {
    // TOLLGATE_PASSWORD is also the registry password variable: say where a wrong key password came from.
    if (e instanceof SignError && e.code === 'WRONG_PASSWORD' && process.env.COSIGN_PASSWORD === undefined && process.env.TOLLGATE_PASSWORD !== undefined) {
      throw new SignError('WRONG_PASSWORD', `${e.message} (the password came from TOLLGATE_PASSWORD${process.env.TOLLGATE_USERNAME !== undefined ? ', which also holds the registry password here' : ''}; set COSIGN_PASSWORD for the key)`, { cause: e });
    }
    throw e;
  }
}

/** Problems with the key or predicate the user gave are usage errors (2); the rest as exitCodeFor says. */
export { signExitCode } from '../sign-exit-code.js';

export async function runSign(image: string, opts: SignCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    const annotations = parseAnnotationFlags(opts.annotations);
    const form = parseForm(opts.form);
    const signer = await loadSigningMethod(opts, out.events);
    client = signRegistry(opts, out);
    const res = await signImage({ image, signer, annotations, recursive: opts.recursive ?? false, registry: client, form, events: out.events });
    const parsed = parseReference(image);
    const ref = `${parsed.registry}/${parsed.repository}`;
    for (const s of res.signed) {
      if (opts.quiet) continue;
      if (s.form === 'legacy') {
        out.info(s.deduplicated ? `${s.digest}: an identical signature is already in ${ref}:${s.location}` : `Pushed the signature of ${s.digest} to ${ref}:${s.location}`);
      } else out.info(`Attached a Sigstore bundle to ${s.digest} (referrer ${s.location})`);
    }
    await keylessReport(signer, opts, out);
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return signExitCode(e);
  } finally {
    await client?.close();
  }
}
