import { UsageError } from '../../core/index.js';

/**
 * Field access on parsed SBOM JSON (DESIGN.md §3.9: external JSON is validated at the boundary). A field whose
 * type would make the document meaningless (components that are not an array, a purl that is not a string) is a
 * UsageError naming the file and the JSON path; fields Tollgate does not need are never looked at, so unknown or
 * odd extra fields pass.
 */
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Fields {
  constructor(readonly file: string) {}

  fail(path: string, what: string): never {
    throw new UsageError('INVALID_ARGUMENT', `${this.file}: ${path} ${what}`);
  }

  /** An optional string. */
  str(obj: JsonObject, key: string, path: string): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    return this.fail(`${path}.${key}`, `is ${describe(v)}, expected a string`);
  }

  /** An optional version: a number is accepted and written as text (hand-written documents write `"version": 2`). */
  version(obj: JsonObject, key: string, path: string): string | undefined {
    const v = obj[key];
    return typeof v === 'number' && Number.isFinite(v) ? String(v) : this.str(obj, key, path);
  }

  /** An optional array (null counts as absent: Trivy writes `"checksums": null`). */
  arr(obj: JsonObject, key: string, path: string): unknown[] {
    const v = obj[key];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    return this.fail(`${path}.${key}`, `is ${describe(v)}, expected an array`);
  }

  /** An optional object. */
  obj(obj: JsonObject, key: string, path: string): JsonObject | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (isObject(v)) return v;
    return this.fail(`${path}.${key}`, `is ${describe(v)}, expected an object`);
  }

  /** Every element of an array must be an object. */
  objects(items: unknown[], path: string): JsonObject[] {
    return items.map((item, i) => (isObject(item) ? item : this.fail(`${path}[${i}]`, `is ${describe(item)}, expected an object`)));
  }

  /** An array of strings (non-strings are a structural error). */
  strings(obj: JsonObject, key: string, path: string): string[] {
    return this.arr(obj, key, path).map((v, i) =>
      typeof v === 'string' ? v : this.fail(`${path}.${key}[${i}]`, `is ${describe(v)}, expected a string`),
    );
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'missing' : `a ${t}`;
}
