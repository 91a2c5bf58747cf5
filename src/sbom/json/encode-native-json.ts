import type { ImageMetadata, LayerDescriptor, OperatingSystem, Package, SbomDocument } from '../../core/index.js';
import { canonicalTime } from '../time.js';

/**
 * Tollgate's own JSON SBOM, for programs: the scan result as Tollgate's core types, with nothing mapped away.
 *
 * Shape (schemaVersion 1; fields are only ever added within a schema version, never renamed or removed):
 *   schemaVersion  1
 *   tool           { name: "tollgate", version }
 *   createdAt      "YYYY-MM-DDThh:mm:ssZ"
 *   image          ImageMetadata (src/core/image.ts)
 *   os             OperatingSystem (src/core/os.ts), or null when no OS was recognised
 *   layers         LayerDescriptor[] base layer first (src/core/image.ts)
 *   packages       Package[] in the order the scan produced them (src/core/package.ts)
 *   warnings       string[]: parts that could not be analysed (the package list may be incomplete)
 */
export interface NativeSbom {
  schemaVersion: 1;
  tool: { name: 'tollgate'; version: string };
  createdAt: string;
  image: ImageMetadata;
  os: OperatingSystem | null;
  layers: LayerDescriptor[];
  packages: Package[];
  warnings: string[];
}

export const NATIVE_SBOM_SCHEMA_VERSION = 1;

export function toNativeJson(doc: SbomDocument): NativeSbom {
  return {
    schemaVersion: NATIVE_SBOM_SCHEMA_VERSION,
    tool: { name: doc.tool.name, version: doc.tool.version },
    createdAt: canonicalTime(doc.createdAt),
    image: doc.image,
    os: doc.os ?? null,
    layers: doc.layers,
    packages: doc.packages,
    warnings: doc.warnings,
  };
}

/** Native JSON text (pretty, newline-terminated). */
export function encodeNativeJson(doc: SbomDocument): string {
  return `${JSON.stringify(toNativeJson(doc), null, 2)}\n`;
}
