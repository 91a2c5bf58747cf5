#!/usr/bin/env node
// Entry point: everything happens in cli/main; this file only turns its result into the exit code.
// `--version` alone is answered here without loading the CLI, so that it costs little more than Node's start-up.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);

/**
 * `sbom` and `scan` read whole images. With V8's default initial old-generation limit, a cold scan of a large image
 * runs a full mark-compact every few tens of milliseconds (~40 for the 708 MB benchmark image: about 0.4 s of wall
 * time and 0.9 CPU-s, docs/benchmarks.md). The limit can only be set when Node starts, and NODE_OPTIONS refuses the
 * flag, so these commands run in a child Node started with it (one more Node start-up, ~50 ms).
 * TOLLGATE_NO_REEXEC=1 runs them in this process.
 */
const HEAP_FLAG = '--initial-old-space-size=64';
const HEAVY = new Set(['sbom', 'scan']);

function reexec() {
  const child = spawn(process.execPath, [...process.execArgv, HEAP_FLAG, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, TOLLGATE_NO_REEXEC: '1' },
  });
  // The child decides what a signal means (SIGINT: exit 130); this process waits for it. A terminal's Ctrl-C
  // reaches both: the child then gets it twice, and acts on the first.
  const forward = (signal) => () => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward(signal));
  child.on('error', (e) => {
    process.stderr.write(`tollgate: cannot start ${process.execPath}: ${e.message}\n`);
    process.exitCode = 3;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
  });
}

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else if (HEAVY.has(argv[0]) && process.env.TOLLGATE_NO_REEXEC === undefined && !process.execArgv.some((a) => a.startsWith('--initial-old-space-size'))) {
  reexec();
} else {
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main(argv);
}
