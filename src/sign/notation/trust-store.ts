import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CertificateError, isSelfSigned, parseCertificateFile, type Certificate } from './certificates.js';
import type { TrustStoreType } from './trust-policy.js';

/**
 * Notary Project trust stores (trust-store-trust-policy.md "Trust Store"; notation-go verifier/truststore):
 * `<dir>/x509/{ca,signingAuthority,tsa}/<name>/*` with PEM or DER certificates. Named stores and certificate files
 * must not be symlinks; sub directories of a named store are ignored (the spec says so; notation-go refuses them,
 * Tollgate follows the spec and reports them). Certificates must be CA or self-signed; TSA roots must be root CAs.
 */
export interface NotationTrustStore {
  /** Certificates of `type:name`; throws TrustStoreError when the store is missing, empty or invalid. */
  certificates(type: TrustStoreType, name: string): Promise<Certificate[]>;
}

export class TrustStoreError extends Error {}

const CERT_EXTENSIONS = new Set(['.pem', '.crt', '.cer', '.der']);

function checkTrusted(certs: Certificate[], type: TrustStoreType, what: string): void {
  for (const c of certs) {
    const ca = c.parsed.extBasicConstraints?.isCA === true;
    if (!ca && !isSelfSigned(c, false)) throw new TrustStoreError(`${what}: certificate ${JSON.stringify(c.subject)} is not a CA certificate or self-signed signing certificate`);
    if (type === 'tsa' && !isSelfSigned(c, false)) throw new TrustStoreError(`${what}: certificate ${JSON.stringify(c.subject)} is not a root CA certificate`);
  }
}

/** A trust store directory (the folder holding `x509/`). */
export class DirectoryTrustStore implements NotationTrustStore {
  private readonly cache = new Map<string, Promise<Certificate[]>>();
  constructor(readonly dir: string) {}

  certificates(type: TrustStoreType, name: string): Promise<Certificate[]> {
    const key = `${type}:${name}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.load(type, name);
      this.cache.set(key, p);
    }
    return p;
  }

  private async load(type: TrustStoreType, name: string): Promise<Certificate[]> {
    if (!/^[a-zA-Z0-9_.-]+$/.test(name)) throw new TrustStoreError(`trust store name needs to follow [a-zA-Z0-9_.-]+ format, ${name} is invalid`);
    const storeDir = path.join(this.dir, 'x509', type, name);
    const st = await lstat(storeDir).catch(() => undefined);
    if (!st) throw new TrustStoreError(`the trust store ${JSON.stringify(name)} of type ${JSON.stringify(type)} does not exist (${storeDir})`);
    if (st.isSymbolicLink() || !st.isDirectory()) throw new TrustStoreError(`the trust store ${name} of type ${type} with path ${storeDir} is not a regular directory (symlinks are not supported)`);
    const certs: Certificate[] = [];
    for (const entry of (await readdir(storeDir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(storeDir, entry.name);
      if (entry.isDirectory()) continue; // the spec: sub directories of a named store are ignored
      if (entry.isSymbolicLink()) throw new TrustStoreError(`trusted certificate ${file} is a symlink (symlinks are not supported)`);
      if (!entry.isFile() || !CERT_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) continue;
      let found: Certificate[];
      try {
        found = parseCertificateFile(await readFile(file), file);
      } catch (e) {
        if (e instanceof CertificateError) throw new TrustStoreError(`failed to read the trusted certificate ${file}: ${e.message}`);
        throw e;
      }
      checkTrusted(found, type, file);
      certs.push(...found);
    }
    if (certs.length === 0) throw new TrustStoreError(`no x509 certificates were found in trust store ${JSON.stringify(name)} of type ${JSON.stringify(type)} (${storeDir})`);
    return certs;
  }
}

/** A trust store held in memory (inline PEM trust anchors, as admission policies carry them). */
export class MemoryTrustStore implements NotationTrustStore {
  private readonly stores = new Map<string, Certificate[]>();

  /** `pem` is one or more PEM certificates (or a DER certificate); invalid input throws TrustStoreError. */
  add(type: TrustStoreType, name: string, pemOrDer: Buffer | string): this {
    const bytes = typeof pemOrDer === 'string' ? Buffer.from(pemOrDer, 'utf8') : pemOrDer;
    let certs: Certificate[];
    try {
      certs = parseCertificateFile(bytes, `trust store ${type}:${name}`);
    } catch (e) {
      if (e instanceof CertificateError) throw new TrustStoreError(e.message);
      throw e;
    }
    checkTrusted(certs, type, `trust store ${type}:${name}`);
    this.stores.set(`${type}:${name}`, [...(this.stores.get(`${type}:${name}`) ?? []), ...certs]);
    return this;
  }

  certificates(type: TrustStoreType, name: string): Promise<Certificate[]> {
    const certs = this.stores.get(`${type}:${name}`);
    if (!certs?.length) return Promise.reject(new TrustStoreError(`the trust store ${JSON.stringify(name)} of type ${JSON.stringify(type)} does not exist`));
    return Promise.resolve(certs);
  }
}
