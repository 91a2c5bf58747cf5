import { stat } from 'node:fs/promises';
import { SignError, UsageError, type EventSink } from '../core/index.js';
import { loadTrustedRoot, readTrustedRoot, TRUSTED_ROOT_ENV, type KeylessOptions } from '../sign/index.js';
import type { LiveFactProviderOptions } from './facts.js';

/**
 * The trust material of keyless and Notation authorities, from the webhook's (or `policy test`'s) flags:
 * `--trusted-root FILE` (default $TOLLGATE_TRUSTED_ROOT, else the public-good root cached by `tollgate trusted-root
 * update`, else @sigstore/tuf's embedded seed of it), repeatable `--trust-root NAME=FILE` for `trustRootRef: NAME`,
 * and `--notation-trust-store DIR`. Files given explicitly are read now, so a typo stops the webhook at start (exit 2)
 * instead of denying every keyless image later; the default root is looked for when a keyless authority first needs
 * it (a webhook without keyless policies needs none); a cached root that cannot be read is then a fact error.
 */
export interface VerificationTrustOptions {
  trustedRoot?: string;
  /** `NAME=FILE` entries. */
  trustRoots?: readonly string[];
  notationTrustStore?: string;
  /** Where the public-good root is cached (default: Tollgate's cache directory). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Told which default root keyless authorities use, when they first need it (a warning for the embedded seed). */
  events?: EventSink;
}

export type VerificationTrust = Pick<LiveFactProviderOptions, 'trustedRoot' | 'trustRoots' | 'notationTrustStore'>;

export async function loadVerificationTrust(opts: VerificationTrustOptions): Promise<VerificationTrust> {
  const env = opts.env ?? process.env;
  const named = new Map<string, KeylessOptions['trustedRoot']>();
  for (const entry of opts.trustRoots ?? []) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const file = eq > 0 ? entry.slice(eq + 1).trim() : '';
    if (!name || !file) throw new UsageError('INVALID_ARGUMENT', `--trust-root ${JSON.stringify(entry)}: expected NAME=FILE (the trustRootRef of keyless authorities, and a trusted_root.json)`);
    if (named.has(name)) throw new UsageError('INVALID_ARGUMENT', `--trust-root ${name} is given twice`);
    named.set(name, await asUsage(`--trust-root ${name}`, readTrustedRoot(file)));
  }

  let trustedRoot: VerificationTrust['trustedRoot'];
  const explicit = opts.trustedRoot ?? (env[TRUSTED_ROOT_ENV] ? env[TRUSTED_ROOT_ENV] : undefined);
  if (explicit !== undefined) {
    const loaded = await asUsage(opts.trustedRoot !== undefined ? '--trusted-root' : TRUSTED_ROOT_ENV, loadTrustedRoot({ file: explicit, env }));
    trustedRoot = () => Promise.resolve({ root: loaded.root, id: loaded.id });
  } else {
    // Only a successful read is kept. Without a cached root, loadTrustedRoot falls back to @sigstore/tuf's embedded
    // seed of the public-good root (offline; cached if the cache is writable): say once which root is used.
    let cached: { root: KeylessOptions['trustedRoot']; id: string } | undefined;
    trustedRoot = async () => {
      if (!cached) {
        const loaded = await loadTrustedRoot({ env, ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}) });
        cached = { root: loaded.root, id: loaded.id };
        opts.events?.(loaded.notice ? { type: 'warning', code: 'TRUSTED_ROOT_SEED', message: loaded.notice } : { type: 'debug', message: `keyless authorities use the Sigstore trusted root ${loaded.description}` });
      }
      return cached;
    };
  }

  if (opts.notationTrustStore !== undefined) {
    const st = await stat(opts.notationTrustStore).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new UsageError('INVALID_ARGUMENT', `--notation-trust-store ${opts.notationTrustStore}: not a directory (expected the folder holding x509/ca, x509/signingAuthority, x509/tsa)`);
    }
  }
  return { trustedRoot, ...(named.size > 0 ? { trustRoots: named } : {}), ...(opts.notationTrustStore !== undefined ? { notationTrustStore: opts.notationTrustStore } : {}) };
}

/** A trusted root given explicitly that cannot be read is a configuration error (exit 2), as in `tollgate verify`. */
async function asUsage<T>(flag: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof SignError) throw new UsageError('INVALID_ARGUMENT', `${flag}: ${e.message}`, { cause: e });
    throw e;
  }
}
