/**
 * Child process of the benchmark: runs the library's `inspect` once on a source and prints one JSON line
 *   {"ms":…, "maxRssKb":…, "packages":…, "byType":{…}, "purls":[…], "os":…, "warnings":…}
 * `ms` is the time inside `inspect` (no Node start-up, no module loading); `maxRssKb` is this process's peak RSS.
 *
 * usage: node dist/bench/measure.js <source> <cache-dir | --no-cache>
 */
import { performance } from 'node:perf_hooks';
import { inspect } from '../src/scan/index.js';

export interface MeasureOutput {
  ms: number;
  maxRssKb: number;
  packages: number;
  byType: Record<string, number>;
  purls: string[];
  /** type → directory of the first evidence file (2 path segments, 3 under usr/ and opt/) → packages. */
  where: Record<string, Record<string, number>>;
  os?: string;
  warnings: number;
}

async function main(): Promise<void> {
  const [source, cache] = process.argv.slice(2);
  if (!source || !cache) {
    console.error('usage: measure <source> <cache-dir | --no-cache>');
    process.exitCode = 2;
    return;
  }
  const t0 = performance.now();
  const doc = await inspect(source, { cacheDir: cache === '--no-cache' ? false : cache });
  const ms = performance.now() - t0;
  const byType: Record<string, number> = {};
  const where: Record<string, Record<string, number>> = {};
  for (const p of doc.packages) {
    byType[p.type] = (byType[p.type] ?? 0) + 1;
    const segs = (p.locations[0] ?? '?').split('/');
    const dir = segs.slice(0, segs[0] === 'usr' || segs[0] === 'opt' ? 3 : 2).join('/');
    const w = (where[p.type] ??= {});
    w[dir] = (w[dir] ?? 0) + 1;
  }
  const out: MeasureOutput = {
    ms,
    // resourceUsage().maxRSS is in KiB (getrusage ru_maxrss on Linux).
    maxRssKb: process.resourceUsage().maxRSS,
    packages: doc.packages.length,
    byType,
    purls: doc.packages.map((p) => p.purl),
    where,
    ...(doc.os ? { os: `${doc.os.family} ${doc.os.version}` } : {}),
    warnings: doc.warnings.length,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
