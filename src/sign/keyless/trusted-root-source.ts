import { readFile } from 'node:fs/promises';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { SignError } from '../../core/index.js';
import { decodeTrustedRoot, defaultTrustedRootPath, readTrustedRoot } from '../bundle/index.js';
import { readEmbeddedSeed, writeFileAtomic } from './tuf-trusted-root.js';

/** Environment variable naming a trusted_root.json when `--trusted-root` is not given. */
export const TRUSTED_ROOT_ENV = 'TOLLGATE_TRUSTED_ROOT';

export interface LoadedTrustedRoot {
  root: TrustedRoot;
  /** "public-good" for the cached (or embedded) public-good root, else the file it was read from. */
  id: string;
  /** The file it was read from; for the embedded seed, the cache file it was written to (absent if that failed). */
  file?: string;
  /** Where it came from: --trusted-root, $TOLLGATE_TRUSTED_ROOT, the cache, or @sigstore/tuf's embedded seed. */
  source: 'file' | 'env' | 'cache' | 'embedded-seed';
  /** Human description, e.g. "embedded seed of @sigstore/tuf 4.0.2". */
  description: string;
  /**
   * One line for the user when the root may be out of date (it is the seed shipped with the package): which root
   * was used, and `tollgate trusted-root update`. Absent for roots the user chose or fetched.
   */
  notice?: string;
}

export interface LoadTrustedRootOptions {
  /** --trusted-root */
  file?: string;
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Test hook: another seeds.json instead of @sigstore/tuf's. */
  seedsFile?: string;
}

const UPDATE_HINT = 'run `tollgate trusted-root update` to fetch the current public-good root through TUF';

/**
 * The trusted root for keyless verification, in this order: `file` (--trusted-root), $TOLLGATE_TRUSTED_ROOT, the
 * public-good trusted_root.json cached at <cache dir>/sigstore/trusted_root.json (`tollgate trusted-root update`).
 * Nothing is fetched here (verification is offline): with none of them, the cache is initialised from the seed that
 * @sigstore/tuf embeds — the public-good root as of that package's release — and `notice` says so. A cached root
 * that cannot be read, or a seed that cannot be, fails closed (TRUSTED_ROOT_MISSING / TRUSTED_ROOT_INVALID).
 */
export async function loadTrustedRoot(options: LoadTrustedRootOptions = {}): Promise<LoadedTrustedRoot> {
  const env = options.env ?? process.env;
  if (options.file !== undefined) {
    return { root: await readTrustedRoot(options.file), id: options.file, file: options.file, source: 'file', description: options.file };
  }
  const fromEnv = env[TRUSTED_ROOT_ENV];
  if (fromEnv) return { root: await readTrustedRoot(fromEnv), id: fromEnv, file: fromEnv, source: 'env', description: `${fromEnv} ($${TRUSTED_ROOT_ENV})` };

  const cached = defaultTrustedRootPath(options.cacheDir);
  let bytes: Buffer | undefined;
  try {
    bytes = await readFile(cached);
  } catch (e) {
    // Nothing there (ENOTDIR: sigstore/ is a file) falls back to the seed; a root that is there but unreadable does not.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new SignError('TRUSTED_ROOT_MISSING', `cannot read the cached trusted root ${cached}: ${(e as Error).message}`, { cause: e });
  }
  if (bytes !== undefined) {
    const root = decodeTrustedRoot(bytes, cached);
    // A cache still holding the seed (initialised below, or by `trusted-root update --offline`) is as old as the package.
    const seed = await readEmbeddedSeed(options.seedsFile).catch(() => undefined);
    const isSeed = seed !== undefined && seed.trustedRoot.equals(bytes);
    return {
      root,
      id: 'public-good',
      file: cached,
      source: 'cache',
      description: isSeed ? `${cached} (the ${seed.source})` : cached,
      ...(isSeed ? { notice: `using the cached Sigstore trusted root ${cached}, which is the ${seed.source} and may be out of date; ${UPDATE_HINT}` } : {}),
    };
  }

  let seed;
  try {
    seed = await readEmbeddedSeed(options.seedsFile);
  } catch (e) {
    throw new SignError(
      'TRUSTED_ROOT_MISSING',
      `no Sigstore trusted root for keyless verification: pass --trusted-root FILE (a trusted_root.json, e.g. the ` +
        `public-good one from the Sigstore TUF repository or \`cosign trusted-root create\`), set ${TRUSTED_ROOT_ENV}, ` +
        `or run \`tollgate trusted-root update\` to cache the public-good root at ${cached} (the embedded seed ` +
        `cannot be used: ${(e as Error).message})`,
      { cause: e },
    );
  }
  const root = decodeTrustedRoot(seed.trustedRoot, `trusted_root.json of the ${seed.source}`);
  // Best effort: a read-only cache (a webhook's container) still verifies, from memory.
  const written = await writeFileAtomic(cached, seed.trustedRoot).then(
    () => undefined,
    (e: unknown) => (e as Error).message,
  );
  return {
    root,
    id: 'public-good',
    ...(written === undefined ? { file: cached } : {}),
    source: 'embedded-seed',
    description: `the ${seed.source}`,
    notice:
      `no Sigstore trusted root was given or cached: using the public-good root from the ${seed.source}` +
      `${written === undefined ? ` (now cached at ${cached})` : ` (not cached: ${written})`}, which may be out of date; ${UPDATE_HINT}`,
  };
}
