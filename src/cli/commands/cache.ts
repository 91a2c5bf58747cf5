import { JsonCache, defaultCacheDir } from '../../infra/index.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import { createOutput } from '../output.js';

export async function runCacheClean(opts: { cacheDir?: string; quiet?: boolean }): Promise<number> {
  const out = createOutput(opts);
  try {
    const dir = opts.cacheDir ?? defaultCacheDir();
    await new JsonCache(dir).clear();
    if (!opts.quiet) out.info(`removed ${dir}`);
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}
