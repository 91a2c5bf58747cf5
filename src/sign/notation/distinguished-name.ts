import { ASN1Obj } from '@sigstore/core';

/**
 * X.509 distinguished names as Notation compares them (notation-go internal/pkix): a DN is a map from attribute type
 * to value; `x509.subject:` identities of a trust policy are RFC 4514 strings that must name C, ST (or S) and O, and
 * match when every attribute they name has the same value in the signing certificate's subject.
 */
export type DistinguishedName = Map<string, string>;

/** The short names Go's pkix.Name.String() uses (crypto/x509/pkix attributeTypeNames); others print as a dotted OID. */
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
};

export interface NameAttribute {
  type: string;
  value: string;
}

/** A DER length (X.690 8.1.3), to re-wrap the Name contents @sigstore/core hands out as a SEQUENCE. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/**
 * The attributes of a Name, given as the contents of its RDNSequence (what @sigstore/core's X509Certificate
 * `subject` / `issuer` return), in encoding order, one list per RDN.
 */
export function nameAttributes(contents: Buffer): { rdns: NameAttribute[][] } {
  const der = Buffer.concat([Buffer.from([0x30]), derLength(contents.length), contents]);
  const root = ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
  const rdns = root.subs.map((set) =>
    set.subs.map((atv) => {
      const oid = atv.subs[0]!.toOID();
      const v = atv.subs[1]!;
      // BMPString (0x1e) is UTF-16BE; every other string type Tollgate meets is ASCII or UTF-8.
      const value = v.tag.number === 0x1e ? Buffer.from(v.value).swap16().toString('utf16le') : Buffer.from(v.value).toString('utf8');
      return { type: SHORT_NAMES[oid] ?? oid, value };
    }),
  );
  return { rdns };
}

/** RFC 4514 escaping of one attribute value. */
function escapeValue(v: string): string {
  let out = v.replace(/([\\,+"<>;=])/g, '\\$1');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** The subject as Go's pkix.Name.String() prints it (RFC 4514 order: last RDN first), e.g. `CN=x,O=Notary,C=US`. */
export function formatName(der: Buffer): string {
  const { rdns } = nameAttributes(der);
  return [...rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${a.type}=${escapeValue(a.value)}`).join('+'))
    .join(',');
}

export class DistinguishedNameError extends Error {}

/**
 * Parses an RFC 4514 DN as go-ldap's ParseDN does for Notation: `,` or `;` separate RDNs, `\` escapes a special
 * character or two hex digits, spaces around types and unescaped leading/trailing spaces of values are dropped.
 * Notation's rules: no multi-valued RDNs, no `=#` hex values, each type at most once, C, ST (S is an alias) and O
 * required.
 */
export function parseDistinguishedName(name: string, requireMandatory = true): DistinguishedName {
  if (name.includes('=#')) throw new DistinguishedNameError(`${JSON.stringify(name)}: x509.subject identities containing "=#" are not supported`);
  const out: DistinguishedName = new Map();
  let i = 0;
  const n = name.length;
  while (i < n) {
    // attribute type
    let type = '';
    while (i < n && name[i] !== '=') type += name[i++];
    if (i >= n) throw new DistinguishedNameError(`${JSON.stringify(name)}: attribute ${JSON.stringify(type.trim())} has no value`);
    i++; // '='
    type = type.trim();
    if (!type) throw new DistinguishedNameError(`${JSON.stringify(name)}: empty attribute type`);
    // value
    let value = '';
    let trailingEscaped = 0;
    while (i < n && name[i] === ' ') i++;
    let end: string | undefined;
    while (i < n) {
      const c = name[i]!;
      if (c === '\\') {
        const next = name[i + 1];
        if (next === undefined) throw new DistinguishedNameError(`${JSON.stringify(name)}: trailing backslash`);
        const hex = name.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          value += String.fromCharCode(parseInt(hex, 16));
          i += 3;
        } else {
          value += next;
          i += 2;
        }
        trailingEscaped = value.length;
        continue;
      }
      if (c === ',' || c === ';' || c === '+') {
        end = c;
        i++;
        break;
      }
      value += c;
      i++;
    }
    // Unescaped trailing spaces are not part of the value.
    while (value.length > trailingEscaped && value.endsWith(' ')) value = value.slice(0, -1);
    if (end === '+') throw new DistinguishedNameError(`${JSON.stringify(name)}: multi-valued RDNs are not supported`);
    const key = type.toUpperCase() === 'S' ? 'ST' : type.toUpperCase();
    if (out.has(key)) throw new DistinguishedNameError(`${JSON.stringify(name)}: attribute ${key} appears more than once`);
    out.set(key, value);
  }
  if (requireMandatory) {
    for (const field of ['C', 'ST', 'O']) {
      if (!out.get(field)) {
        throw new DistinguishedNameError(`${JSON.stringify(name)} has no ${field}: an x509.subject identity must name C, ST (or S) and O at least`);
      }
    }
  }
  return out;
}

/** The certificate subject as a DN map (Notation matches on the leaf's subject); multi-valued RDNs are refused. */
export function subjectMap(der: Buffer): DistinguishedName {
  const out: DistinguishedName = new Map();
  for (const rdn of nameAttributes(der).rdns) {
    if (rdn.length > 1) throw new DistinguishedNameError(`the subject ${JSON.stringify(formatName(der))} has a multi-valued RDN`);
    const a = rdn[0]!;
    if (out.has(a.type)) throw new DistinguishedNameError(`the subject ${JSON.stringify(formatName(der))} has attribute ${a.type} more than once`);
    out.set(a.type, a.value);
  }
  return out;
}

/** notation-go pkix.IsSubsetDN: every attribute of `a` has the same value in `b`. */
export function isSubsetDN(a: DistinguishedName, b: DistinguishedName): boolean {
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
