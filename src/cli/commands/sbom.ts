import { encodeSbom, summarizeSbom } from '../../sbom/index.js';
import { inspect } from '../../scan/index.js';
import { exitCodeFor, ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import { registryFactory, type RegistryCliOptions } from '../registry-options.js';

export interface SbomCliOptions extends RegistryCliOptions {
  format: string;
  output?: string;
  cacheDir?: string;
  cache?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

const formats: Record<string, 'cyclonedx' | 'spdx' | 'json'> = {
  cyclonedx: 'cyclonedx',
  'cyclonedx-json': 'cyclonedx',
  spdx: 'spdx',
  'spdx-json': 'spdx',
  json: 'json',
};

export async function runSbom(source: string, opts: SbomCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const format = formats[opts.format] ?? 'cyclonedx';
    const doc = await inspect(source, {
      ...(opts.platform ? { platform: opts.platform } : {}),
      cacheDir: opts.cache === false ? false : (opts.cacheDir ?? undefined),
      registry: registryFactory(opts, out.events),
      events: out.events,
    });
    await out.result(encodeSbom(doc, format), opts.output);
    if (!opts.quiet && (process.stdout.isTTY || (opts.output && process.stderr.isTTY))) out.info(summarizeSbom(doc));
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}
