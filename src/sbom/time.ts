import { UsageError } from '../core/index.js';

/**
 * An ISO 8601 time as "YYYY-MM-DDThh:mm:ssZ": the form SPDX 2.3 requires for `created` (§6.9) and a valid
 * JSON-schema date-time for CycloneDX. Sub-second precision is dropped.
 */
export function canonicalTime(iso: string, field = 'createdAt'): string {
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso) || Number.isNaN(ms)) {
    throw new UsageError('INVALID_ARGUMENT', `${field} is not an ISO 8601 time: ${JSON.stringify(iso)}`);
  }
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Like {@link canonicalTime} but undefined instead of an error, for optional facts read from the image. */
export function optionalTime(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return /^\d{4}-\d{2}-\d{2}/.test(iso) && !Number.isNaN(ms)
    ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
    : undefined;
}
