import { SignError } from '../../core/index.js';
import { importKeyPair } from '../../sign/index.js';
import { exitCodeFor, ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import { readKeyPassword } from './generate-key-pair.js';

export interface ImportKeyPairCliOptions {
  key: string;
  outputKeyPrefix?: string;
  force?: boolean;
  /** cosign's -y/--yes: overwrite without asking (Tollgate never asks, so it is --force). */
  yes?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** A key file the user named that is missing or not a usable key is a usage error (2), as for `sign --key`. */
const USER_INPUT_CODES = new Set(['KEY_NOT_FOUND', 'MALFORMED_KEY', 'UNSUPPORTED_KEY']);

/**
 * `tollgate import-key-pair --key FILE [--output-key-prefix import-cosign]` (cosign import-key-pair): a plain PEM
 * private key from another tool, re-written as a cosign key pair encrypted with COSIGN_PASSWORD or a prompted one.
 */
export async function runImportKeyPair(opts: ImportKeyPairCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const files = await importKeyPair({
      keyFile: opts.key,
      prefix: opts.outputKeyPrefix ?? 'import-cosign',
      force: Boolean(opts.force || opts.yes),
      password: () => readKeyPassword({ confirm: true }),
    });
    out.info(`Private key written to ${files.privateKeyName}`);
    out.info(`Public key written to ${files.publicKeyName}`);
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return e instanceof SignError && USER_INPUT_CODES.has(e.code) ? ExitCode.usage : exitCodeFor(e);
  }
}
