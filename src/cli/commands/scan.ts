import { existsSync, statSync } from 'node:fs';
import { UsageError, VulnDbError, type ScanReport } from '../../core/index.js';
import { parseMinEpss, parseSeverityList, writeReport } from '../../report/index.js';
import { inspect, loadScanUseCase } from '../../scan/index.js';
import { defaultDbPath, updateDb } from '../../vulndb/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput, type Output } from '../output.js';
import { registryFactory, type RegistryCliOptions } from '../registry-options.js';
import { attestScanned, planAttestation, type AttestFlags } from './sbom.js';
import { signExitCode } from '../sign-exit-code.js';

export interface ScanCliOptions extends RegistryCliOptions, AttestFlags {
  format: string;
  output?: string;
  severity?: string;
  ignoreUnfixed?: boolean;
  exitCode?: string;
  ignorefile?: string;
  vex?: string[];
  db?: string;
  skipDbUpdate?: boolean;
  offline?: boolean;
  onlyKev?: boolean;
  minEpss?: string;
  cacheDir?: string;
  cache?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** Trivy reads `.trivyignore` from the working directory by default; so do we (and its YAML form). */
const DEFAULT_IGNORE_FILES = ['.trivyignore', '.trivyignore.yaml'];
const STALE_HOURS = 24;

function parseExitCode(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new UsageError('INVALID_ARGUMENT', `--exit-code must be an integer from 0 to 255, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Makes sure a database is there: built when missing, refreshed when stale, unless --skip-db-update/--offline.
 * A failed refresh of a stale database is a warning (the scan goes on with it); a missing one is an error.
 */
async function ensureDb(dbPath: string, opts: ScanCliOptions, out: Output): Promise<void> {
  const exists = existsSync(dbPath);
  if (opts.skipDbUpdate || opts.offline) {
    if (!exists) {
      throw new VulnDbError('DB_MISSING', `no vulnerability database at ${dbPath}: run \`tollgate db update\` (or \`tollgate db update --from DIR\` offline)${opts.offline ? '' : ', or drop --skip-db-update'}`);
    }
    return;
  }
  const ageHours = exists ? (Date.now() - statSync(dbPath).mtimeMs) / 3_600_000 : Infinity;
  if (exists && ageHours <= STALE_HOURS) return;
  out.info(exists ? 'the vulnerability database is stale: updating it' : `no vulnerability database at ${dbPath}: downloading it`);
  try {
    await updateDb({ db: dbPath, events: out.events });
  } catch (e) {
    if (!exists) throw e;
    out.events({ type: 'warning', message: `could not update the vulnerability database (${(e as Error).message}); scanning with the old one` });
  }
}

/**
 * cosign's vuln predicate (https://cosign.sigstore.dev/attestation/vuln/v1, pkg/cosign/attestation
 * CosignVulnPredicate): who scanned with which database, when, and the report itself (the `--format json` report) as
 * scanner.result. invocation.parameters records the filters, without which the result cannot be read right.
 */
function vulnPredicate(report: ScanReport, source: string, opts: ScanCliOptions, startedOn: Date, finishedOn: Date): Buffer {
  const parameters = {
    source,
    ...(opts.severity !== undefined ? { severity: opts.severity } : {}),
    ...(opts.ignoreUnfixed ? { ignoreUnfixed: true } : {}),
    ...(opts.onlyKev ? { onlyKev: true } : {}),
    ...(opts.minEpss !== undefined ? { minEpss: opts.minEpss } : {}),
    ...(opts.vex?.length ? { vex: opts.vex } : {}),
  };
  // Second precision, as Go's time.Time in RFC 3339 (cosign writes e.g. 2022-03-09T17:10:27Z).
  const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return Buffer.from(
    JSON.stringify({
      invocation: { parameters, uri: '', event_id: '', 'builder.id': '' },
      scanner: {
        uri: `pkg:npm/tollgate@${report.tool.version}`,
        version: report.tool.version,
        db: { uri: '', version: report.db.builtAt },
        result: JSON.parse(writeReport(report, 'json')) as unknown,
      },
      metadata: { scanStartedOn: rfc3339(startedOn), scanFinishedOn: rfc3339(finishedOn) },
    }),
    'utf8',
  );
}

export async function runScan(source: string, opts: ScanCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const exitOnFindings = parseExitCode(opts.exitCode);
    const severities = opts.severity !== undefined ? parseSeverityList(opts.severity) : undefined;
    const minEpss = opts.minEpss !== undefined ? parseMinEpss(opts.minEpss) : undefined;
    const ignoreFiles = opts.ignorefile !== undefined ? [opts.ignorefile] : DEFAULT_IGNORE_FILES.filter((f) => existsSync(f));
    if (opts.ignorefile !== undefined && !existsSync(opts.ignorefile)) throw new UsageError('INVALID_CONFIG', `ignore file ${opts.ignorefile} not found`);
    const plan = await planAttestation(source, opts);
    const dbPath = opts.db ?? defaultDbPath();
    await ensureDb(dbPath, opts, out);
    const { readSbomFile, refineReport, reportFor, openVulnStore } = await loadScanUseCase();
    const store = openVulnStore(dbPath);
    let report: ScanReport;
    let seen = new Set<string>();
    const startedOn = new Date();
    try {
      const doc = source.startsWith('sbom:')
        ? await readSbomFile(source.slice(5))
        : await inspect(source, {
            ...(opts.platform ? { platform: opts.platform } : {}),
            cacheDir: opts.cache === false ? false : (opts.cacheDir ?? undefined),
            registry: registryFactory(opts, out.events),
            events: out.events,
          });
      // inspect() already reported the image's own warnings as it went.
      if (!source.startsWith('sbom:')) seen = new Set(doc.warnings);
      report = reportFor(doc, store, source.startsWith('sbom:') ? { sbomFile: source.slice(5) } : {});
    } finally {
      store.close();
    }
    report = await refineReport(report, {
      ignoreFiles,
      vexFiles: opts.vex ?? [],
      ...(severities ? { severities } : {}),
      ...(opts.ignoreUnfixed ? { ignoreUnfixed: true } : {}),
      ...(opts.onlyKev ? { onlyKev: true } : {}),
      ...(minEpss !== undefined ? { minEpss } : {}),
    });
    const finishedOn = new Date();
    const color = opts.format === 'table' && !opts.output && process.stdout.isTTY === true && !process.env.NO_COLOR;
    await out.result(writeReport(report, opts.format, { color }), opts.output);
    for (const w of report.warnings) if (!seen.has(w)) out.events({ type: 'warning', message: w });
    if (!report.complete) {
      out.done();
      out.info('the scan is INCOMPLETE (see the warnings): some packages could not be analysed or matched');
      // A signed report vouches for the image; an incomplete one would vouch for what was never checked.
      if (plan) out.info('not attesting an INCOMPLETE scan');
      return ExitCode.operational;
    }
    if (plan) {
      const predicate = vulnPredicate(report, source, opts, startedOn, finishedOn);
      await attestScanned(source, report.artifact.image ?? { input: source, kind: 'registry' }, plan, { type: 'vuln', predicate, name: 'vulnerability' }, opts, out);
    }
    out.done();
    return report.summary.total > 0 && exitOnFindings > 0 ? exitOnFindings : ExitCode.ok;
  } catch (e) {
    out.error(e);
    return signExitCode(e);
  }
}
