import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** A root CA and a code-signing leaf made in a test, for Notation signatures. */
export interface NotationPki {
  caPem: string;
  leafKey: KeyObject;
  /** Leaf then root, PEM. */
  chainPem: string;
  leafDer: Buffer;
  caDer: Buffer;
}

function toForge(key: KeyObject): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }).toString());
}

/**
 * RSA 2048 (PS256) root CA "C=US, ST=WA, O=<org>, CN=<org> Root" and leaf "C=US, ST=WA, O=<org>, CN=<leafCN>", per
 * the Notary Project certificate requirements (CA: basicConstraints critical, keyCertSign; leaf: digitalSignature
 * critical, extKeyUsage codeSigning). Valid from an hour ago: the CA a year, the leaf 30 days.
 */
export function makeNotationPki(org: string, leafCN = 'signer'): NotationPki {
  const ca = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const leaf = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = forge.pki.publicKeyFromPem(ca.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  caCert.serialNumber = '01';
  caCert.validity.notBefore = new Date(now - 3600_000);
  caCert.validity.notAfter = new Date(now + 365 * 86400_000);
  const caName = [{ shortName: 'C', value: 'US' }, { shortName: 'ST', value: 'WA' }, { shortName: 'O', value: org }, { shortName: 'CN', value: `${org} Root` }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]);
  caCert.sign(toForge(ca.privateKey), forge.md.sha256.create());
  const leafCert = forge.pki.createCertificate();
  leafCert.publicKey = forge.pki.publicKeyFromPem(leaf.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  leafCert.serialNumber = '02';
  leafCert.validity.notBefore = new Date(now - 3600_000);
  leafCert.validity.notAfter = new Date(now + 30 * 86400_000);
  leafCert.setSubject([{ shortName: 'C', value: 'US' }, { shortName: 'ST', value: 'WA' }, { shortName: 'O', value: org }, { shortName: 'CN', value: leafCN }]);
  leafCert.setIssuer(caName);
  leafCert.setExtensions([{ name: 'keyUsage', digitalSignature: true, critical: true }, { name: 'extKeyUsage', codeSigning: true }]);
  leafCert.sign(toForge(ca.privateKey), forge.md.sha256.create());
  const caPem = forge.pki.certificateToPem(caCert);
  const der = (c: forge.pki.Certificate) => Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes(), 'binary');
  return { caPem, leafKey: leaf.privateKey, chainPem: forge.pki.certificateToPem(leafCert) + caPem, leafDer: der(leafCert), caDer: der(caCert) };
}
