import type { X509Certificate } from '@sigstore/core';
import { RE2JS } from 're2js';
import { UsageError } from '../../core/index.js';

/**
 * Who must have signed a keyless (Fulcio certificate) bundle, as cosign's flags say it:
 * `--certificate-identity` / `--certificate-identity-regexp` and `--certificate-oidc-issuer` / `--certificate-oidc-issuer-regexp`.
 * Exact values compare for equality; regular expressions use Go's RE2 syntax and, like cosign's
 * `regexp.MatchString`, are NOT anchored: `example.com` also matches `https://evil.example.com.attacker.io`.
 */
export interface IdentityPolicy {
  subject?: string;
  subjectRegExp?: string;
  issuer?: string;
  issuerRegExp?: string;
}

/** What a Fulcio certificate says about its holder. */
export interface CertificateIdentity {
  /** Every subject alternative name, as cosign lists them: DNS names, emails, IPs, URIs, then Fulcio's otherName username. */
  sans: string[];
  /** The OIDC issuer extension (1.3.6.1.4.1.57264.1.8, or the deprecated 1.3.6.1.4.1.57264.1.1). */
  issuer?: string;
}

export interface CompiledIdentityPolicy {
  policy: IdentityPolicy;
  /** Regular expressions that are not anchored at both ends (the caller warns about them). */
  unanchored: { flag: string; pattern: string }[];
  matches(identity: CertificateIdentity): boolean;
  describe(): string;
}

/** Fulcio's username SAN (otherName), https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md */
const OID_FULCIO_USERNAME = '1.3.6.1.4.1.57264.1.7';
const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

function compile(flag: string, pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw new UsageError('INVALID_ARGUMENT', `${flag}: invalid regular expression (Go RE2 syntax) ${JSON.stringify(pattern)}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function isAnchored(pattern: string): boolean {
  return /^(\^|\\A)/.test(pattern) && /(\$|\\z)$/.test(pattern) && !/\\\$$/.test(pattern);
}

/** Checks a policy (one subject and one issuer condition, as cosign requires) and compiles its regular expressions. */
export function compileIdentityPolicy(policy: IdentityPolicy): CompiledIdentityPolicy {
  const has = (v: string | undefined) => v !== undefined && v !== '';
  if (has(policy.subject) === has(policy.subjectRegExp)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'keyless verification needs exactly one of --certificate-identity or --certificate-identity-regexp',
    );
  }
  if (has(policy.issuer) === has(policy.issuerRegExp)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'keyless verification needs exactly one of --certificate-oidc-issuer or --certificate-oidc-issuer-regexp',
    );
  }
  const unanchored: { flag: string; pattern: string }[] = [];
  const subjectRe = has(policy.subjectRegExp) ? compile('--certificate-identity-regexp', policy.subjectRegExp!) : undefined;
  const issuerRe = has(policy.issuerRegExp) ? compile('--certificate-oidc-issuer-regexp', policy.issuerRegExp!) : undefined;
  if (subjectRe && !isAnchored(policy.subjectRegExp!)) unanchored.push({ flag: '--certificate-identity-regexp', pattern: policy.subjectRegExp! });
  if (issuerRe && !isAnchored(policy.issuerRegExp!)) unanchored.push({ flag: '--certificate-oidc-issuer-regexp', pattern: policy.issuerRegExp! });
  return {
    policy,
    unanchored,
    // cosign pkg/cosign/verify.go validateCertIdentity: the issuer must match, then any one SAN.
    matches(identity) {
      const issuer = identity.issuer;
      if (issuer === undefined) return false;
      const issuerOk = issuerRe ? issuerRe.test(issuer) : issuer === policy.issuer;
      if (!issuerOk) return false;
      return identity.sans.some((san) => (subjectRe ? subjectRe.test(san) : san === policy.subject));
    },
    describe() {
      const s = has(policy.subject) ? `identity "${policy.subject}"` : `identity matching /${policy.subjectRegExp}/`;
      const i = has(policy.issuer) ? `issuer "${policy.issuer}"` : `issuer matching /${policy.issuerRegExp}/`;
      return `${s} and ${i}`;
    },
  };
}

/** Reads the subject alternative names and OIDC issuer of a Fulcio certificate. */
export function certificateIdentity(cert: X509Certificate): CertificateIdentity {
  const dns: string[] = [];
  const emails: string[] = [];
  const ips: string[] = [];
  const uris: string[] = [];
  let username: string | undefined;
  // extnValue is an OCTET STRING holding SEQUENCE OF GeneralName (RFC 5280 §4.2.1.6).
  const names = cert.extSubjectAltName?.valueObj.subs[0]?.subs ?? [];
  for (const gn of names) {
    if (!gn.tag.isContextSpecific()) continue;
    switch (gn.tag.number) {
      case 0: {
        // otherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }; Fulcio puts a UTF8String there.
        const [oid, value] = gn.subs;
        if (oid?.toOID() === OID_FULCIO_USERNAME && value?.subs[0] && username === undefined) username = value.subs[0].value.toString('utf8');
        break;
      }
      case 1:
        emails.push(gn.value.toString('utf8'));
        break;
      case 2:
        dns.push(gn.value.toString('utf8'));
        break;
      case 6:
        uris.push(gn.value.toString('utf8'));
        break;
      case 7:
        ips.push(formatIp(gn.value));
        break;
    }
  }
  const sans = [...dns, ...emails, ...ips, ...uris, ...(username !== undefined ? [username] : [])];
  const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
  // V2 holds a DER UTF8String inside extnValue; V1 holds the raw string.
  const issuer = v2 ? v2.valueObj.subs[0]?.value.toString('utf8') : cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString('utf8');
  return { sans, ...(issuer !== undefined ? { issuer } : {}) };
}

/** Go's net.IP.String(): dotted quad for IPv4 (also IPv4-mapped IPv6), RFC 5952 text for IPv6. */
function formatIp(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length !== 16) return b.toString('hex');
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return [...b.subarray(12)].join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
