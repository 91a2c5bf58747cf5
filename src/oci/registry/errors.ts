import { RegistryError, type RegistryErrorCode } from '../../core/index.js';
import { readBody, type HttpResponse } from './transport.js';

/**
 * Registry error bodies (distribution spec "Error Codes": `{"errors":[{"code","message","detail"}]}`) mapped to
 * Tollgate's RegistryError codes. Bodies that are not JSON (a proxy's HTML page, 2.8's "404 page not found")
 * fall back to the HTTP status.
 */
export interface RegistryErrorEntry {
  code: string;
  message?: string;
}

export function parseErrorBody(bytes: Buffer): RegistryErrorEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return [];
  }
  if (!value || typeof value !== 'object') return [];
  const errors = (value as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  const out: RegistryErrorEntry[] = [];
  for (const e of errors) {
    if (!e || typeof e !== 'object') continue;
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code !== 'string') continue;
    out.push({ code, ...(typeof message === 'string' ? { message } : {}) });
  }
  return out;
}

const BY_REGISTRY_CODE: Record<string, RegistryErrorCode> = {
  MANIFEST_UNKNOWN: 'MANIFEST_UNKNOWN',
  BLOB_UNKNOWN: 'BLOB_UNKNOWN',
  NAME_UNKNOWN: 'NOT_FOUND',
  DENIED: 'DENIED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  TOOMANYREQUESTS: 'TOO_MANY_REQUESTS',
};

export function codeForStatus(status: number): RegistryErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'TOO_MANY_REQUESTS';
  if (status >= 500) return 'SERVER_ERROR';
  return 'PROTOCOL';
}

/** Picks the Tollgate code for a status and the registry's error entries (the first known entry wins). */
export function classify(status: number, entries: readonly RegistryErrorEntry[]): RegistryErrorCode {
  for (const e of entries) {
    const mapped = BY_REGISTRY_CODE[e.code];
    if (mapped) return mapped;
  }
  return codeForStatus(status);
}

/** True for the "does not exist" family of codes. */
export function isNotFound(e: unknown): boolean {
  return e instanceof RegistryError && (e.code === 'NOT_FOUND' || e.code === 'MANIFEST_UNKNOWN' || e.code === 'BLOB_UNKNOWN');
}

/** Turns a failed response into a RegistryError (consumes up to 64 KiB of the body). */
export async function errorFromResponse(res: HttpResponse, what: string): Promise<RegistryError> {
  let entries: RegistryErrorEntry[] = [];
  try {
    const bytes = await readBody(res.body, 64 * 1024, () => new Error('error body too large'));
    entries = parseErrorBody(bytes);
  } catch {
    // Keep the status-based mapping.
  }
  const code = classify(res.status, entries);
  const detail = entries
    .map((e) => (e.message ? `${e.code}: ${e.message}` : e.code))
    .join('; ')
    .slice(0, 500);
  return new RegistryError(code, `${what}: HTTP ${res.status}${detail ? ` (${detail})` : ''}`, { status: res.status });
}
