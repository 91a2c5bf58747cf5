import type { ScanReport } from '../core/index.js';
import type { ScanOptions } from './scan.js';

export { inspect, inspectSource, type InspectOptions } from './inspect.js';
export type { ScanOptions } from './scan.js';

/**
 * The scan use case (vulnerability store, feed registry, report filters, SBOM decoding), loaded on first use: its
 * imports cost ~0.25 s of module loading that `sbom` and the webhook's signature checks never need.
 */
export function loadScanUseCase(): Promise<typeof import('./scan.js')> {
  return import('./scan.js');
}

/** Scans an image or `sbom:FILE` against the local vulnerability database (see scan.ts). */
export async function scan(source: string, options: ScanOptions = {}): Promise<ScanReport> {
  return (await loadScanUseCase()).scan(source, options);
}
