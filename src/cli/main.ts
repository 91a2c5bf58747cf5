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

  const scan = program
    .command('scan')
    .summary('list the known vulnerabilities of an image or SBOM, with severities and fixed versions')
    .description(
      'Read an image (or an SBOM) and match its packages against the local vulnerability database.\n\n' +
        'SOURCE is anything `sbom` reads (registry reference, oci-dir:, docker-archive:, dir:) or sbom:FILE\n' +
        '(CycloneDX or SPDX JSON from Tollgate, Trivy or Syft, or an in-toto attestation wrapping one).\n' +
        'The database is built on first use and refreshed when older than 24 hours, unless --skip-db-update or\n' +
        '--offline (see `tollgate db update --from DIR` for air-gapped installs).\n\n' +
        'Exit codes: 0 no finding passed the filters (or --exit-code 0), N (--exit-code N) findings passed them,\n' +
        '2 usage error, 3 operational error or an INCOMPLETE scan (part of the image could not be analysed/matched).',
    )
    .argument('<source>', 'image or sbom:FILE to scan')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'sarif', 'cyclonedx', 'junit', 'markdown']).default('table'),
    )
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('-s, --severity <list>', 'only these severities (comma list of UNKNOWN,NEGLIGIBLE,LOW,MEDIUM,HIGH,CRITICAL)')
    .option('--ignore-unfixed', 'only vulnerabilities that have a fixed version')
    .option('--exit-code <n>', 'exit with N when a finding passes the filters (default 0)')
    .option('--ignorefile <file>', 'ignore file, .trivyignore syntax (ids, exp:YYYY-MM-DD) or its YAML form (default .trivyignore / .trivyignore.yaml if present)')
    .option('--vex <file>', 'OpenVEX or CycloneDX VEX document; not_affected/fixed statements suppress findings (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--only-kev', "only vulnerabilities in CISA's Known Exploited Vulnerabilities catalog")
    .option('--min-epss <p>', 'only vulnerabilities whose EPSS probability is at least P (0–1, or a percentage)')
    .option('--db <path>', 'vulnerability database file (default $XDG_CACHE_HOME/tollgate/db/tollgate.db, env TOLLGATE_DB)')
    .option('--skip-db-update', 'never build or refresh the database (fail if there is none)')
    .option('--offline', 'no network for the database (like --skip-db-update)')
    .option('--cache-dir <dir>', 'layer analysis cache (default $XDG_CACHE_HOME/tollgate)')
    .option('--no-cache', 'do not read or write the layer cache');
  registryOptions(scan);
  scan.action(async (source: string, opts: Record<string, unknown>) => {
    const { runScan } = await import('./commands/scan.js');
    onExit(await runScan(source, { ...program.opts(), ...opts } as unknown as Parameters<typeof runScan>[1]));
  });

  const db = program.command('db').summary('build and inspect the local vulnerability database');
  db.command('update')
    .description(
      'Build the vulnerability database from the upstream feeds (OSV/GHSA, NVD, CVE 5, CISA KEV, EPSS, distro trackers…),\n' +
        'or offline from a mirror folder with the same layout (--from DIR). The new database replaces the old one only\n' +
        'when it is complete: a failed or interrupted update leaves the previous database usable.',
    )
    .option('--from <dir>', 'read an offline mirror folder instead of downloading')
    .option('--db <path>', 'database file (env TOLLGATE_DB; default $XDG_CACHE_HOME/tollgate/db/tollgate.db)')
    .option('--feeds <list>', 'comma-separated feed ids to build from (default: all found)')
    .action(async (opts: { from?: string; db?: string; feeds?: string }) => {
      const { runDbUpdate } = await import('./commands/db.js');
      onExit(await runDbUpdate({ ...program.opts(), ...opts }));
    });
  db.command('status')
    .description('Print the sources, record counts per ecosystem and feed, build time and age of the database.')
    .option('--db <path>', 'database file (env TOLLGATE_DB; default $XDG_CACHE_HOME/tollgate/db/tollgate.db)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { db?: string; format?: string }) => {
      const { runDbStatus } = await import('./commands/db.js');
      onExit(await runDbStatus({ ...program.opts(), ...opts }));
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
