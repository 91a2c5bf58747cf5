import { readFile } from 'node:fs/promises';
import { UsageError } from '../../core/index.js';
import type { RegistryClient } from '../../oci/index.js';
import { attestImage } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';
import { keylessReport, loadSigningMethod, parseForm, signExitCode, signRegistry, type KeylessCliOptions } from './sign.js';

export interface AttestCliOptions extends RegistryCliOptions, KeylessCliOptions {
  key?: string;
  type?: string;
  predicate?: string;
  recursive?: boolean;
  form?: string;
  quiet?: boolean;
  debug?: boolean;
}

export async function runAttest(image: string, opts: AttestCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    if (!opts.predicate) throw new UsageError('INVALID_ARGUMENT', '--predicate FILE is required');
    const form = parseForm(opts.form);
    let predicate: Buffer;
    try {
      predicate = await readFile(opts.predicate);
    } catch (e) {
      throw new UsageError('INVALID_ARGUMENT', `cannot read the predicate ${opts.predicate} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const signer = await loadSigningMethod(opts, out.events);
    client = signRegistry(opts, out);
    const res = await attestImage({
      image,
      signer,
      type: opts.type ?? 'custom',
      predicate,
      predicateName: opts.predicate,
      registry: client,
      recursive: opts.recursive ?? false,
      form,
      events: out.events,
    });
    if (!opts.quiet) {
      for (const s of res.signed) {
        out.info(s.form === 'legacy' ? `Pushed the attestation of ${s.digest} to ${s.location}` : `Attached a Sigstore bundle to ${s.digest} (referrer ${s.location})`);
      }
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
