/**
 * SBOM encoders: one SbomDocument (src/core/sbom.ts) written as CycloneDX 1.6 JSON, SPDX 2.3 JSON or Tollgate's
 * native JSON. Pure functions: they return text, the caller writes it.
 */
import { UsageError, type SbomDocument } from '../core/index.js';
import { encodeCycloneDx } from './cyclonedx/encode-cyclonedx.js';
import { encodeNativeJson } from './json/encode-native-json.js';
import { encodeSpdx } from './spdx/encode-spdx.js';

export { encodeCycloneDx, toCycloneDx } from './cyclonedx/encode-cyclonedx.js';
export type { CdxBom, CdxComponent, CdxLicenseChoice } from './cyclonedx/encode-cyclonedx.js';
export { encodeSpdx, toSpdx } from './spdx/encode-spdx.js';
export type { SpdxDocument, SpdxOptions, SpdxPackage, SpdxRelationship } from './spdx/encode-spdx.js';
export { encodeNativeJson, toNativeJson, NATIVE_SBOM_SCHEMA_VERSION } from './json/encode-native-json.js';
export type { NativeSbom } from './json/encode-native-json.js';
export { summarizeSbom } from './summary.js';
export { classifyLicense, type LicenseClass } from './license.js';
export { Property as SbomProperty } from './properties.js';
export { decodeSbom, MAX_SBOM_BYTES, type DecodedSbom, type SbomAttestation, type SbomOrigin } from './decode/decode-sbom.js';

export const SBOM_FORMATS = ['cyclonedx', 'spdx', 'json'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

export function isSbomFormat(s: string): s is SbomFormat {
  return (SBOM_FORMATS as readonly string[]).includes(s);
}

/** The document in the given format, as pretty JSON text ending in a newline. */
export function encodeSbom(doc: SbomDocument, format: SbomFormat): string {
  switch (format) {
    case 'cyclonedx':
      return encodeCycloneDx(doc);
    case 'spdx':
      return encodeSpdx(doc);
    case 'json':
      return encodeNativeJson(doc);
    default:
      // Reachable from untyped callers (a CLI flag, an embedding JavaScript program).
      throw new UsageError(
        'INVALID_ARGUMENT',
        `unknown SBOM format ${JSON.stringify(format as string)}; expected one of: ${SBOM_FORMATS.join(', ')}`,
      );
  }
}
