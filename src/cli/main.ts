import { Command, CommanderError, Option } from 'commander';
import { toolVersion } from '../infra/index.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { createOutput } from './output.js';

/**
 * Builds the command tree. Command implementations are imported lazily inside the actions so that
 * `tollgate --version` and `--help` load nothing heavy.
 */
export function buildProgram(onExit: (code: number) => void): Command {
  const program = new Command('tollgate');
  program
    .description('Container supply-chain security: SBOMs and vulnerability scans of images, signatures, admission control.')
    .version(toolVersion(), '-v, --version', 'print the version')
    .option('-q, --quiet', 'no progress, no warnings on stderr')
    .option('--debug', 'verbose diagnostics on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) })
    .exitOverride();

  const registryOptions = (cmd: Command) =>
    cmd
      .option('--username <user>', 'registry user name (env TOLLGATE_USERNAME)')
      .option('--password <password>', 'registry password or token (env TOLLGATE_PASSWORD; prefer the env var)')
      .option('--insecure', 'allow plain HTTP and unverified TLS for non-loopback registries')
      .option('--ca-file <file>', 'PEM bundle of extra CAs trusted for registries (env SSL_CERT_FILE)')
      .option('--platform <os/arch[/variant]>', 'platform to read from a multi-platform image (default linux/amd64)');

  const sbom = program
    .command('sbom')
    .summary('list the OS packages and application dependencies of an image as an SBOM')
    .description(
      'Read an image and write its software bill of materials.\n\n' +
        'SOURCE is a registry reference (alpine:3.19, ghcr.io/org/app@sha256:…, optional registry: prefix),\n' +
        'oci-dir:PATH[:TAG] (OCI image layout), docker-archive:FILE[:NAME:TAG|@N] (docker save output, plain or gzip),\n' +
        'or dir:PATH (an unpacked root filesystem).',
    )
    .argument('<source>', 'image to read')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['cyclonedx', 'cyclonedx-json', 'spdx', 'spdx-json', 'json'])
        .default('cyclonedx'),
    )
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--cache-dir <dir>', 'layer analysis cache (default $XDG_CACHE_HOME/tollgate)')
    .option('--no-cache', 'do not read or write the layer cache');
  registryOptions(sbom);
  sbom.action(async (source: string, opts: Record<string, unknown>) => {
    const { runSbom } = await import('./commands/sbom.js');
    onExit(await runSbom(source, { ...program.opts(), ...opts }));
  });

  const cache = program.command('cache').summary('manage the local cache');
  cache
    .command('clean')
    .description('delete the layer analysis cache')
    .option('--cache-dir <dir>', 'cache directory (default $XDG_CACHE_HOME/tollgate)')
    .action(async (opts: { cacheDir?: string }) => {
      const { runCacheClean } = await import('./commands/cache.js');
      onExit(await runCacheClean({ ...program.opts(), ...opts }));
    });

  return program;
}

/** Runs the CLI and returns the process exit code; never throws. */
export async function main(argv: string[]): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  const ac = new AbortController();
  const onSigint = () => {
    ac.abort();
    process.stderr.write('\ninterrupted\n');
    process.exit(ExitCode.interrupted);
  };
  process.once('SIGINT', onSigint);
  // A closed pipe (`tollgate sbom … | head`) is the reader's choice, not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(ExitCode.ok);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with code 0; parse errors were already printed by commander.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    createOutput().error(e);
    return exitCodeFor(e);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
