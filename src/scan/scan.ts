import { readFile, stat } from 'node:fs/promises';
import { UsageError, type Ecosystem, type SbomDocument, type ScanReport } from '../core/index.js';
import { toolVersion } from '../infra/index.js';
import { matchPackages, type AdvisoryLookup } from '../match/index.js';
import { applyIgnoreRules, applyVex, filterReport, parseIgnoreFile, parseVex, summarize, type ReportFilter } from '../report/index.js';
import { decodeSbom } from '../sbom/index.js';
import { VulnStore, defaultDbPath, type DbStatus } from '../vulndb/index.js';
import { inspect, type InspectOptions } from './inspect.js';

export interface ScanOptions extends InspectOptions, ReportFilter {
  /** Vulnerability database file (default: `defaultDbPath()`, env TOLLGATE_DB). */
  db?: string;
  /** A database older than this is reported as stale (default 24 hours; the scan still runs). */
  dbMaxAgeHours?: number;
  /** `.trivyignore` / `.trivyignore.yaml` files. */
  ignoreFiles?: readonly string[];
  /** OpenVEX / CycloneDX VEX documents. */
  vexFiles?: readonly string[];
}

/** Largest SBOM file read for `sbom:FILE` (a hostile file must not exhaust memory). */
const MAX_SBOM_BYTES = 256 * 1024 * 1024;

/** Reads `sbom:FILE` (CycloneDX or SPDX JSON, or an in-toto attestation wrapping one). */
export async function readSbomFile(file: string): Promise<SbomDocument> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new UsageError('INVALID_ARGUMENT', `SBOM file ${file} not found`, { cause: e });
  }
  if (size > MAX_SBOM_BYTES) throw new UsageError('INVALID_ARGUMENT', `SBOM file ${file} is larger than ${MAX_SBOM_BYTES} bytes`);
  return decodeSbom(await readFile(file), file);
}

/** The matcher's view of the store, plus which ecosystems and releases it holds data for. */
function lookupOf(store: VulnStore, status: DbStatus): AdvisoryLookup {
  const covered = new Set<string>();
  for (const c of status.counts) {
    covered.add(`${c.ecosystem}|${c.distro ?? ''}`);
    covered.add(`${c.ecosystem}|*`);
  }
  return {
    lookup: (ecosystem, distro, name) => store.lookup(ecosystem, distro, name),
    enrichments: (cves) => store.enrichments(cves),
    covers: (ecosystem: Ecosystem, distro?: string) => covered.has(distro === undefined ? `${ecosystem}|*` : `${ecosystem}|${distro}`),
  };
}

/** Opens the database, with the command to run when there is none. */
export function openVulnStore(dbPath?: string): VulnStore {
  return VulnStore.open(dbPath ?? defaultDbPath());
}

/** Matches an inventory against the database and returns the report (before ignore files, VEX and filters). */
export function reportFor(doc: SbomDocument, store: VulnStore, opts: { now?: Date; dbMaxAgeHours?: number; sbomFile?: string } = {}): ScanReport {
  const now = opts.now ?? new Date();
  const status = store.status(now);
  const matched = matchPackages({ packages: doc.packages, ...(doc.os ? { os: doc.os } : {}) }, lookupOf(store, status));
  const ageHours = Math.max(0, status.ageMs / 3_600_000);
  const stale = ageHours > (opts.dbMaxAgeHours ?? 24);
  const warnings = [...doc.warnings, ...matched.warnings];
  if (stale) warnings.unshift(`the vulnerability database is ${Math.floor(ageHours / 24)} day(s) old (built ${status.builtAt}); findings may be missing — run \`tollgate db update\``);
  const gaps = doc.gaps ?? [];
  if (gaps.length) warnings.unshift(`incomplete scan: ${gaps.length} file(s) could not be analysed, packages there may be missing`);
  return {
    schemaVersion: 1,
    tool: { name: 'tollgate', version: toolVersion() },
    createdAt: now.toISOString(),
    // For an SBOM scan the image is the one the SBOM describes.
    artifact: opts.sbomFile !== undefined ? { input: `sbom:${opts.sbomFile}`, kind: 'sbom', image: doc.image } : { input: doc.image.input, kind: doc.image.kind, image: doc.image },
    ...(doc.os ? { os: doc.os } : {}),
    db: {
      builtAt: status.builtAt,
      ageHours: Math.round(ageHours * 10) / 10,
      stale,
      sources: status.feeds.map((f) => ({ feed: f.id, records: f.records })),
    },
    targets: matched.targets,
    summary: summarize(matched.targets),
    complete: matched.complete && gaps.length === 0,
    warnings,
  };
}

/** Applies VEX documents, ignore files and the result filters, in that order (suppressions are kept, marked). */
export async function refineReport(report: ScanReport, opts: ScanOptions): Promise<ScanReport> {
  let r = report;
  const vex = [];
  for (const f of opts.vexFiles ?? []) vex.push(parseVex(await readConfigFile(f, 'VEX document'), f));
  if (vex.length) r = applyVex(r, vex);
  const ignore = [];
  for (const f of opts.ignoreFiles ?? []) ignore.push(...parseIgnoreFile(await readConfigFile(f, 'ignore file'), f));
  if (ignore.length) r = applyIgnoreRules(r, ignore, opts.now ? { now: opts.now } : {});
  const filter: ReportFilter = {
    ...(opts.severities ? { severities: opts.severities } : {}),
    ...(opts.ignoreUnfixed ? { ignoreUnfixed: true } : {}),
    ...(opts.onlyKev ? { onlyKev: true } : {}),
    ...(opts.minEpss !== undefined ? { minEpss: opts.minEpss } : {}),
  };
  return filterReport(r, filter);
}

async function readConfigFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError('INVALID_CONFIG', `cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/**
 * Scans an image (any source `inspect` reads) or an SBOM (`sbom:FILE`) for known vulnerabilities and returns the
 * report that `--format json` prints. `complete: false` means part of the image could not be analysed or matched.
 */
export async function scan(source: string, options: ScanOptions = {}): Promise<ScanReport> {
  // Open the database first: a missing one is reported before minutes of image reading.
  const store = openVulnStore(options.db);
  try {
    const sbomFile = source.startsWith('sbom:') ? source.slice(5) : undefined;
    const doc = sbomFile !== undefined ? await readSbomFile(sbomFile) : await inspect(source, options);
    const report = reportFor(doc, store, {
      ...(sbomFile !== undefined ? { sbomFile } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.dbMaxAgeHours !== undefined ? { dbMaxAgeHours: options.dbMaxAgeHours } : {}),
    });
    return await refineReport(report, options);
  } finally {
    store.close();
  }
}

