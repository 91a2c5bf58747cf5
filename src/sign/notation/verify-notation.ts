import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageError, SignError, UsageError, type EventSink, type SignErrorCode } from '../../core/index.js';
import { parseManifestOrIndex, type Descriptor } from '../../oci/index.js';
import type { ArtifactSource, SignRegistry } from '../artifact-source.js';
import { blobRejection } from '../bundle-referrers.js';
import { openArtifactSource } from '../open-source.js';
import { hasRevocationInfo, type Certificate } from './certificates.js';
import { DistinguishedNameError, isSubsetDN, subjectMap } from './distinguished-name.js';
import {
  checkPrimitiveSignature,
  decodeEnvelope,
  EnvelopeError,
  HEADERS,
  PAYLOAD_CONTENT_TYPE,
  SCHEME_SIGNING_AUTHORITY,
  SCHEME_X509,
  type Envelope,
  type EnvelopeType,
} from './envelope.js';
import { NOTATION_SIGNATURE_ARTIFACT_TYPE, ENVELOPE_MEDIA_TYPES, MAX_ENVELOPE_BYTES } from './media-types.js';
import { TimestampError, verifyTimestampToken } from './timestamp.js';
import { applicablePolicy, parseTrustPolicy, type TrustPolicyDocument, type TrustPolicyStatement, type TrustStoreType, type ValidationAction, type ValidationType } from './trust-policy.js';
import { DirectoryTrustStore, TrustStoreError, type NotationTrustStore } from './trust-store.js';

/**
 * Notation (Notary Project v1) signature verification of an image (trust-store-trust-policy.md "Signature
 * Verification", signing-and-verification-workflow.md; notation-go verifier.Verify): signatures are the OCI 1.1
 * referrers of the image whose artifactType is application/vnd.cncf.notary.signature; each is checked for
 * integrity, authenticity, expiry, authentic timestamp and revocation, each check enforced, logged or skipped as the
 * applicable trust policy statement says. Revocation (OCSP/CRL) is not checked: it is reported as `not-checked`.
 */
export type CheckOutcome = 'passed' | 'failed' | 'skipped' | 'not-checked';

export interface NotationCheck {
  type: ValidationType;
  action: ValidationAction;
  outcome: CheckOutcome;
  code?: SignErrorCode;
  message?: string;
}

export interface VerifiedNotationSignature {
  /** The image digest the signature covers. */
  digest: string;
  /** The signing (leaf) certificate's subject DN, as Go prints it: `CN=…,O=…,C=…`. */
  subject: string;
  /** `notation:<type>:<store>` of the trust store that holds a certificate of the chain; absent when authenticity failed but was only logged. */
  anchorId?: string;
  /** `sha256:<hex>` of the trust store certificate the chain led to. */
  anchorCertificate?: string;
  /** A trusted signing time, ISO 8601: the authentic signing time (signingAuthority) or a verified RFC 3161 timestamp. */
  signedAt?: string;
  /** Where `signedAt` comes from. */
  signedAtSource?: 'authenticSigningTime' | 'timestamp';
  /** The signer's own claim (io.cncf.notary.signingTime), not authenticated. */
  signingTime: string;
  expiry?: string;
  signingScheme: typeof SCHEME_X509 | typeof SCHEME_SIGNING_AUTHORITY;
  envelopeType: EnvelopeType;
  /** `referrer sha256:…` */
  location: string;
  /** targetArtifact.annotations of the signed payload (user metadata). */
  annotations?: Record<string, string>;
  /** SHA-256 fingerprints of the envelope's certificate chain, leaf first. */
  certificateChain: string[];
  /** Every check, with the level's action and its outcome; `failed` ones here were only logged. */
  checks: NotationCheck[];
}

export interface RejectedNotationSignature {
  code: SignErrorCode;
  message: string;
  location: string;
  checks?: NotationCheck[];
}

export interface VerifyNotationResult {
  image: string;
  digest: string;
  /** What the trust policy was selected by: `registry/repository`, or `local/<dir>` for an OCI layout. */
  scope: string;
  policy: { name: string; level: TrustPolicyStatement['level'] };
  /** The level is `skip`: no signature was looked at, the image is accepted as Notation does. */
  skipped: boolean;
  verified: VerifiedNotationSignature[];
  rejected: RejectedNotationSignature[];
}

export interface VerifyNotationOptions {
  /** A registry reference, or `oci-dir:PATH[:TAG]`. */
  image: string;
  registry?: SignRegistry;
  /** A parsed policy, its JSON (object, string or bytes), or a file path. */
  trustPolicy: TrustPolicyDocument | string | Buffer | Record<string, unknown>;
  /** The folder holding `x509/{ca,signingAuthority,tsa}/<name>/`; or give `trustStore`. */
  trustStoreDir?: string;
  trustStore?: NotationTrustStore;
  /** The scope used to select the trust policy statement (default: registry/repository, or local/<dir name>). */
  scope?: string;
  /** Required targetArtifact annotations (notation verify --user-metadata). */
  userMetadata?: Record<string, string>;
  now?: Date;
  /** Most signatures to evaluate (notation's --max-signatures, default 100). */
  maxSignatures?: number;
  events?: EventSink;
}

async function loadPolicy(p: VerifyNotationOptions['trustPolicy']): Promise<TrustPolicyDocument> {
  if (typeof p === 'object' && !Buffer.isBuffer(p) && (p as TrustPolicyDocument).statements && (p as TrustPolicyDocument).version === '1.0') return p as TrustPolicyDocument;
  if (typeof p === 'string' && !p.trimStart().startsWith('{')) {
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch (e) {
      throw new UsageError('INVALID_CONFIG', `trust policy ${p} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
    }
    return parseTrustPolicy(text, p);
  }
  return parseTrustPolicy(p);
}

function scopeOf(source: ArtifactSource, options: VerifyNotationOptions): string {
  if (options.scope) return options.scope;
  if (source.reference) return `${source.reference.registry}/${source.reference.repository}`;
  const spec = options.image.slice('oci-dir:'.length);
  const dir = (source as { dir?: string }).dir ?? spec;
  return `local/${path.basename(path.resolve(dir)).toLowerCase()}`;
}

interface Payload {
  targetArtifact: { mediaType?: unknown; digest?: unknown; size?: unknown; annotations?: unknown };
}

function parsePayload(env: Envelope): Payload {
  let p: unknown;
  try {
    p = JSON.parse(env.payload.toString('utf8'));
  } catch {
    throw new SignError('PAYLOAD_MALFORMED', 'the signed payload is not JSON');
  }
  const t = (p as Payload | null)?.targetArtifact;
  if (!t || typeof t !== 'object') throw new SignError('PAYLOAD_MALFORMED', 'the signed payload has no targetArtifact');
  return p as Payload;
}

const NOT_SUPPORTED_PLUGIN = new Set<unknown>([HEADERS.verificationPlugin, HEADERS.verificationPluginMinVersion]);

/** Per-signature work: the checks in the spec's order, stopping at the first enforced failure. */
class SignatureCheck {
  readonly checks: NotationCheck[] = [];
  constructor(readonly policy: TrustPolicyStatement) {}

  record(type: ValidationType, failure?: { code: SignErrorCode; message: string }): boolean {
    const action = this.policy.actions[type];
    if (action === 'skip') {
      this.checks.push({ type, action, outcome: 'skipped' });
      return true;
    }
    if (!failure) {
      this.checks.push({ type, action, outcome: 'passed' });
      return true;
    }
    this.checks.push({ type, action, outcome: 'failed', ...failure });
    return action !== 'enforce';
  }
}

async function trustedCertificates(store: NotationTrustStore, policy: TrustPolicyStatement, type: TrustStoreType): Promise<{ store: string; certs: Certificate[] }[]> {
  const out: { store: string; certs: Certificate[] }[] = [];
  for (const ref of policy.trustStores) {
    if (ref.type !== type) continue;
    out.push({ store: `${ref.type}:${ref.name}`, certs: await store.certificates(ref.type, ref.name) });
  }
  return out;
}

function trustStoreFailure(e: unknown): { code: SignErrorCode; message: string } {
  if (e instanceof TrustStoreError) {
    return { code: /does not exist|no x509 certificates/.test(e.message) ? 'TRUSTED_ROOT_MISSING' : 'TRUSTED_ROOT_INVALID', message: e.message };
  }
  throw e;
}

/**
 * Verifies one envelope against the image descriptor and the applicable policy. Exported for tests and for callers
 * that already hold an envelope (e.g. a signature read from a file).
 */
export async function verifyEnvelope(input: {
  envelope: Buffer;
  mediaType: string;
  target: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>;
  policy: TrustPolicyStatement;
  trustStore: NotationTrustStore;
  location: string;
  userMetadata?: Record<string, string>;
  now?: Date;
}): Promise<{ verified: VerifiedNotationSignature } | { rejected: RejectedNotationSignature }> {
  const now = input.now ?? new Date();
  const { policy } = input;
  const run = new SignatureCheck(policy);
  const reject = (code: SignErrorCode, message: string) => ({ rejected: { code, message, location: input.location, ...(run.checks.length ? { checks: run.checks } : {}) } });
  // 1. Integrity (always enforced): envelope, content type, primitive signature, the payload names this image.
  let env: Envelope;
  try {
    env = decodeEnvelope(input.envelope, input.mediaType);
  } catch (e) {
    if (!(e instanceof EnvelopeError)) throw e;
    const code: SignErrorCode = e.kind === 'certificate' ? 'CERTIFICATE_INVALID' : 'SIGNATURE_MALFORMED';
    run.record('integrity', { code, message: e.message });
    return reject(code, `unable to parse the digital signature: ${e.message}`);
  }
  if (env.contentType !== PAYLOAD_CONTENT_TYPE) {
    run.record('integrity', { code: 'PAYLOAD_TYPE_MISMATCH', message: `payload content type ${JSON.stringify(env.contentType)} is not supported` });
    return reject('PAYLOAD_TYPE_MISMATCH', `payload content type ${JSON.stringify(env.contentType)} is not supported (${PAYLOAD_CONTENT_TYPE})`);
  }
  if (!checkPrimitiveSignature(env)) {
    const message = `the signature does not verify with the key of the signing certificate ${JSON.stringify(env.certChain[0]!.subject)}`;
    run.record('integrity', { code: 'SIGNATURE_MISMATCH', message });
    return reject('SIGNATURE_MISMATCH', message);
  }
  let payload: Payload;
  try {
    payload = parsePayload(env);
  } catch (e) {
    if (!(e instanceof SignError)) throw e;
    run.record('integrity', { code: e.code, message: e.message });
    return reject(e.code, e.message);
  }
  const t = payload.targetArtifact;
  if (t.digest !== input.target.digest || t.mediaType !== input.target.mediaType || t.size !== input.target.size) {
    const message = `content descriptor mismatch: the signature is for ${String(t.digest)} (${String(t.mediaType)}, ${String(t.size)} bytes), not ${input.target.digest} (${input.target.mediaType}, ${input.target.size} bytes)`;
    run.record('integrity', { code: 'DIGEST_MISMATCH', message });
    return reject('DIGEST_MISMATCH', message);
  }
  run.record('integrity');

  // Extended critical attributes Tollgate cannot process: a verification plugin, or unknown ones (the spec: unknown
  // critical attributes MUST fail verification).
  const plugin = env.extendedAttributes.find((a) => a.key === HEADERS.verificationPlugin && a.critical);
  if (plugin) {
    const min = env.extendedAttributes.find((a) => a.key === HEADERS.verificationPluginMinVersion);
    return reject(
      'UNSUPPORTED_SIGNATURE',
      `the signature requires the verification plugin ${JSON.stringify(plugin.value)}${min ? ` (version ${String(min.value)} or later)` : ''}; Tollgate does not run Notation plugins`,
    );
  }
  const unknown = env.extendedAttributes.filter((a) => a.critical && !NOT_SUPPORTED_PLUGIN.has(a.key));
  if (unknown.length) return reject('UNSUPPORTED_SIGNATURE', `the signature has critical attributes Tollgate does not understand: ${unknown.map((a) => JSON.stringify(a.key)).join(', ')}`);

  // 2. Authenticity: the chain contains a certificate of a trust store of the scheme's type, and the leaf matches a
  // trusted identity.
  const storeType: TrustStoreType = env.signingScheme === SCHEME_X509 ? 'ca' : 'signingAuthority';
  let anchor: { store: string; cert: Certificate } | undefined;
  let authFailure: { code: SignErrorCode; message: string } | undefined;
  if (policy.actions.authenticity !== 'skip') {
    try {
      const stores = await trustedCertificates(input.trustStore, policy, storeType);
      if (stores.length === 0) authFailure = { code: 'TRUSTED_ROOT_MISSING', message: `the trust policy ${JSON.stringify(policy.name)} names no ${storeType} trust store (the signing scheme is ${env.signingScheme})` };
      for (const s of stores) {
        const hit = s.certs.find((c) => env.certChain.some((e) => e.der.equals(c.der)));
        if (hit) {
          anchor = { store: s.store, cert: hit };
          break;
        }
      }
      if (!anchor && !authFailure) {
        authFailure = { code: 'KEY_NOT_TRUSTED', message: `the certificate chain of ${JSON.stringify(env.certChain[0]!.subject)} does not lead to a certificate of the trust stores ${stores.map((s) => s.store).join(', ')}` };
      }
    } catch (e) {
      authFailure = trustStoreFailure(e);
    }
    if (!authFailure && policy.trustedIdentities) {
      try {
        const leaf = subjectMap(env.certChain[0]!.parsed.subject);
        if (!policy.trustedIdentities.some((id) => isSubsetDN(id.dn, leaf))) {
          authFailure = {
            code: 'IDENTITY_MISMATCH',
            message: `signing certificate ${JSON.stringify(env.certChain[0]!.subject)} does not match the X.509 trusted identities ${policy.trustedIdentities.map((i) => JSON.stringify(i.raw)).join(', ')} of the trust policy ${JSON.stringify(policy.name)}`,
          };
        }
      } catch (e) {
        if (!(e instanceof DistinguishedNameError)) throw e;
        authFailure = { code: 'IDENTITY_MISMATCH', message: e.message };
      }
    }
  }
  if (!run.record('authenticity', authFailure)) return reject(authFailure!.code, authFailure!.message);

  // 3. Expiry.
  const expired = env.expiry && now.getTime() >= env.expiry.getTime() ? { code: 'SIGNATURE_EXPIRED' as const, message: `digital signature has expired on ${env.expiry.toISOString()}` } : undefined;
  if (!run.record('expiry', expired)) return reject(expired!.code, expired!.message);

  // 4. Authentic timestamp.
  let signedAt: { at: Date; source: 'authenticSigningTime' | 'timestamp' } | undefined;
  let tsFailure: { code: SignErrorCode; message: string } | undefined;
  if (policy.actions.authenticTimestamp !== 'skip') {
    if (env.signingScheme === SCHEME_SIGNING_AUTHORITY) {
      const bad = env.certChain.find((c) => env.signingTime < c.notBefore || env.signingTime > c.notAfter);
      if (bad) tsFailure = { code: 'CERTIFICATE_INVALID', message: `certificate ${JSON.stringify(bad.subject)} was not valid when the digital signature was produced at ${env.signingTime.toISOString()}` };
      else signedAt = { at: env.signingTime, source: 'authenticSigningTime' };
    } else {
      const tsaStores = policy.trustStores.filter((s) => s.type === 'tsa');
      let useTimestamp = tsaStores.length > 0;
      if (useTimestamp && policy.verifyTimestamp === 'afterCertExpiry' && !env.certChain.some((c) => now > c.notAfter)) useTimestamp = false;
      if (!useTimestamp) {
        // Without timestamp verification the whole chain must be valid now.
        const bad = env.certChain.find((c) => now < c.notBefore || now > c.notAfter);
        if (bad) {
          tsFailure = {
            code: 'CERTIFICATE_INVALID',
            message:
              now < bad.notBefore
                ? `verification time is before certificate ${JSON.stringify(bad.subject)} validity period, it will be valid from ${bad.notBefore.toISOString()}`
                : `verification time is after certificate ${JSON.stringify(bad.subject)} validity period, it was expired at ${bad.notAfter.toISOString()}`,
          };
        }
      } else if (!env.timestampToken) {
        tsFailure = { code: 'TIMESTAMP_INVALID', message: 'no timestamp countersignature was found in the signature envelope' };
      } else {
        try {
          const roots: Certificate[] = [];
          for (const s of tsaStores) roots.push(...(await input.trustStore.certificates('tsa', s.name)));
          const ts = verifyTimestampToken(env.timestampToken, env.signature, roots);
          const bad = env.certChain.find((c) => ts.lower < c.notBefore || ts.upper > c.notAfter);
          if (bad) {
            tsFailure = {
              code: 'TIMESTAMP_INVALID',
              message:
                ts.lower < bad.notBefore
                  ? `timestamp can be before certificate ${JSON.stringify(bad.subject)} validity period, it will be valid from ${bad.notBefore.toISOString()}`
                  : `timestamp can be after certificate ${JSON.stringify(bad.subject)} validity period, it was expired at ${bad.notAfter.toISOString()}`,
            };
          } else signedAt = { at: ts.genTime, source: 'timestamp' };
        } catch (e) {
          if (e instanceof TimestampError) tsFailure = { code: 'TIMESTAMP_INVALID', message: `failed to verify the timestamp countersignature: ${e.message}` };
          else if (e instanceof TrustStoreError) tsFailure = { ...trustStoreFailure(e), message: `failed to load tsa trust store: ${e.message}` };
          else throw e;
        }
      }
    }
  }
  if (!run.record('authenticTimestamp', tsFailure)) return reject(tsFailure!.code, tsFailure!.message);

  // 5. Revocation: not implemented (no OCSP / CRL fetching); reported, never failed.
  if (policy.actions.revocation === 'skip') run.checks.push({ type: 'revocation', action: 'skip', outcome: 'skipped' });
  else {
    const online = env.certChain.some(hasRevocationInfo);
    run.checks.push({
      type: 'revocation',
      action: policy.actions.revocation,
      outcome: 'not-checked',
      message: online ? 'the certificate chain names CRL or OCSP locations, but Tollgate does not check revocation' : 'no certificate of the chain names a CRL or OCSP location (not revocable); Tollgate does not check revocation',
    });
  }

  // User metadata (notation verify --user-metadata): required annotations of the signed payload.
  const annotations = t.annotations && typeof t.annotations === 'object' ? (t.annotations as Record<string, string>) : undefined;
  for (const [k, v] of Object.entries(input.userMetadata ?? {})) {
    if (annotations?.[k] !== v) return reject('ANNOTATION_MISMATCH', `the signed payload has no annotation ${k}=${v}`);
  }

  return {
    verified: {
      digest: input.target.digest,
      subject: env.certChain[0]!.subject,
      ...(anchor && !authFailure ? { anchorId: `notation:${anchor.store}`, anchorCertificate: anchor.cert.sha256 } : {}),
      ...(signedAt && !tsFailure ? { signedAt: signedAt.at.toISOString(), signedAtSource: signedAt.source } : {}),
      signingTime: env.signingTime.toISOString(),
      ...(env.expiry ? { expiry: env.expiry.toISOString() } : {}),
      signingScheme: env.signingScheme,
      envelopeType: env.type,
      location: input.location,
      ...(annotations ? { annotations } : {}),
      certificateChain: env.certChain.map((c) => c.sha256),
      checks: run.checks,
    },
  };
}

interface Candidate {
  location: string;
  envelope?: { bytes: Buffer; mediaType: string };
  rejected?: { code: SignErrorCode; message: string };
}

/** The Notary signature referrers of `digest` and their envelopes (notation-go registry.ListSignatures + FetchSignatureBlob). */
async function signatureCandidates(source: ArtifactSource, digest: string, max: number, events?: EventSink): Promise<Candidate[]> {
  const referrers = (await source.referrers(digest)).filter((d) => d.artifactType === NOTATION_SIGNATURE_ARTIFACT_TYPE);
  if (referrers.length > max) events?.({ type: 'warning', code: 'NOTATION_MAX_SIGNATURES', message: `${referrers.length} Notation signatures found; only the first ${max} are evaluated` });
  const out: Candidate[] = [];
  for (const desc of referrers.slice(0, max)) {
    const location = `referrer ${desc.digest}`;
    try {
      const m = await source.manifest(desc.digest);
      const parsed = parseManifestOrIndex(m.bytes, m.mediaType);
      if (parsed.kind !== 'manifest') {
        out.push({ location, rejected: { code: 'SIGNATURE_MALFORMED', message: `${location} is an image index, not a signature manifest` } });
        continue;
      }
      const json = JSON.parse(m.bytes.toString('utf8')) as { subject?: { digest?: unknown }; artifactType?: unknown };
      if (json.subject?.digest !== digest) {
        out.push({ location, rejected: { code: 'DIGEST_MISMATCH', message: `${location} is listed as a referrer of ${digest} but its subject is ${String(json.subject?.digest)}` } });
        continue;
      }
      if (parsed.layers.length !== 1) {
        out.push({ location, rejected: { code: 'SIGNATURE_MALFORMED', message: `${location} has ${parsed.layers.length} layers; a Notary signature manifest has exactly one` } });
        continue;
      }
      const layer = parsed.layers[0]!;
      if (!ENVELOPE_MEDIA_TYPES.includes(layer.mediaType)) {
        out.push({ location, rejected: { code: 'SIGNATURE_MALFORMED', message: `${location}: signature envelope type ${JSON.stringify(layer.mediaType)} is not supported` } });
        continue;
      }
      out.push({ location, envelope: { bytes: await source.blob(layer, MAX_ENVELOPE_BYTES), mediaType: layer.mediaType } });
    } catch (e) {
      const r = blobRejection(e, location);
      if (r) out.push({ location, rejected: r });
      else if (e instanceof ImageError || e instanceof SyntaxError) out.push({ location, rejected: { code: 'SIGNATURE_MALFORMED', message: `${location}: ${e.message}` } });
      else throw e;
    }
  }
  return out;
}

/**
 * Verifies the Notation signatures of an image. Returns every signature found, verified or rejected (with a stable
 * SignError code); an image without any has both lists empty. Configuration problems (unreadable or invalid trust
 * policy, no trust store) are UsageError INVALID_CONFIG; an image no policy statement covers is SignError
 * NO_APPLICABLE_POLICY.
 */
export async function verifyNotation(options: VerifyNotationOptions): Promise<VerifyNotationResult> {
  const doc = await loadPolicy(options.trustPolicy);
  if (!options.trustStore && !options.trustStoreDir) throw new UsageError('INVALID_CONFIG', 'Notation verification needs a trust store (a directory holding x509/ca, x509/signingAuthority, x509/tsa)');
  const trustStore = options.trustStore ?? new DirectoryTrustStore(options.trustStoreDir!);
  const source = await openArtifactSource(options.image, options.registry);
  const scope = scopeOf(source, options);
  const policy = applicablePolicy(doc, scope);
  const { digest } = await source.targetDigest();
  const base = { image: options.image, digest, scope, policy: { name: policy.name, level: policy.level } };
  if (policy.level === 'skip') return { ...base, skipped: true, verified: [], rejected: [] };
  const target = await source.manifest(digest);
  const desc = { mediaType: target.mediaType, digest, size: target.bytes.length };
  const verified: VerifiedNotationSignature[] = [];
  const rejected: RejectedNotationSignature[] = [];
  for (const c of await signatureCandidates(source, digest, options.maxSignatures ?? 100, options.events)) {
    if (!c.envelope) {
      rejected.push({ ...c.rejected!, location: c.location });
      continue;
    }
    const r = await verifyEnvelope({
      envelope: c.envelope.bytes,
      mediaType: c.envelope.mediaType,
      target: desc,
      policy,
      trustStore,
      location: c.location,
      ...(options.userMetadata ? { userMetadata: options.userMetadata } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    if ('verified' in r) {
      verified.push(r.verified);
      for (const check of r.verified.checks.filter((x) => x.outcome === 'failed')) {
        options.events?.({ type: 'warning', code: 'NOTATION_CHECK_LOGGED', message: `${c.location}: ${check.type} validation failed with validation action set to "log": ${check.message ?? ''}` });
      }
    } else rejected.push(r.rejected);
  }
  return { ...base, skipped: false, verified, rejected };
}
