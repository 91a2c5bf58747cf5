/**
 * JSON as Go's encoding/json writes it, so that the bytes Tollgate signs and stores are the bytes cosign would
 * produce for the same input (cosign signs the marshalled payload, and the registry addresses manifests by digest).
 *
 * - strings: `<`, `>`, `&`, U+2028 and U+2029 are escaped as \u003c… (encoding/json escapeHTML, on by default);
 *   control characters use \b \f \n \r \t (Go ≥ 1.22) or \u00XX; lone surrogates become U+FFFD (invalid UTF-8 in Go).
 * - structs keep their declaration order: a plain object is written in insertion order (the caller lists the keys
 *   in the Go struct's order);
 * - maps are written with keys sorted by their UTF-8 bytes: use `goMap()`.
 */
export type GoJson = string | number | boolean | null | GoJson[] | GoMap | { [key: string]: GoJson | undefined };

/** A Go map: written with sorted keys. */
export class GoMap {
  readonly entries: [string, GoJson][];
  constructor(record: Record<string, GoJson> | Map<string, GoJson>) {
    const list = record instanceof Map ? [...record.entries()] : Object.entries(record);
    this.entries = list.sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  }
}

export function goMap(record: Record<string, GoJson> | Map<string, GoJson>): GoMap {
  return new GoMap(record);
}

const HEX = '0123456789abcdef';

/** encoding/json encodeState.string with escapeHTML = true. */
export function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\ufffd';
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\ufffd';
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      case 0x3c:
      case 0x3e:
      case 0x26:
        out += `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
        continue;
      case 0x2028:
        out += '\\u2028';
        continue;
      case 0x2029:
        out += '\\u2029';
        continue;
    }
    if (c < 0x20) out += `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
    else out += s[i]!;
  }
  return `${out}"`;
}

/** Marshals like Go's json.Marshal (compact). `undefined` object members are omitted (Go's `omitempty`). */
export function goMarshal(value: GoJson): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('json: unsupported value: non-finite number');
    // Integers and ordinary decimals print as Go's strconv 'f'/'e' choice does; exotic exponents may differ.
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(goMarshal).join(',')}]`;
  if (value instanceof GoMap) return `{${value.entries.map(([k, v]) => `${goString(k)}:${goMarshal(v)}`).join(',')}}`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    parts.push(`${goString(k)}:${goMarshal(v)}`);
  }
  return `{${parts.join(',')}}`;
}
