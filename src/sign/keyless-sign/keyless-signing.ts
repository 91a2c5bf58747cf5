import { generateKeyPairSync, sign as cryptoSign, X509Certificate, type KeyObject } from 'node:crypto';
import { bundleToJSON, type Bundle, type TransparencyLogEntry } from '@sigstore/bundle';
import {
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  DSSEBundleBuilder,
  InternalError,
  MessageSignatureBundleBuilder,
  RekorWitness,
  TSAWitness,
  type BundleBuilder,
  type Signer as SigstoreSigner,
  type Witness,
} from '@sigstore/sign';
// FulcioSigner's own Fulcio client. FulcioSigner keeps only the leaf of the chain Fulcio returns (cosign stores the
// rest in the dev.sigstore.cosign/chain annotation) and asks for a new certificate on every signature (cosign asks
// once per run); so KeylessSigning drives the same client itself. @sigstore/sign has no "exports" map: this path is
// reachable, and pinned by the package version.
import { CAClient } from '@sigstore/sign/dist/signer/fulcio/ca.js';
import { SignError, UsageError, type EventSink } from '../../core/index.js';
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope } from '../dsse.js';
import type { Signer, SigningMethod } from '../signer.js';
import { keylessLayerAnnotations, type CertificateChainPem } from './cosign-annotations.js';
import { parseIdentityToken, type IdentityToken } from './identity-token.js';

export { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL };

export interface KeylessSigningOptions {
  /** The OIDC identity token (a JWT), as given. */
  identityToken: string;
  /** Where the token came from, for messages ("--identity-token", "SIGSTORE_ID_TOKEN"). */
  tokenSource?: string;
  /** Fulcio's base URL (default https://fulcio.sigstore.dev). */
  fulcioUrl?: string;
  /** Rekor's base URL (default https://rekor.sigstore.dev). */
  rekorUrl?: string;
  /** An RFC 3161 timestamp authority's base URL (Sigstore TSA API, POST /api/v1/timestamp); none by default. */
  timestampServerUrl?: string;
  /**
   * The key Fulcio certifies. Default: a fresh ECDSA P-256 key made in memory for this run, never written or shown
   * (cosign's ephemeral key). Any `Signer` with an ECDSA P-256 key (a KMS key) can take its place.
   */
  key?: Signer;
  /** Retries of a failed request (network error, 5xx, 408, 429); sigstore-js' default 2. */
  retries?: number;
  /** Per-request timeout in milliseconds; sigstore-js' default 5000. */
  timeoutMs?: number;
  events?: EventSink;
}

/** What the certificate says, for messages and results. */
export interface KeylessCertificate {
  /** The subject alternative name Fulcio wrote (an email address or URI). */
  subject: string;
  /** The OIDC issuer of the token (the certificate's issuer extension). */
  issuer: string;
  notBefore: string;
  notAfter: string;
}

/** One transparency-log entry made while signing. */
export interface KeylessLogEntry {
  rekorUrl: string;
  kind: string;
  logIndex: string;
  integratedTime: string;
}

/** cosign's ephemeral key: generated in memory, held only by this closure, gone with the process. */
export function ephemeralKey(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    algorithm: 'ecdsa-p256-sha256',
    description: 'an ephemeral key',
    publicKey: async () => publicKey,
    sign: async (data) => cryptoSign('sha256', data, privateKey),
  };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function checkUrl(url: string, flag: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError('INVALID_ARGUMENT', `${flag} ${url} is not an http(s) URL`);
  return stripSlash(url);
}

/** The Subject Alternative Name of a Fulcio certificate: Node prints it as `URI:…` or `email:…`. */
function sanOf(cert: X509Certificate): string {
  const san = cert.subjectAltName ?? '';
  const first = san.split(', ')[0] ?? '';
  const i = first.indexOf(':');
  return i >= 0 ? first.slice(i + 1) : first;
}

/**
 * Keyless signing as `cosign sign` / `cosign attest` without --key do it: Fulcio certifies an ephemeral key for the
 * identity in the OIDC token (once per run), each signature is made with that key and recorded in Rekor (and,
 * with a timestamp authority, timestamped), and the result is stored with the certificate, its chain and the Rekor
 * entry. Bundles and Rekor entries are built by @sigstore/sign (MessageSignatureBundleBuilder for the `.sig`
 * payload → hashedrekord; DSSEBundleBuilder for attestations → intoto, and for bundles → dsse, the entry kinds
 * cosign 2 and cosign 3 write).
 */
export class KeylessSigning implements SigningMethod {
  readonly description: string;
  /** Whom the certificate will name (the token's claims; the token itself stays in #token). */
  readonly identity: Omit<IdentityToken, 'token'>;
  readonly fulcioUrl: string;
  readonly rekorUrl: string;
  readonly timestampServerUrl: string | undefined;
  /** The Rekor entries written so far. */
  readonly logEntries: KeylessLogEntry[] = [];
  private readonly key: Signer;
  private readonly fetchOptions: { retry: { retries: number }; timeout: number };
  private readonly events: EventSink | undefined;
  private certified: Promise<{ pem: CertificateChainPem; certificate: KeylessCertificate }> | undefined;
  /** A bearer credential: an ECMAScript private field, so that no inspection or serialization of this object shows it. */
  readonly #token: string;

  constructor(options: KeylessSigningOptions) {
    const { token, ...identity } = parseIdentityToken(options.identityToken, options.tokenSource ?? 'the identity token');
    this.#token = token;
    this.identity = identity;
    this.fulcioUrl = checkUrl(options.fulcioUrl ?? DEFAULT_FULCIO_URL, '--fulcio-url');
    this.rekorUrl = checkUrl(options.rekorUrl ?? DEFAULT_REKOR_URL, '--rekor-url');
    this.timestampServerUrl = options.timestampServerUrl ? checkUrl(options.timestampServerUrl, '--timestamp-server-url') : undefined;
    this.key = options.key ?? ephemeralKey();
    this.fetchOptions = { retry: { retries: options.retries ?? 2 }, timeout: options.timeoutMs ?? 5000 };
    this.events = options.events;
    this.description = `a certificate from ${this.fulcioUrl} for ${this.identity.subject}`;
  }

  /** The certificate, once obtained (undefined before the first signature). */
  async certificate(): Promise<KeylessCertificate | undefined> {
    return this.certified ? (await this.certified).certificate : undefined;
  }

  private redact(text: string): string {
    return text.split(this.#token).join('[identity token]');
  }

  private describe(e: unknown): string {
    const cause = e instanceof InternalError && e.cause !== undefined ? e.cause : e;
    const status = (cause as { statusCode?: unknown }).statusCode;
    const message = cause instanceof Error ? cause.message : String(cause);
    // HTTPError's message is "(status) body message"; network errors carry a code (ECONNREFUSED, ETIMEDOUT…).
    const code = (cause as { code?: unknown }).code;
    const detail = typeof status === 'number' ? `HTTP ${message}` : typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
    return this.redact(detail);
  }

  private certify(): Promise<{ pem: CertificateChainPem; certificate: KeylessCertificate }> {
    this.certified ??= (async () => {
      if (this.key.algorithm !== 'ecdsa-p256-sha256') {
        throw new SignError('UNSUPPORTED_KEY', `Fulcio certifies ECDSA P-256 keys; ${this.key.description} is ${this.key.algorithm}`);
      }
      if (this.identity.expiresAt && this.identity.expiresAt.getTime() < Date.now()) {
        this.events?.({ type: 'warning', code: 'IDENTITY_TOKEN_EXPIRED', message: `the identity token expired at ${this.identity.expiresAt.toISOString()}; Fulcio will probably refuse it` });
      }
      const publicKey = await this.key.publicKey();
      const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
      // Proof of possession: the identity the certificate will name, signed with the key (Fulcio's challenge).
      const challenge = await this.key.sign(Buffer.from(this.identity.subject, 'utf8'));
      const ca = new CAClient({ fulcioBaseURL: this.fulcioUrl, ...this.fetchOptions });
      let chain: string[];
      try {
        chain = await ca.createSigningCertificate(this.#token, pem, challenge);
      } catch (e) {
        throw new SignError('SIGNING_FAILED', `Fulcio at ${this.fulcioUrl} did not issue a certificate: ${this.describe(e)}`, { cause: e });
      }
      return this.checkChain(chain, publicKey);
    })();
    return this.certified;
  }

  private checkChain(chain: unknown, publicKey: KeyObject): { pem: CertificateChainPem; certificate: KeylessCertificate } {
    const where = `Fulcio at ${this.fulcioUrl}`;
    if (!Array.isArray(chain) || chain.length === 0 || !chain.every((c) => typeof c === 'string')) {
      throw new SignError('SIGNING_FAILED', `${where} answered without a certificate chain`);
    }
    let certs: X509Certificate[];
    try {
      certs = (chain as string[]).map((c) => new X509Certificate(c));
    } catch (e) {
      throw new SignError('SIGNING_FAILED', `${where} sent a certificate that does not parse (${(e as Error).message})`, { cause: e });
    }
    const leaf = certs[0]!;
    if (!leaf.publicKey.equals(publicKey)) throw new SignError('SIGNING_FAILED', `${where} issued a certificate for another key than the one it was asked to certify`);
    return {
      // Stored as Fulcio sent them, the rest of the chain concatenated, as cosign stores Fulcio's response.
      pem: { leaf: (chain as string[])[0]!, chain: (chain as string[]).slice(1).join('') },
      certificate: { subject: sanOf(leaf), issuer: this.identity.issuer, notBefore: new Date(leaf.validFrom).toISOString(), notAfter: new Date(leaf.validTo).toISOString() },
    };
  }

  /** @sigstore/sign's Signer: our key's signature, with the Fulcio leaf as key material. */
  private async sigstoreSigner(): Promise<{ signer: SigstoreSigner; pem: CertificateChainPem }> {
    const { pem } = await this.certify();
    return { signer: { sign: async (data) => ({ signature: await this.key.sign(data), key: { $case: 'x509Certificate', certificate: pem.leaf } }) }, pem };
  }

  private witnesses(entryType: 'dsse' | 'intoto'): Witness[] {
    const w: Witness[] = [new RekorWitness({ rekorBaseURL: this.rekorUrl, entryType, ...this.fetchOptions })];
    if (this.timestampServerUrl) w.push(new TSAWitness({ tsaBaseURL: this.timestampServerUrl, ...this.fetchOptions }));
    return w;
  }

  private async build(builder: BundleBuilder, data: Buffer, type: string | undefined): Promise<Bundle> {
    let bundle: Bundle;
    try {
      bundle = await builder.create(type === undefined ? { data } : { data, type });
    } catch (e) {
      if (e instanceof SignError) throw e;
      const code = e instanceof InternalError ? e.code : '';
      if (code.startsWith('TSA_')) {
        throw new SignError('SIGNING_FAILED', `the timestamp authority at ${this.timestampServerUrl} did not timestamp the signature: ${this.describe(e)}`, { cause: e });
      }
      if (code.startsWith('TLOG_')) {
        throw new SignError('SIGNING_FAILED', `Rekor at ${this.rekorUrl} did not record the signature: ${this.describe(e)}`, { cause: e });
      }
      throw new SignError('SIGNING_FAILED', `keyless signing failed: ${this.describe(e)}`, { cause: e });
    }
    for (const entry of bundle.verificationMaterial.tlogEntries) this.logEntries.push(this.record(entry));
    return bundle;
  }

  private record(entry: TransparencyLogEntry): KeylessLogEntry {
    return { rekorUrl: this.rekorUrl, kind: entry.kindVersion?.kind ?? '', logIndex: entry.logIndex, integratedTime: entry.integratedTime };
  }

  async signPayload(payload: Buffer): Promise<Record<string, string>> {
    const { signer, pem } = await this.sigstoreSigner();
    const bundle = await this.build(new MessageSignatureBundleBuilder({ signer, witnesses: this.witnesses('dsse') }), payload, undefined);
    if (bundle.content.$case !== 'messageSignature') throw new SignError('SIGNING_FAILED', 'expected a message-signature bundle');
    return keylessLayerAnnotations(Buffer.from(bundle.content.messageSignature.signature), pem, bundle, 'signature');
  }

  async signAttestationLayer(statement: Buffer): Promise<{ envelope: Buffer; annotations: Record<string, string> }> {
    const { signer, pem } = await this.sigstoreSigner();
    // cosign ≤ 2 records `.att` attestations as intoto entries (cosign TLogUploadInTotoAttestation).
    const bundle = await this.build(new DSSEBundleBuilder({ signer, witnesses: this.witnesses('intoto') }), statement, IN_TOTO_PAYLOAD_TYPE);
    if (bundle.content.$case !== 'dsseEnvelope') throw new SignError('SIGNING_FAILED', 'expected a DSSE bundle');
    const e = bundle.content.dsseEnvelope;
    const envelope = serializeEnvelope({
      payloadType: e.payloadType,
      payload: Buffer.from(e.payload),
      signatures: e.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig) })),
    });
    return { envelope, annotations: keylessLayerAnnotations(undefined, pem, bundle, 'attestation') };
  }

  async signBundle(statement: Buffer): Promise<Buffer> {
    const { signer } = await this.sigstoreSigner();
    // cosign 3 records bundles as dsse entries; the bundle holds the leaf only (v0.3 "certificate").
    const bundle = await this.build(new DSSEBundleBuilder({ signer, witnesses: this.witnesses('dsse') }), statement, IN_TOTO_PAYLOAD_TYPE);
    const json = bundleToJSON(bundle);
    // sigstore-go leaves an empty DSSE keyid out, as key-signed bundles do here (sigstore-bundle.ts).
    for (const s of json.dsseEnvelope?.signatures ?? []) if (!s.keyid) delete (s as { keyid?: string }).keyid;
    return Buffer.from(JSON.stringify(json), 'utf8');
  }

  /** Every keyless signature has a key of its own run: never a duplicate of an earlier one (as in cosign). */
  async dedupeKey(): Promise<undefined> {
    return undefined;
  }
}
