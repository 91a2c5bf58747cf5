/**
 * Tollgate's library entry point: the same capabilities as the CLI, as functions.
 */
import type { SbomDocument } from './core/index.js';
import { RegistryClient, type RegistryClientOptions } from './oci/index.js';
import { inspect, type InspectOptions } from './scan/index.js';

export * from './core/index.js';
export { encodeSbom, summarizeSbom } from './sbom/index.js';
export { inspect, inspectSource, scan, type InspectOptions, type ScanOptions } from './scan/index.js';
export { compareVersions, comparatorFor, type Comparator, updateDb, VulnStore, defaultDbPath } from './vulndb/index.js';
export { writeReport, REPORT_FORMATS, filterReport, parseIgnoreFile, applyIgnoreRules, parseVex, applyVex } from './report/index.js';
export { decodeSbom } from './sbom/index.js';
export { RegistryClient, openSource, parseReference, type RegistryClientOptions, type ImageReference } from './oci/index.js';

export interface SbomOptions extends Omit<InspectOptions, 'registry'> {
  /** Registry access (credentials, CA, insecure…); Docker's config.json is used when no credentials are given. */
  registry?: RegistryClientOptions;
}

/**
 * Reads an image (registry reference, `oci-dir:`, `docker-archive:` or `dir:`) and returns its packages, OS and
 * metadata; `encodeSbom(doc, 'cyclonedx' | 'spdx' | 'json')` turns the result into a document.
 */
export async function sbom(source: string, options: SbomOptions = {}): Promise<SbomDocument> {
  let client: RegistryClient | undefined;
  const { registry, ...rest } = options;
  try {
    return await inspect(source, {
      ...rest,
      registry: () => (client ??= new RegistryClient({ ...registry, ...(options.events && !registry?.events ? { events: options.events } : {}) })),
    });
  } finally {
    await client?.close();
  }
}
