import { UsageError } from '../../core/index.js';
import { parseReference, RegistryClient } from '../../oci/index.js';
import { loadPrivateKey, parseAnnotationFlags, signImage, type SignatureForms, type Signer } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { signExitCode } from '../sign-exit-code.js';
import { createOutput, type Output } from '../output.js';
import { registryFactory, type RegistryCliOptions } from '../registry-options.js';
import { readKeyPassword } from './generate-key-pair.js';

export interface SignCliOptions extends RegistryCliOptions {
  key?: string;
  annotations?: string[];
  recursive?: boolean;
  /** cosign's --tlog-upload: accepted for compatibility, Tollgate never uploads to a transparency log. */
  tlogUpload?: string | boolean;
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
      ? 'note: --tlog-upload is ignored: Tollgate does not upload to a transparency log (Rekor).'
      : 'note: nothing was uploaded to a transparency log (Rekor); cosign verifies these with --insecure-ignore-tlog=true.',
  );
}

/**
 * The signing key of `--key` (a cosign key file, a plain PEM key, env://VAR or k8s://ns/secret). The password of an
 * encrypted key comes from COSIGN_PASSWORD, then TOLLGATE_PASSWORD, then a terminal prompt, and is asked for only
 * when the key is encrypted.
 */
export async function loadSigner(key: string | undefined): Promise<Signer> {
  if (!key) throw new UsageError('INVALID_ARGUMENT', '--key is required (a private key file or reference); keyless signing is not available');
  return loadPrivateKey(key, { password: () => readKeyPassword({ confirm: false }) });
}

/** Problems with the key or predicate the user gave are usage errors (2); the rest as exitCodeFor says. */
export { signExitCode } from '../sign-exit-code.js';

export async function runSign(image: string, opts: SignCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    const annotations = parseAnnotationFlags(opts.annotations);
    const form = parseForm(opts.form);
    const signer = await loadSigner(opts.key);
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
    tlogNote(opts, out);
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return signExitCode(e);
  } finally {
    await client?.close();
  }
}
