import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import forge from 'node-forge';
import { UsageError } from '../core/index.js';

/**
 * `tollgate webhook certs`: a private CA and a serving certificate for the webhook's Service, what kube-apiserver
 * needs to call it over TLS (the CA goes into the webhook configurations' `caBundle`). Node can verify X.509 but not
 * create it, so the certificates are built with node-forge; the RSA keys come from node:crypto.
 *
 * The serving certificate names `NAME`, `NAME.NS`, `NAME.NS.svc` and `NAME.NS.svc.cluster.local` (kube-apiserver
 * calls `NAME.NS.svc`), carries serverAuth extended key usage, and lives a year by default; the CA ten.
 */
export interface WebhookCertsOptions {
  service: string;
  namespace: string;
  /** Validity of the serving certificate in days (default 365). */
  days?: number;
  /** Validity of the CA in days (default 3650). */
  caDays?: number;
  now?: Date;
}

export interface WebhookCerts {
  caCert: string;
  caKey: string;
  tlsCert: string;
  tlsKey: string;
  dnsNames: string[];
  /** base64 of the CA PEM, for `clientConfig.caBundle`. */
  caBundle: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function rsaKeyPair(): { privatePem: string; forgePrivate: forge.pki.rsa.PrivateKey; forgePublic: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    privatePem,
    forgePrivate: forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey,
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
  };
}

/** A positive 128-bit serial (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). */
function serial(): string {
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  return b.toString('hex');
}

export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export function createWebhookCerts(options: WebhookCertsOptions): WebhookCerts {
  const { service, namespace } = options;
  if (!DNS_LABEL.test(service) || service.length > 63) throw new UsageError('INVALID_ARGUMENT', `--service ${JSON.stringify(service)} is not a valid Service name (RFC 1123 label)`);
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new UsageError('INVALID_ARGUMENT', `--namespace ${JSON.stringify(namespace)} is not a valid namespace name (RFC 1123 label)`);
  const now = options.now ?? new Date();
  // Backdated a little: nodes whose clocks lag must not see a certificate from the future.
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const days = options.days ?? 365;
  const caDays = options.caDays ?? 3650;
  if (!(days >= 1) || !(caDays >= days)) throw new UsageError('INVALID_ARGUMENT', `certificate validity must be at least a day and not outlive the CA (${days} / ${caDays} days)`);

  const ca = rsaKeyPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.forgePublic;
  caCert.serialNumber = serial();
  caCert.validity.notBefore = notBefore;
  caCert.validity.notAfter = new Date(now.getTime() + caDays * 86_400_000);
  const caName = [{ name: 'commonName', value: `tollgate-webhook-ca ${namespace}/${service}` }, { name: 'organizationName', value: 'tollgate' }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.forgePrivate, forge.md.sha256.create());

  const leaf = rsaKeyPair();
  const dnsNames = serviceDnsNames(service, namespace);
  const cert = forge.pki.createCertificate();
  cert.publicKey = leaf.forgePublic;
  cert.serialNumber = serial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(now.getTime() + days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: `${service}.${namespace}.svc` }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: dnsNames.map((value) => ({ type: 2, value })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.forgePrivate, forge.md.sha256.create());

  const caPem = forge.pki.certificateToPem(caCert);
  const tlsPem = forge.pki.certificateToPem(cert);
  // Read back with node:crypto: what we hand out must be what Node (and Go) will parse.
  const check = new X509Certificate(tlsPem);
  if (!check.verify(new X509Certificate(caPem).publicKey)) throw new Error('the serving certificate does not verify with the new CA');
  return { caCert: caPem, caKey: ca.privatePem, tlsCert: tlsPem, tlsKey: leaf.privatePem, dnsNames, caBundle: Buffer.from(caPem).toString('base64') };
}

export const CERT_FILES = { caCert: 'ca.crt', caKey: 'ca.key', tlsCert: 'tls.crt', tlsKey: 'tls.key' } as const;

/** Writes ca.crt, ca.key, tls.crt, tls.key (the kubernetes.io/tls Secret's names); keys 0600. Never overwrites without `force`. */
export async function writeWebhookCerts(dir: string, certs: WebhookCerts, options: { force?: boolean } = {}): Promise<Record<keyof typeof CERT_FILES, string>> {
  await mkdir(dir, { recursive: true });
  const files = Object.fromEntries(Object.entries(CERT_FILES).map(([k, name]) => [k, path.join(dir, name)])) as Record<keyof typeof CERT_FILES, string>;
  if (!options.force) {
    for (const f of Object.values(files)) {
      const exists = await access(f).then(
        () => true,
        () => false,
      );
      if (exists) throw new UsageError('KEY_EXISTS', `${f} exists; remove it or pass --force to replace the certificates`);
    }
  }
  for (const k of ['caKey', 'tlsKey'] as const) {
    await writeFile(files[k], certs[k], { mode: 0o600 });
    await chmod(files[k], 0o600);
  }
  await writeFile(files.caCert, certs.caCert, { mode: 0o644 });
  await writeFile(files.tlsCert, certs.tlsCert, { mode: 0o644 });
  return files;
}
