import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../../core/index.js';
import {
  decodeTrustedRoot,
  defaultTrustedRootPath,
  PUBLIC_GOOD_TUF_MIRROR,
  readEmbeddedSeed,
  summarizeTrustedRoot,
  updateTrustedRoot,
  type TrustedRootSummary,
} from '../../sign/index.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import { createOutput } from '../output.js';

export interface TrustedRootUpdateCliOptions {
  mirror?: string;
  tufRoot?: string;
  offline?: boolean;
  cacheDir?: string;
  format?: string;
  quiet?: boolean;
  debug?: boolean;
}

export interface TrustedRootShowCliOptions {
  cacheDir?: string;
  format?: string;
  quiet?: boolean;
  debug?: boolean;
}

function checkFormat(format: string | undefined): 'text' | 'json' {
  const f = format ?? 'text';
  if (f !== 'text' && f !== 'json') throw new UsageError('INVALID_ARGUMENT', `--format must be text or json, not ${JSON.stringify(f)}`);
  return f;
}

/** The summary as text: one line per Fulcio CA with its validity window, then the counts. */
export function describeSummary(header: string, s: TrustedRootSummary): string {
  const lines = [header, `  Fulcio certificate authorities: ${s.certificateAuthorities.length}`];
  for (const ca of s.certificateAuthorities) {
    const window = ca.validTo ? `valid ${ca.validFrom ?? '?'} to ${ca.validTo}` : `valid from ${ca.validFrom ?? '?'} (no end)`;
    lines.push(`    ${ca.uri}${ca.subject ? ` (${ca.subject})` : ''}: ${window}`);
  }
  lines.push(`  transparency logs: ${s.tlogs}, CT logs: ${s.ctlogs}, timestamp authorities: ${s.timestampAuthorities}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `tollgate trusted-root update`: the public-good trusted_root.json through TUF (or, --offline, from the seed
 * @sigstore/tuf embeds), written atomically to <cache dir>/sigstore/trusted_root.json. Exit 0 written, 2 usage,
 * 3 network/TUF/file failure (the cached root is then untouched).
 */
export async function runTrustedRootUpdate(opts: TrustedRootUpdateCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const format = checkFormat(opts.format);
    if (opts.offline && (opts.mirror !== undefined || opts.tufRoot !== undefined)) {
      throw new UsageError('INVALID_ARGUMENT', '--offline uses the embedded seed of the public-good root: it takes no --mirror or --tuf-root');
    }
    if (opts.tufRoot !== undefined) {
      const st = await stat(opts.tufRoot).catch(() => undefined);
      if (!st?.isFile()) throw new UsageError('INVALID_ARGUMENT', `--tuf-root ${opts.tufRoot}: no such file (expected a TUF root.json)`);
    }
    const r = await updateTrustedRoot({
      ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
      ...(opts.mirror !== undefined ? { mirror: opts.mirror } : {}),
      ...(opts.tufRoot !== undefined ? { tufRootFile: opts.tufRoot } : {}),
      ...(opts.offline ? { offline: true } : {}),
    });
    const summary = summarizeTrustedRoot(r.root);
    await out.result(
      format === 'json'
        ? `${JSON.stringify({ file: r.file, source: r.source, ...(r.tufCache ? { tufCache: r.tufCache } : {}), ...summary }, null, 2)}\n`
        : describeSummary(`wrote ${r.file} (from the ${r.source})`, summary),
    );
    if (opts.offline && !opts.quiet) out.info(`note: the embedded seed is as old as the package; run \`tollgate trusted-root update\` with network access for the current root`);
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}

/**
 * `tollgate trusted-root show`: the cached root that keyless verification uses by default, or — nothing cached —
 * the embedded seed it would fall back to. Reads only; writes nothing.
 */
export async function runTrustedRootShow(opts: TrustedRootShowCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const format = checkFormat(opts.format);
    const file = defaultTrustedRootPath(opts.cacheDir);
    const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    const seed = await readEmbeddedSeed().catch(() => undefined);
    let header: string;
    let source: string;
    let summary: TrustedRootSummary;
    if (bytes !== undefined) {
      summary = summarizeTrustedRoot(decodeTrustedRoot(bytes, file));
      const modified = (await stat(file)).mtime.toISOString();
      source = seed?.trustedRoot.equals(bytes) ? `the ${seed.source}` : 'fetched or written by hand';
      header = `${file} (cached ${modified}; ${source})`;
    } else {
      // What loadTrustedRoot would fall back to; readEmbeddedSeed again so that its error is the one shown.
      const s = seed ?? (await readEmbeddedSeed());
      summary = summarizeTrustedRoot(decodeTrustedRoot(s.trustedRoot, `trusted_root.json of the ${s.source}`));
      source = `the ${s.source}`;
      header = `nothing cached at ${file}: keyless verification would use the ${s.source} (run \`tollgate trusted-root update\` to fetch the current root from ${PUBLIC_GOOD_TUF_MIRROR})`;
    }
    await out.result(format === 'json' ? `${JSON.stringify({ file, cached: bytes !== undefined, source, ...summary }, null, 2)}\n` : describeSummary(header, summary));
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}
