#!/usr/bin/env node
// Entry point: everything happens in cli/main; this file only turns its result into the exit code.
// `--version` alone is answered here without loading the CLI, so that it costs little more than Node's start-up.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main(argv);
}
