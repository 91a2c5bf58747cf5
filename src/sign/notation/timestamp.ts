import { createHash, verify as cryptoVerify, constants } from 'node:crypto';
import { ASN1Obj } from '@sigstore/core';
import {
  basicConstraints,
  CertificateError,
  extendedKeyUsage,
  EKU_TIMESTAMPING,
  isSelfSigned,
  issuedBy,
  keyUsage,
  parseCertificate,
  type Certificate,
} from './certificates.js';

/**
 * RFC 3161 timestamp countersignatures of Notary Project envelopes (io.cncf.notary.timestampSignature: a CMS
 * TimeStampToken over the primitive signature), verified as trust-store-trust-policy.md "Validate Authentic
 * Timestamp" and notation-go verifyTimestamp / tspclient-go describe: the TSTInfo's message imprint is the hash of the
 * signature, the CMS signature verifies with the TSA certificate named by the signer info (with an ESS
 * signing-certificate-v2 attribute), that certificate chains to a root of a `tsa` trust store and meets the
 * timestamping certificate requirements. DER is read with @sigstore/core's ASN.1 parser. Revocation of the TSA
 * chain is not checked.
 */
export class TimestampError extends Error {}

export interface VerifiedTimestamp {
  genTime: Date;
  /** The range the timestamp stands for: genTime ± accuracy (RFC 3161 2.4.2). */
  lower: Date;
  upper: Date;
  /** The TSA signing certificate's subject. */
  tsa: string;
}

const OIDS = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  baselinePolicy: '0.4.0.2023.1.1',
};
const DIGESTS: Record<string, 'sha1' | 'sha256' | 'sha384' | 'sha512'> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
/** Signature algorithms of the CMS signer info: RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA. */
const SIGNATURES: Record<string, { kind: 'rsa' | 'pss' | 'ecdsa'; hash?: string }> = {
  '1.2.840.113549.1.1.1': { kind: 'rsa' },
  '1.2.840.113549.1.1.11': { kind: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { kind: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { kind: 'rsa', hash: 'sha512' },
  '1.2.840.113549.1.1.10': { kind: 'pss' },
  '1.2.840.10045.4.3.2': { kind: 'ecdsa', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { kind: 'ecdsa', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { kind: 'ecdsa', hash: 'sha512' },
};

function fail(message: string): never {
  throw new TimestampError(message);
}

function child(obj: ASN1Obj | undefined, i: number, what: string): ASN1Obj {
  const c = obj?.subs[i];
  if (!c) fail(`malformed timestamp token: ${what} is missing`);
  return c;
}

function digestOf(alg: ASN1Obj, what: string): 'sha1' | 'sha256' | 'sha384' | 'sha512' {
  const oid = child(alg, 0, what).toOID();
  const d = DIGESTS[oid];
  if (!d) fail(`${what}: unsupported digest algorithm ${oid}`);
  return d;
}

/** GeneralizedTime with optional fraction (TSTInfo genTime MAY carry one). */
function generalizedTime(obj: ASN1Obj): Date {
  const s = Buffer.from(obj.value).toString('ascii');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
  if (!m) fail(`malformed timestamp token: genTime ${JSON.stringify(s)}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ? m[7].slice(0, 4) : ''}Z`);
}

function integer(obj: ASN1Obj): number {
  return Number(obj.toInteger());
}

interface ParsedToken {
  tstInfoDer: Buffer;
  digestOfImprint: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  hashedMessage: Buffer;
  genTime: Date;
  accuracyMs: number | undefined;
  policy: string;
  certs: Certificate[];
  signer: { issuer?: Buffer; serial?: Buffer; ski?: Buffer };
  signerDigest: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  signedAttrs?: ASN1Obj;
  signatureAlg: string;
  signature: Buffer;
}

function parseToken(der: Buffer): ParsedToken {
  let root: ASN1Obj;
  try {
    root = ASN1Obj.parseBuffer(der as Buffer<ArrayBuffer>);
  } catch (e) {
    fail(`failed to parse timestamp countersignature: ${(e as Error).message}`);
  }
  if (child(root, 0, 'contentType').toOID() !== OIDS.signedData) fail('the timestamp countersignature is not a CMS SignedData');
  const sd = child(child(root, 1, 'content'), 0, 'SignedData');
  const encap = child(sd, 2, 'encapContentInfo');
  const eType = child(encap, 0, 'eContentType').toOID();
  if (eType !== OIDS.tstInfo) fail(`unexpected content type: ${eType}. Expected to be id-ct-TSTInfo (${OIDS.tstInfo})`);
  const tstOctets = child(child(encap, 1, 'eContent'), 0, 'eContent OCTET STRING');
  const tstInfoDer = Buffer.from(tstOctets.value);
  let tst: ASN1Obj;
  try {
    tst = ASN1Obj.parseBuffer(tstInfoDer as Buffer<ArrayBuffer>);
  } catch (e) {
    fail(`cannot unmarshal TSTInfo from timestamp token: ${(e as Error).message}`);
  }
  const policy = child(tst, 1, 'TSTInfo policy').toOID();
  const imprint = child(tst, 2, 'messageImprint');
  const genTime = generalizedTime(child(tst, 4, 'genTime'));
  let accuracyMs: number | undefined;
  const acc = tst.subs[5];
  if (acc && acc.tag.constructed && acc.tag.number === 0x10) {
    accuracyMs = 0;
    for (const a of acc.subs) {
      if (a.tag.isContextSpecific(0)) accuracyMs += Number(BigInt('0x' + (Buffer.from(a.value).toString('hex') || '0')));
      else if (a.tag.isContextSpecific(1)) accuracyMs += Number(BigInt('0x' + (Buffer.from(a.value).toString('hex') || '0'))) / 1000;
      else accuracyMs += integer(a) * 1000;
    }
  }
  // certificates [0] IMPLICIT, crls [1]; signerInfos is the last element.
  const certs: Certificate[] = [];
  for (const sub of sd.subs.slice(3, -1)) {
    if (!sub.tag.isContextSpecific(0)) continue;
    sub.subs.forEach((c, i) => {
      try {
        certs.push(parseCertificate(c.toDER(), `timestamp token certificate ${i}`));
      } catch (e) {
        if (!(e instanceof CertificateError)) throw e;
      }
    });
  }
  const signerInfos = sd.subs[sd.subs.length - 1]!;
  if (signerInfos.subs.length !== 1) fail(`the timestamp token has ${signerInfos.subs.length} signer infos, expected 1`);
  const si = signerInfos.subs[0]!;
  const sid = child(si, 1, 'signer identifier');
  const signer = sid.tag.isContextSpecific(0) ? { ski: Buffer.from(sid.value) } : { issuer: Buffer.from(child(sid, 0, 'issuer').value), serial: Buffer.from(child(sid, 1, 'serial').value) };
  const signerDigest = digestOf(child(si, 2, 'digestAlgorithm'), 'signer digest algorithm');
  let k = 3;
  let signedAttrs: ASN1Obj | undefined;
  if (si.subs[k]?.tag.isContextSpecific(0)) signedAttrs = si.subs[k++];
  const signatureAlg = child(child(si, k, 'signatureAlgorithm'), 0, 'signatureAlgorithm').toOID();
  const signature = Buffer.from(child(si, k + 1, 'signature').value);
  return {
    tstInfoDer,
    digestOfImprint: digestOf(child(imprint, 0, 'hashAlgorithm'), 'message imprint'),
    hashedMessage: Buffer.from(child(imprint, 1, 'hashedMessage').value),
    genTime,
    accuracyMs,
    policy,
    certs,
    signer,
    signerDigest,
    ...(signedAttrs ? { signedAttrs } : {}),
    signatureAlg,
    signature,
  };
}

function attribute(attrs: ASN1Obj, oid: string): ASN1Obj | undefined {
  const a = attrs.subs.find((s) => s.subs[0]?.tag.isOID() && s.subs[0].toOID() === oid);
  return a?.subs[1]?.subs[0];
}

function findSigner(t: ParsedToken): Certificate {
  const c = t.certs.find((c) => {
    if (t.signer.ski) return c.parsed.extSubjectKeyID?.keyIdentifier.equals(t.signer.ski) === true;
    return Buffer.compare(c.parsed.issuer, t.signer.issuer!) === 0 && Buffer.compare(c.parsed.serialNumber, t.signer.serial!) === 0;
  });
  if (!c) fail('signing certificate not found in the timestamp token');
  return c;
}

function verifyCmsSignature(t: ParsedToken, signer: Certificate): void {
  if (!t.signedAttrs) fail('the timestamp token has no signed attributes');
  const ct = attribute(t.signedAttrs, OIDS.contentType);
  if (!ct || ct.toOID() !== OIDS.tstInfo) fail('the content-type signed attribute is not id-ct-TSTInfo');
  const md = attribute(t.signedAttrs, OIDS.messageDigest);
  const expected = createHash(t.signerDigest).update(t.tstInfoDer).digest();
  if (!md || !Buffer.from(md.value).equals(expected)) fail('the message-digest signed attribute does not match the TSTInfo');
  // ESS signing-certificate-v2 (RFC 5035): binds the signer certificate; the first ESSCertIDv2 names it.
  const scv2 = attribute(t.signedAttrs, OIDS.signingCertificateV2);
  if (!scv2) fail('the timestamp token has no signing-certificate-v2 attribute');
  const first = child(child(scv2, 0, 'certs'), 0, 'ESSCertIDv2');
  let hash: 'sha1' | 'sha256' | 'sha384' | 'sha512' = 'sha256';
  let certHash = first.subs[0]!;
  if (certHash.tag.constructed) {
    hash = digestOf(certHash, 'ESSCertIDv2 hashAlgorithm');
    certHash = child(first, 1, 'ESSCertIDv2 certHash');
  }
  if (!Buffer.from(certHash.value).equals(createHash(hash).update(signer.der).digest())) fail('the signing-certificate-v2 attribute does not name the signing certificate');
  const data = t.signedAttrs.toDER();
  data[0] = 0x31; // signed over as a SET OF, not the [0] IMPLICIT tag (RFC 5652 5.4)
  const alg = SIGNATURES[t.signatureAlg];
  if (!alg) fail(`unsupported timestamp signature algorithm ${t.signatureAlg}`);
  const hashName = alg.hash ?? t.signerDigest;
  const key = signer.node.publicKey;
  let ok = false;
  try {
    ok =
      alg.kind === 'pss'
        ? cryptoVerify(hashName, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, t.signature)
        : cryptoVerify(hashName, data, key, t.signature);
  } catch {
    ok = false;
  }
  if (!ok) fail('the timestamp token signature does not verify with its signing certificate');
}

/** notation-core-go ValidateTimestampingCertChain, leaf requirements: timeStamping as the only, critical EKU. */
function validateTsaLeaf(c: Certificate): void {
  if (basicConstraints(c)?.ca) fail(`timestamp signing certificate ${JSON.stringify(c.subject)}: the ca field must be false`);
  const ku = keyUsage(c);
  if (!ku) fail(`timestamp signing certificate ${JSON.stringify(c.subject)}: key usage extension must be present`);
  if (!ku.bits.has('digitalSignature')) fail(`timestamp signing certificate ${JSON.stringify(c.subject)}: key usage must have "Digital Signature" set`);
  const eku = extendedKeyUsage(c);
  if (!eku || eku.oids.length !== 1 || eku.oids[0] !== EKU_TIMESTAMPING) fail(`timestamp signing certificate ${JSON.stringify(c.subject)} must have and only have Timestamping as extended key usage`);
  if (!eku.critical) fail(`timestamp signing certificate ${JSON.stringify(c.subject)} must have extended key usage extension marked as critical`);
}

/** The chain from the TSA certificate to a trusted root, built from the token's certificates (x509.Verify). */
function buildChain(signer: Certificate, pool: Certificate[], roots: Certificate[], at: Date): Certificate[] {
  const chain = [signer];
  for (let depth = 0; depth < 8; depth++) {
    const cur = chain[chain.length - 1]!;
    if (at < cur.notBefore || at > cur.notAfter) fail(`certificate ${JSON.stringify(cur.subject)} was not valid at the timestamp time ${at.toISOString()}`);
    if (roots.some((r) => r.der.equals(cur.der))) return chain;
    const root = roots.find((r) => issuedBy(cur, r) === undefined);
    if (root) {
      if (at < root.notBefore || at > root.notAfter) fail(`TSA root ${JSON.stringify(root.subject)} was not valid at the timestamp time`);
      return [...chain, root];
    }
    const next = pool.find((p) => !chain.includes(p) && !isSelfSigned(p, true) && issuedBy(cur, p) === undefined);
    if (!next) break;
    chain.push(next);
  }
  fail('the timestamp certificate chain does not lead to a certificate of the tsa trust store (certificate signed by unknown authority)');
}

/**
 * Verifies `token` as a countersignature over `signature` against the TSA trust roots. Returns the timestamp range,
 * or throws TimestampError.
 */
export function verifyTimestampToken(token: Buffer, signature: Buffer, roots: Certificate[]): VerifiedTimestamp {
  if (roots.length === 0) fail('no trusted TSA certificate found in trust store');
  const t = parseToken(token);
  // TSTInfo.messageImprint must be the hash of the primitive signature (tspclient-go TSTInfo.Validate).
  if (!createHash(t.digestOfImprint).update(signature).digest().equals(t.hashedMessage)) fail('invalid TSTInfo: mismatched message');
  const signer = findSigner(t);
  verifyCmsSignature(t, signer);
  const chain = buildChain(signer, t.certs, roots, t.genTime);
  validateTsaLeaf(chain[0]!);
  // RFC 3628 baseline policy without an explicit accuracy: 1 second; otherwise the stated accuracy, or 0.
  const acc = t.accuracyMs ?? (t.policy === OIDS.baselinePolicy ? 1000 : 0);
  return {
    genTime: t.genTime,
    lower: new Date(t.genTime.getTime() - acc),
    upper: new Date(t.genTime.getTime() + acc),
    tsa: chain[0]!.subject,
  };
}
