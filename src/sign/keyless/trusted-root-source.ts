import { access } from 'node:fs/promises';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { SignError } from '../../core/index.js';
import { defaultTrustedRootPath, readTrustedRoot } from '../bundle/index.js';

/** Environment variable naming a trusted_root.json when `--trusted-root` is not given. */
export const TRUSTED_ROOT_ENV = 'TOLLGATE_TRUSTED_ROOT';

export interface LoadedTrustedRoot {
  root: TrustedRoot;
  /** "public-good" for the cached public-good root, else the file it was read from. */
  id: string;
  /** The file it was read from. */
  file: string;
}

/**
 * The trusted root for keyless verification, in this order: `file` (--trusted-root), $TOLLGATE_TRUSTED_ROOT, the
 * public-good trusted_root.json cached at <cache dir>/sigstore/trusted_root.json. Nothing is fetched (verification
 * is offline, and Tollgate has no TUF client): without any of them this fails closed, naming the flag.
 */
export async function loadTrustedRoot(options: { file?: string; cacheDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<LoadedTrustedRoot> {
  const env = options.env ?? process.env;
  const explicit = options.file ?? (env[TRUSTED_ROOT_ENV] ? env[TRUSTED_ROOT_ENV] : undefined);
  if (explicit !== undefined) return { root: await readTrustedRoot(explicit), id: explicit, file: explicit };
  const cached = defaultTrustedRootPath(options.cacheDir);
  try {
    await access(cached);
  } catch (e) {
    throw new SignError(
      'TRUSTED_ROOT_MISSING',
      `no Sigstore trusted root for keyless verification: pass --trusted-root FILE (a trusted_root.json, e.g. the ` +
        `public-good one from the Sigstore TUF repository or \`cosign trusted-root create\`), set ${TRUSTED_ROOT_ENV}, ` +
        `or cache the public-good root at ${cached}`,
      { cause: e },
    );
  }
  return { root: await readTrustedRoot(cached), id: 'public-good', file: cached };
}
