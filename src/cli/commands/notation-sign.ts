import { readFile } from 'node:fs/promises';
import { SignError, UsageError } from '../../core/index.js';
import type { RegistryClient } from '../../oci/index.js';
import { parseAnnotationFlags, signNotation } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';
import { signExitCode, signRegistry } from './sign.js';

export interface NotationSignCliOptions extends RegistryCliOptions {
  key?: string;
  cert?: string;
  /** jws (default) or cose. */
  envelope?: string;
  /** e.g. 30d, 12h, 90m, 3600s. */
  expiry?: string;
  /** `-a k=v`: user metadata, signed as annotations of the targetArtifact. */
  annotations?: string[];
  quiet?: boolean;
  debug?: boolean;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseExpiry(value: string | undefined, now: Date): Date | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError('INVALID_ARGUMENT', `--expiry must be a positive duration such as 24h or 30d, not ${JSON.stringify(value)}`);
  return new Date(now.getTime() + Number(m[1]) * UNITS[m[2]!]!);
}

async function readInput(file: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new UsageError('INVALID_ARGUMENT', `${flag} ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}

/**
 * `tollgate sign --notation --key KEY --cert CHAIN IMAGE`: signs IMAGE as `notation sign` does (notary.x509, JWS by
 * default) and attaches the envelope as an OCI 1.1 referrer (plus the sha256-<hex> referrers tag on registries
 * without the referrers API). KEY is a plain PEM private key (PKCS#8, SEC1 or PKCS#1); CHAIN the PEM certificate
 * chain, leaf first. No timestamp countersignature is requested.
 */
export async function runNotationSign(image: string, opts: NotationSignCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  try {
    if (!opts.key) throw new UsageError('INVALID_ARGUMENT', '--notation needs --key (a PEM private key)');
    if (!opts.cert) throw new UsageError('INVALID_ARGUMENT', '--notation needs --cert (the PEM certificate chain of the key, leaf first)');
    const envelope = opts.envelope ?? 'jws';
    if (envelope !== 'jws' && envelope !== 'cose') throw new UsageError('INVALID_ARGUMENT', `--envelope must be jws or cose, not ${JSON.stringify(envelope)}`);
    const now = new Date();
    const expiry = parseExpiry(opts.expiry, now);
    const userMetadata = parseAnnotationFlags(opts.annotations);
    const key = await readInput(opts.key, '--key');
    const certChain = await readInput(opts.cert, '--cert');
    client = signRegistry(opts, out);
    const res = await signNotation({
      image,
      registry: client,
      key,
      certChain,
      envelope,
      now,
      ...(expiry ? { expiry } : {}),
      ...(Object.keys(userMetadata).length ? { userMetadata } : {}),
      events: out.events,
    });
    if (!opts.quiet) out.info(`Pushed a Notation signature (${res.envelopeMediaType}) of ${res.digest} as referrer ${res.signatureManifest}`);
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    // A certificate chain that does not fit the key or the Notary Project requirements is the user's to fix.
    if (e instanceof SignError && e.code === 'CERTIFICATE_INVALID') return ExitCode.usage;
    return signExitCode(e);
  } finally {
    await client?.close();
  }
}
