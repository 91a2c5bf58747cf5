import { createHash, X509Certificate as NodeCertificate, type KeyObject } from 'node:crypto';
import { X509Certificate as ParsedCertificate } from '@sigstore/core';
import { formatName } from './distinguished-name.js';

/**
 * X.509 certificates as the Notary Project signature specification requires them ("Certificate Requirements",
 * notation-core-go x509/codesigning_cert_validations.go and timestamp_cert_validations.go). Parsing and signature
 * checks use node:crypto (OpenSSL) and @sigstore/core's DER parser; nothing here decodes ASN.1 by hand beyond
 * walking the parsed extension values.
 */
export interface Certificate {
  der: Buffer;
  node: NodeCertificate;
  parsed: ParsedCertificate;
  /** Go's pkix.Name.String() of the subject, e.g. `CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US`. */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** `sha256:<hex>` of the DER. */
  sha256: string;
}

export class CertificateError extends Error {}

export function parseCertificate(der: Buffer, what: string): Certificate {
  let node: NodeCertificate;
  let parsed: ParsedCertificate;
  try {
    node = new NodeCertificate(der);
    parsed = ParsedCertificate.parse(der as Buffer<ArrayBuffer>);
  } catch (e) {
    throw new CertificateError(`${what} is not an X.509 certificate (${(e as Error).message})`);
  }
  return {
    der,
    node,
    parsed,
    subject: formatName(parsed.subject),
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    sha256: `sha256:${createHash('sha256').update(der).digest('hex')}`,
  };
}

/** Certificates of a PEM (one or more CERTIFICATE blocks) or DER file, as notation-core-go ReadCertificateFile. */
export function parseCertificateFile(bytes: Buffer, what: string): Certificate[] {
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) {
    const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
    const certs = blocks.filter((b) => b[1] === 'CERTIFICATE').map((b, i) => parseCertificate(Buffer.from(b[2]!.replace(/\s+/g, ''), 'base64'), `${what} (certificate ${i + 1})`));
    if (certs.length === 0) throw new CertificateError(`${what} holds no PEM CERTIFICATE block`);
    return certs;
  }
  return [parseCertificate(bytes, what)];
}

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
};
/** Key usage bit positions (RFC 5280 4.2.1.3). */
const KU = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'] as const;
const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'ServerAuth',
  '1.3.6.1.5.5.7.3.2': 'ClientAuth',
  '1.3.6.1.5.5.7.3.4': 'EmailProtection',
  '1.3.6.1.5.5.7.3.8': 'Timestamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};
export const EKU_TIMESTAMPING = '1.3.6.1.5.5.7.3.8';

export function basicConstraints(c: Certificate): { critical: boolean; ca: boolean; pathLen?: number } | undefined {
  const ext = c.parsed.extBasicConstraints;
  if (!ext) return undefined;
  const pathLen = ext.pathLenConstraint;
  return { critical: ext.critical, ca: ext.isCA, ...(pathLen !== undefined ? { pathLen: Number(pathLen) } : {}) };
}

export function keyUsage(c: Certificate): { critical: boolean; bits: Set<(typeof KU)[number]> } | undefined {
  const ext = c.parsed.extension(OID.keyUsage);
  if (!ext) return undefined;
  const bits = new Set<(typeof KU)[number]>();
  // extnValue is an OCTET STRING wrapping the BIT STRING.
  ext.valueObj.subs[0]!.toBitString().forEach((b, i) => {
    if (b && KU[i]) bits.add(KU[i]);
  });
  return { critical: ext.critical, bits };
}

export function extendedKeyUsage(c: Certificate): { critical: boolean; oids: string[] } | undefined {
  const ext = c.parsed.extension(OID.extKeyUsage);
  if (!ext) return undefined;
  return { critical: ext.critical, oids: ext.valueObj.subs[0]!.subs.map((s) => s.toOID()) };
}

/** Whether the certificate names a CRL or OCSP location (revocation could be checked online). */
export function hasRevocationInfo(c: Certificate): boolean {
  return c.parsed.extension(OID.crlDistributionPoints) !== undefined || c.parsed.extension(OID.authorityInfoAccess) !== undefined;
}

/**
 * Go's Certificate.CheckSignatureFrom: `parent` must be allowed to sign certificates (a v3 parent needs basic
 * constraints with cA; a key usage, when present, needs keyCertSign) and its key must verify `child`'s signature.
 */
export function signatureFrom(child: Certificate, parent: Certificate): string | undefined {
  const bc = basicConstraints(parent);
  const isV3 = parent.parsed.version === 'v3';
  if ((isV3 && !bc) || (bc && !bc.ca)) return `${JSON.stringify(parent.subject)} is not a CA certificate`;
  const ku = keyUsage(parent);
  if (ku && ku.bits.size > 0 && !ku.bits.has('keyCertSign')) return `${JSON.stringify(parent.subject)} may not sign certificates (no keyCertSign key usage)`;
  return verifiesWith(child, parent.node.publicKey) ? undefined : `the signature of ${JSON.stringify(child.subject)} does not verify with the key of ${JSON.stringify(parent.subject)}`;
}

function verifiesWith(c: Certificate, key: KeyObject): boolean {
  try {
    return c.node.verify(key);
  } catch {
    return false;
  }
}

function sameName(a: Buffer, b: Buffer): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Signed by its own key, with issuer == subject (a self-signed leaf is not required to be a CA). */
export function isSelfSigned(c: Certificate, requireCA: boolean): boolean {
  if (!sameName(c.parsed.subject, c.parsed.issuer)) return false;
  return requireCA ? signatureFrom(c, c) === undefined : verifiesWith(c, c.node.publicKey);
}

/** Go's isIssuedBy: signed by `parent` (as CheckSignatureFrom) and issuer name == parent's subject. */
export function issuedBy(child: Certificate, parent: Certificate): string | undefined {
  const sig = signatureFrom(child, parent);
  if (sig) return sig;
  if (!sameName(parent.parsed.subject, child.parsed.issuer)) return `${JSON.stringify(child.subject)} is not issued by ${JSON.stringify(parent.subject)}`;
  return undefined;
}

/** The Notary Project signature algorithm the key of the signing certificate implies ("Algorithm Selection"). */
export type NotaryAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

export function algorithmOfKey(key: KeyObject): NotaryAlgorithm | string {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (bits === 2048) return 'PS256';
    if (bits === 3072) return 'PS384';
    if (bits === 4096) return 'PS512';
    return `rsa key size ${bits} bits is not supported`;
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
    return `ecdsa key curve ${curve} is not supported`;
  }
  return `${key.asymmetricKeyType ?? 'unknown'} keys are not supported (RSA 2048/3072/4096 or ECDSA P-256/P-384/P-521)`;
}

export function isNotaryAlgorithm(a: string): a is NotaryAlgorithm {
  return /^(PS|ES)(256|384|512)$/.test(a);
}

function validateLeaf(c: Certificate): string | undefined {
  const bc = basicConstraints(c);
  if (bc?.ca) return `certificate ${JSON.stringify(c.subject)}: if the basic constraints extension is present, the ca field must be set to false`;
  const ku = keyUsage(c);
  if (!ku) return `certificate ${JSON.stringify(c.subject)}: key usage extension must be present`;
  if (!ku.critical) return `certificate ${JSON.stringify(c.subject)}: key usage extension must be marked critical`;
  if (!ku.bits.has('digitalSignature')) return `certificate ${JSON.stringify(c.subject)}: the key usage must have the bit positions for "Digital Signature" set`;
  const bad = ['keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'].filter((b) => ku.bits.has(b as (typeof KU)[number]));
  if (bad.length) return `certificate ${JSON.stringify(c.subject)}: the key usage must be "Digital Signature" only, but found ${bad.join(', ')}`;
  const eku = extendedKeyUsage(c);
  const excluded = eku?.oids.find((o) => EKU_NAMES[o]);
  if (excluded) return `certificate ${JSON.stringify(c.subject)}: extended key usage must not contain ${EKU_NAMES[excluded]} eku`;
  const alg = algorithmOfKey(c.node.publicKey);
  if (!isNotaryAlgorithm(alg)) return `certificate ${JSON.stringify(c.subject)}: ${alg}`;
  return undefined;
}

function validateCA(c: Certificate, expectedPathLen: number): string | undefined {
  const bc = basicConstraints(c);
  if (!bc?.ca) return `certificate ${JSON.stringify(c.subject)}: ca field in basic constraints must be present, critical, and set to true`;
  if (bc.pathLen !== undefined && bc.pathLen < expectedPathLen) {
    return `certificate ${JSON.stringify(c.subject)}: expected path length of ${expectedPathLen} but certificate has path length ${bc.pathLen} instead`;
  }
  const ku = keyUsage(c);
  if (!ku) return `certificate ${JSON.stringify(c.subject)}: key usage extension must be present`;
  if (!ku.critical) return `certificate ${JSON.stringify(c.subject)}: key usage extension must be marked critical`;
  if (!ku.bits.has('keyCertSign')) return `certificate ${JSON.stringify(c.subject)}: key usage must have the bit positions for key cert sign set`;
  return undefined;
}

function validAt(c: Certificate, t: Date | undefined): string | undefined {
  if (t && (t < c.notBefore || t > c.notAfter)) {
    return `certificate ${JSON.stringify(c.subject)} was invalid at signing time of ${t.toISOString()}. Certificate is valid from [${c.notBefore.toISOString()}] to [${c.notAfter.toISOString()}]`;
  }
  return undefined;
}

/**
 * notation-core-go ValidateCodeSigningCertChain: an ordered chain leaf → root. One certificate: self-signed and
 * self-issued, a valid code-signing leaf. Longer: each certificate issued by the next, only the last one
 * self-signed, CA requirements with path lengths for all but the leaf. `signingTime`, when given, must fall in every
 * certificate's validity. Returns why the chain is invalid, or undefined.
 */
export function validateCodeSigningChain(chain: Certificate[], signingTime?: Date): string | undefined {
  if (chain.length === 0) return 'certificate chain must contain at least one certificate';
  if (chain.length === 1) {
    const c = chain[0]!;
    if (!sameName(c.parsed.subject, c.parsed.issuer)) return `invalid self-signed certificate ${JSON.stringify(c.subject)}: issuer and subject are not the same`;
    if (!verifiesWith(c, c.node.publicKey)) return `invalid self-signed certificate ${JSON.stringify(c.subject)}: its signature does not verify with its own key`;
    return validAt(c, signingTime) ?? validateLeaf(c);
  }
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const t = validAt(c, signingTime);
    if (t) return t;
    if (i === chain.length - 1) {
      if (!isSelfSigned(c, true)) return `root certificate ${JSON.stringify(c.subject)} is not self-signed. Certificate chain must end with a valid self-signed root certificate`;
    } else {
      if (isSelfSigned(c, true)) {
        return `${i === 0 ? 'leaf' : 'intermediate'} certificate ${JSON.stringify(c.subject)} is self-signed. Certificate chain must not contain a self-signed ${i === 0 ? 'leaf' : 'intermediate'} certificate`;
      }
      const why = issuedBy(c, chain[i + 1]!);
      if (why) return `certificate ${JSON.stringify(c.subject)} is not issued by ${JSON.stringify(chain[i + 1]!.subject)}: ${why}`;
    }
    const why = i === 0 ? validateLeaf(c) : validateCA(c, i - 1);
    if (why) return why;
  }
  return undefined;
}
