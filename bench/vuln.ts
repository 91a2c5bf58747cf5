/**
 * Benchmark of the vulnerability side (issue 4), every figure measured in this run:
 *   - `tollgate db update --from <mirror>`: wall time, CPU, database size
 *   - matching a 1,000-package inventory against that database (library, in this process, median of rounds)
 *   - `tollgate scan` of the benchmark image with a warm layer cache (end to end, CLI child)
 *   - `tollgate scan` of the benchmark image with a cold cache, ÷ plain sequential gunzip of its layers
 *
 * usage: node dist/bench/vuln.js [--rounds N] [--mirror DIR]     (after `npm run bench` has built the image)
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Package } from '../src/core/index.js';
import { inspect, loadScanUseCase } from '../src/scan/index.js';
import { gunzipAll } from './baseline.js';
import { readBenchImage } from './layout.js';
import { assertSucceeded, runMeasured } from './processes.js';

const { openVulnStore, reportFor } = await loadScanUseCase();

const log = (s: string) => process.stderr.write(`[bench/vuln] ${s}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const rounds = Number(argv[argv.indexOf('--rounds') + 1] ?? 3) || 3;
  const root = repoRoot();
  const mirror = argv.includes('--mirror') ? argv[argv.indexOf('--mirror') + 1]! : path.resolve(root, '..', 'shared', 'data', 'vulndb');
  const benchDir = path.resolve(process.env.TOLLGATE_BENCH_DIR || '/tmp/tollgate-bench');
  const tag = process.env.TOLLGATE_BENCH_TAG || 'bench';
  const layout = path.join(benchDir, 'image');
  const work = path.join(benchDir, 'work-vuln');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const db = path.join(work, 'tollgate.db');
  const cli = path.join(root, 'bin', 'tollgate.js');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  const source = `oci-dir:${layout}:${tag}`;
  const rows: [string, string][] = [];

  // 1. database build from the offline mirror
  const updates: { ms: number; cpu?: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    await rm(db, { force: true });
    const r = await runMeasured(process.execPath, [cli, 'db', 'update', '--from', mirror, '--db', db, '-q'], { env });
    assertSucceeded('tollgate db update', r);
    updates.push({ ms: r.wallMs, ...(r.cpuSeconds !== undefined ? { cpu: r.cpuSeconds } : {}) });
  }
  const size = (await stat(db)).size;
  rows.push(['db update --from mirror (CLI)', `${(median(updates.map((u) => u.ms)) / 1000).toFixed(2)} s wall, ${median(updates.map((u) => u.cpu ?? 0)).toFixed(1)} CPU-s, ${(size / 1e6).toFixed(1)} MB`]);

  // 2. matching 1,000 packages: the benchmark image's inventory, topped up with more versions of its npm packages
  const image = await readBenchImage(layout, tag);
  const doc = await inspect(source, { cacheDir: path.join(work, 'cache-lib') });
  const pkgs: Package[] = [...doc.packages];
  const npm = doc.packages.filter((p) => p.type === 'npm');
  for (let i = 0; pkgs.length < 1000; i++) {
    const p = npm[i % npm.length]!;
    const version = `${p.version.split('.')[0]}.0.${i}`;
    pkgs.push({ ...p, version, purl: `pkg:npm/${encodeURIComponent(p.name)}@${version}` });
  }
  const store = openVulnStore(db);
  const matchMs: number[] = [];
  let findings = 0;
  for (let i = 0; i < rounds + 1; i++) {
    const t = performance.now();
    const r = reportFor({ ...doc, packages: pkgs }, store);
    if (i > 0) matchMs.push(performance.now() - t); // the first round opens caches; report the steady state too
    findings = r.summary.total;
  }
  store.close();
  rows.push([`match ${pkgs.length} packages (library)`, `${median(matchMs).toFixed(0)} ms (target < 1 s), ${findings} findings`]);

  // 3. scan of the benchmark image: cold cache and warm cache, against sequential gunzip of the same layers
  const gz = await gunzipAll(image.layers.map((l) => l.file), 1);
  const cache = path.join(work, 'cache-cli');
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await rm(cache, { recursive: true, force: true });
    const args = [cli, 'scan', source, '--db', db, '--skip-db-update', '-f', 'json', '-o', path.join(work, 'report.json'), '--cache-dir', cache, '-q'];
    const c = await runMeasured(process.execPath, args, { env });
    assertSucceeded('tollgate scan (cold)', c);
    cold.push(c.wallMs);
    const w = await runMeasured(process.execPath, args, { env });
    assertSucceeded('tollgate scan (warm)', w);
    warm.push(w.wallMs);
  }
  rows.push(['gunzip all layers, 1 at a time [baseline]', `${(gz.ms / 1000).toFixed(2)} s`]);
  rows.push(['scan image (CLI), cold cache', `${(median(cold) / 1000).toFixed(2)} s = ${(median(cold) / gz.ms).toFixed(2)}× gunzip (target ≤ 1.3)`]);
  rows.push(['scan image (CLI), warm cache', `${(median(warm) / 1000).toFixed(2)} s (target < 2 s)`]);

  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\nvulnerability side (${rounds} rounds, medians; load average at end ${(await import('node:os')).loadavg()[0]!.toFixed(2)})\n`);
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
}

main().catch((e: unknown) => {
  log((e as Error).message);
  process.exitCode = 1;
});
