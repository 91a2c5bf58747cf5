import { createHash, type KeyObject } from 'node:crypto';
import type { Bundle, TransparencyLogEntry } from '@sigstore/bundle';
import { dsse as coreDsse, type X509Certificate } from '@sigstore/core';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { PolicyError, toSignedEntity, toTrustMaterial, VerificationError, Verifier, type SignedEntity } from '@sigstore/verify';
import { isTollgateError, SignError, silentSink, UsageError, type EventSink, type SignErrorCode } from '../../core/index.js';
import type { TrustedKey } from '../signer.js';
import {
  describeArtifact,
  digestOf,
  hashName,
  readStatement,
  subjectMatches,
  type ArtifactRef,
  type StatementSummary,
} from './artifact.js';
import { decodeBundle, type BundleVersion } from './decode-bundle.js';
import { certificateIdentity, compileIdentityPolicy, type CertificateIdentity, type IdentityPolicy } from './identity.js';
import { verifyPrehashed, type DigestAlgorithm } from './prehashed-signature.js';

export interface VerifyBundleOptions {
  /** The bundle file's bytes (protobuf JSON). */
  bundle: Buffer;
  /** Name of the bundle for messages (its file name). */
  bundleName?: string;
  /** The artifact, or only its digest (`ArtifactRef` from `parseArtifactDigest`). */
  artifact: ArtifactRef;
  /** Trust anchors: Fulcio CAs, Rekor and CT log keys, timestamp authorities (from `readTrustedRoot`). */
  trustedRoot: TrustedRoot;
  /** Keyless bundles: who must have signed (required for certificate bundles). */
  identity?: IdentityPolicy;
  /** Key-signed bundles: the trusted public keys (any one may have signed; validity windows apply). */
  keys?: TrustedKey[];
  /**
   * Accept a bundle without transparency-log entries (cosign's --insecure-ignore-tlog). Entries that are present are
   * still verified. For key-signed bundles, a signature without any timestamp is then checked against the key's
   * validity window at the current time.
   */
  ignoreTlog?: boolean;
  /** Warnings (unanchored regular expressions…). */
  events?: EventSink;
  /** "Now", for key validity windows when nothing in the bundle says when it was signed. */
  now?: Date;
}

export interface BundleSummary {
  mediaType: string;
  version: BundleVersion;
  content: 'messageSignature' | 'dsseEnvelope';
  material: 'certificate' | 'x509CertificateChain' | 'publicKey';
  tlogEntries: { logIndex: string; kind: string; version: string; integratedTime?: string }[];
  rfc3161Timestamps: number;
}

export interface BundleSigner {
  /** Keyless: the certificate's subject alternative names and OIDC issuer. */
  certificate?: CertificateIdentity & { notBefore: string; notAfter: string };
  /** Key-signed: which trusted key verified it (its source), and the bundle's key hint. */
  key?: { source: string; hint: string };
}

export interface VerifiedTimestamp {
  source: 'transparency-log' | 'timestamp-authority';
  time: string;
}

interface VerificationBase {
  bundle: BundleSummary;
  artifact: string;
  /** The in-toto statement of a DSSE bundle. */
  statement?: StatementSummary;
}

export type BundleVerification =
  | (VerificationBase & { verified: true; signer: BundleSigner; timestamps: VerifiedTimestamp[] })
  | (VerificationBase & { verified: false; code: SignErrorCode; reason: string });

/** @sigstore/verify's error codes → Tollgate's stable codes (callers branch on these, never on messages). */
const SIGSTORE_CODES: Record<string, SignErrorCode> = {
  TLOG_ERROR: 'TLOG_INVALID',
  TLOG_INCLUSION_PROOF_ERROR: 'TLOG_INVALID',
  TLOG_INCLUSION_PROMISE_ERROR: 'TLOG_INVALID',
  TLOG_MISSING_INCLUSION_ERROR: 'TLOG_INVALID',
  TLOG_BODY_ERROR: 'TLOG_ENTRY_MISMATCH',
  CERTIFICATE_ERROR: 'CERTIFICATE_INVALID',
  PUBLIC_KEY_ERROR: 'KEY_NOT_TRUSTED',
  SIGNATURE_ERROR: 'SIGNATURE_MISMATCH',
  TIMESTAMP_ERROR: 'TIMESTAMP_INVALID',
  UNTRUSTED_SIGNER_ERROR: 'IDENTITY_MISMATCH',
};

export function mapSigstoreError(e: VerificationError | PolicyError): SignErrorCode {
  return SIGSTORE_CODES[e.code] ?? 'BUNDLE_UNVERIFIED';
}

class Rejected extends Error {
  constructor(
    readonly code: SignErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Verifies a Sigstore bundle (v0.1–v0.3) offline, by the Sigstore client specification, with Sigstore's own
 * @sigstore/verify: certificate chain to a trusted Fulcio CA at the signing time, SCTs, transparency-log entries
 * (inclusion promise and/or inclusion proof with a signed checkpoint, Rekor v1 and v2 entry bodies), RFC 3161
 * timestamps, and the signature. Around it, what the library leaves to its callers: the bundle's shape, the
 * artifact (message digest, or the subject of a DSSE in-toto statement), digest-only verification, cosign's
 * identity matching, and key-signed bundles verified with the user's keys.
 *
 * A bundle that does not verify is an expected outcome, returned with a stable code. Unusable input (a malformed
 * bundle, an unsupported version) throws SignError; a contradictory request throws UsageError.
 */
export function verifyBundle(opts: VerifyBundleOptions): BundleVerification {
  const events = opts.events ?? silentSink;
  const name = opts.bundleName ?? 'bundle';
  const keys = opts.keys ?? [];
  if (!opts.identity && keys.length === 0) {
    throw new UsageError('INVALID_ARGUMENT', 'nothing to verify against: give --certificate-identity and --certificate-oidc-issuer (keyless), or --key');
  }
  const policy = opts.identity ? compileIdentityPolicy(opts.identity) : undefined;
  for (const u of policy?.unanchored ?? []) {
    events({
      type: 'warning',
      code: 'UNANCHORED_REGEXP',
      message: `${u.flag} ${JSON.stringify(u.pattern)} is not anchored: as in cosign (Go RE2), it matches anywhere in the value; use ^…$ to match the whole value`,
    });
  }

  const decoded = decodeBundle(opts.bundle, name);
  const { bundle } = decoded;
  const summary = summarize(bundle, decoded.mediaType, decoded.version);
  const base: VerificationBase = { bundle: summary, artifact: describeArtifact(opts.artifact) };

  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundle, opts.artifact.kind === 'bytes' ? opts.artifact.bytes : undefined);
  } catch (e) {
    throw new SignError('BUNDLE_MALFORMED', `${name}: ${(e as Error).message}`, { cause: e });
  }
  const tlogEntries = entity.tlogEntries.map((t) => adaptTlogEntry(t, decoded.version, opts.trustedRoot));
  entity = { ...entity, tlogEntries };

  try {
    if (bundle.content.$case === 'dsseEnvelope') {
      const env = bundle.content.dsseEnvelope;
      const st = readStatement(env.payloadType, env.payload);
      if (typeof st === 'string') throw new Rejected('ARTIFACT_MISMATCH', `${st}: the bundle cannot be bound to the artifact`);
      base.statement = st;
      if (!subjectMatches(st, opts.artifact)) {
        throw new Rejected('ARTIFACT_MISMATCH', `no subject of the in-toto statement has the artifact's digest ${base.artifact}`);
      }
      entity = { ...entity, signature: dsseContent(entity.signature, env.payloadType, env.payload, bundle) };
    } else {
      const ms = bundle.content.messageSignature;
      const alg = hashName(ms.messageDigest?.algorithm ?? 0);
      if (!alg) throw new Rejected('ARTIFACT_MISMATCH', `unsupported message digest algorithm ${ms.messageDigest?.algorithm}`);
      const ours = digestOf(opts.artifact, alg);
      if (!ours) {
        throw new Rejected('ARTIFACT_MISMATCH', `the bundle signs a ${alg} digest; --digest gives ${describeArtifact(opts.artifact).split(':')[0]}`);
      }
      // The bundle's digest is an unauthenticated hint, but one that contradicts the artifact means the wrong pair.
      if (ms.messageDigest && !ours.equals(Buffer.from(ms.messageDigest.digest))) {
        throw new Rejected('ARTIFACT_MISMATCH', `the bundle's message digest ${alg}:${Buffer.from(ms.messageDigest.digest).toString('hex')} is not the artifact's (${alg}:${ours.toString('hex')})`);
      }
      if (opts.artifact.kind === 'digest') entity = { ...entity, signature: prehashedContent(entity.signature, alg as DigestAlgorithm, ours) };
    }

    const material = summary.material;
    if (material === 'publicKey' && keys.length === 0) {
      throw new Rejected('KEY_NOT_TRUSTED', `the bundle is signed with a key (hint ${JSON.stringify(hintOf(bundle))}), not a certificate: verify it with --key`);
    }
    if (material !== 'publicKey' && !policy) {
      throw new Rejected(
        'KEY_NOT_TRUSTED',
        'the bundle is signed with a Fulcio certificate, not a key: verify it with --certificate-identity and --certificate-oidc-issuer',
      );
    }

    if (material === 'publicKey') {
      let first: Rejected | undefined;
      for (const key of keys) {
        try {
          const timestamps = run(opts, entity, key, material);
          if (timestamps.length === 0 && !withinWindow(key, opts.now ?? new Date())) {
            throw new Rejected('KEY_NOT_TRUSTED', `key ${key.source} is not valid now and the bundle carries no signing time`);
          }
          return { ...base, verified: true, signer: { key: { source: key.source, hint: hintOf(bundle) } }, timestamps };
        } catch (e) {
          const r = asRejected(e);
          first ??= r;
        }
      }
      throw keys.length > 1 ? new Rejected(first!.code, `${first!.message} (no trusted key of ${keys.length} verifies)`) : first!;
    }

    const timestamps = run(opts, entity, undefined, material);
    const leaf = (entity.key as { $case: 'certificate'; certificate: X509Certificate }).certificate;
    const identity = certificateIdentity(leaf);
    if (!policy!.matches(identity)) {
      throw new Rejected(
        'IDENTITY_MISMATCH',
        `the certificate does not match ${policy!.describe()}: it names [${identity.sans.join(', ')}] with issuer ${identity.issuer ?? '(none)'}`,
      );
    }
    return {
      ...base,
      verified: true,
      signer: { certificate: { ...identity, notBefore: leaf.notBefore.toISOString(), notAfter: leaf.notAfter.toISOString() } },
      timestamps,
    };
  } catch (e) {
    const r = asRejected(e);
    return { ...base, verified: false, code: r.code, reason: r.message };
  }
}

/** One pass of @sigstore/verify's Verifier; returns the verified signing times. */
function run(opts: VerifyBundleOptions, entity: SignedEntity, key: TrustedKey | undefined, material: BundleSummary['material']): VerifiedTimestamp[] {
  const keyFinder = () => {
    if (!key) throw new VerificationError({ code: 'PUBLIC_KEY_ERROR', message: 'no trusted key for a key-signed bundle' });
    return { publicKey: key.key, validFor: (date: Date) => withinWindow(key, date) };
  };
  const trust = toTrustMaterial(opts.trustedRoot, keyFinder);
  const keyWithoutTlog = material === 'publicKey' && opts.ignoreTlog === true;
  const threshold = keyWithoutTlog ? 0 : 1;
  const { kept, dropped } = trustedTimestamps(entity, trust);
  for (const t of dropped) {
    opts.events?.({
      type: 'warning',
      code: 'UNTRUSTED_TIMESTAMP',
      message: `ignoring the RFC 3161 timestamp of ${t.timestamp.signingTime.toISOString()}: no timestamp authority of the trusted root verifies it`,
    });
  }
  const verifier = new Verifier(trust, {
    tlogThreshold: opts.ignoreTlog ? 0 : 1,
    ctlogThreshold: material === 'publicKey' ? 0 : 1,
    // A certificate is short-lived: it must be shown valid at a verified signing time. A trusted key without a log
    // (--insecure-ignore-tlog) may have no timestamp at all.
    timestampThreshold: threshold,
  });
  const checked = { ...entity, timestamps: kept };
  try {
    verifier.verify(checked);
  } catch (e) {
    if (e instanceof VerificationError && e.code === 'TIMESTAMP_ERROR' && dropped.length > 0) {
      throw new Rejected(
        'TIMESTAMP_INVALID',
        `${e.message}: ${dropped.length} RFC 3161 timestamp(s) in the bundle are not verified by any timestamp authority of the trusted root`,
      );
    }
    throw e;
  }
  return verifiedTimestamps(checked);
}

type TsaTimestamp = Extract<SignedEntity['timestamps'][number], { $case: 'timestamp-authority' }>;

/**
 * RFC 3161 timestamps that no trusted timestamp authority verifies are set aside rather than failing the bundle:
 * "timestamps from unknown source are okay, but don't count as verified" (sigstore-go pkg/verify/tsa.go, which
 * cosign uses). The threshold still needs verified signing times, so a bundle whose only timestamp is untrusted
 * fails. Each timestamp is checked by @sigstore/verify itself: a Verifier pass over that timestamp alone, whose
 * timestamp step runs first, reports TIMESTAMP_ERROR exactly when the timestamp does not verify.
 */
function trustedTimestamps(entity: SignedEntity, trust: ReturnType<typeof toTrustMaterial>): { kept: SignedEntity['timestamps']; dropped: TsaTimestamp[] } {
  const kept: SignedEntity['timestamps'] = [];
  const dropped: TsaTimestamp[] = [];
  const probe = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 });
  for (const t of entity.timestamps) {
    if (t.$case !== 'timestamp-authority') {
      kept.push(t);
      continue;
    }
    try {
      probe.verify({ ...entity, timestamps: [t], tlogEntries: [] });
      kept.push(t);
    } catch (e) {
      if (e instanceof VerificationError && e.code === 'TIMESTAMP_ERROR') dropped.push(t);
      else kept.push(t);
    }
  }
  return { kept, dropped };
}

const REKOR_V2_KINDS = new Set(['hashedrekord/0.0.2', 'dsse/0.0.2']);

/**
 * Two adjustments to log entries before @sigstore/verify sees them, both about data older producers write:
 *
 * - v0.1 bundles rest on the inclusion promise (SET); early ones also carry an inclusion proof without the
 *   checkpoint that v0.2 made mandatory. Such a proof proves nothing (no signed root), so it is left out instead
 *   of failing the bundle; the SET is still required and verified.
 * - Rekor v1 names its checkpoint signatures after its hostname (a Kubernetes pod name in a private deployment),
 *   which need not be the URL the trusted root lists; sigstore-go and rekor bind the signature to the entry's log
 *   by key, not by name. @sigstore/verify matches the name against the log's URL, so a signature line whose key
 *   hint is the entry's own log gets that log's host as name. Names are outside the signed note, so this changes
 *   no signed byte; the signature is still verified with that log's key. Rekor v2 checkpoints (origin = the log's
 *   host) keep their names as they are.
 */
function adaptTlogEntry(entry: TransparencyLogEntry, version: BundleVersion, root: TrustedRoot): TransparencyLogEntry {
  const proof = entry.inclusionProof;
  if (!proof) return entry;
  if (!proof.checkpoint?.envelope) return version === '0.1' ? { ...entry, inclusionProof: undefined } : entry;
  const kv = `${entry.kindVersion?.kind}/${entry.kindVersion?.version}`;
  const logId = entry.logId?.keyId;
  if (REKOR_V2_KINDS.has(kv) || !logId) return entry;
  const log = root.tlogs.find((t) => t.logId && Buffer.from(t.logId.keyId).equals(Buffer.from(logId)));
  if (!log) return entry;
  let host: string;
  try {
    host = new URL(log.baseUrl).host;
  } catch {
    return entry;
  }
  const hint = Buffer.from(logId).subarray(0, 4);
  const [note, sigs] = splitNote(proof.checkpoint.envelope);
  if (sigs === undefined) return entry;
  const renamed = sigs.replace(/^\u2014 (\S+) (\S+)$/gm, (line, _name: string, b64: string) =>
    Buffer.from(b64, 'base64').subarray(0, 4).equals(hint) ? `\u2014 ${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${b64}` : line,
  );
  if (renamed === sigs) return entry;
  return { ...entry, inclusionProof: { ...proof, checkpoint: { envelope: `${note}\n\n${renamed}` } } };
}

function splitNote(envelope: string): [string, string | undefined] {
  const i = envelope.indexOf('\n\n');
  return i < 0 ? [envelope, undefined] : [envelope.slice(0, i), envelope.slice(i + 2)];
}

function verifiedTimestamps(entity: SignedEntity): VerifiedTimestamp[] {
  const out: VerifiedTimestamp[] = [];
  for (const t of entity.timestamps) {
    if (t.$case === 'transparency-log') {
      // Only integrated times under a verified inclusion promise count (bundle.proto: never trust it without one).
      if (t.tlogEntry.inclusionPromise) out.push({ source: 'transparency-log', time: new Date(Number(t.tlogEntry.integratedTime) * 1000).toISOString() });
    } else {
      out.push({ source: 'timestamp-authority', time: t.timestamp.signingTime.toISOString() });
    }
  }
  return out;
}

function withinWindow(key: TrustedKey, date: Date): boolean {
  return (!key.notBefore || key.notBefore <= date) && (!key.notAfter || date <= key.notAfter);
}

function asRejected(e: unknown): Rejected {
  if (e instanceof Rejected) return e;
  if (e instanceof VerificationError || e instanceof PolicyError) return new Rejected(mapSigstoreError(e), e.message);
  if (isTollgateError(e)) throw e;
  // Anything else thrown while verifying (an ASN.1 structure that does not parse, a key of an unknown type) means
  // the bundle could not be verified: fail closed.
  return new Rejected('BUNDLE_UNVERIFIED', (e as Error)?.message ?? String(e));
}

type SignatureContent = SignedEntity['signature'];

/** Digest-only verification of a message signature: the given digest stands in for the artifact. */
function prehashedContent(inner: SignatureContent, algorithm: DigestAlgorithm, digest: Buffer): SignatureContent {
  return {
    signature: inner.signature,
    compareSignature: (s) => inner.compareSignature(s),
    compareDigest: (d) => inner.compareDigest(d),
    verifySignature: (key: KeyObject) => verifyPrehashed(key, algorithm, digest, inner.signature),
  };
}

/**
 * A DSSE envelope is recorded two ways: Rekor v1 `dsse`/`intoto` entries (and Rekor v2 `dsse` 0.0.2) hold the
 * digest of the payload, while Rekor v2 logs DSSE as `hashedrekord` 0.0.2 over Hash(PAE(type, payload))
 * (rekor-tiles spec; conformance case rekor2-dsse-happy-path). @sigstore/verify 3.x compares every entry with the
 * payload digest (4.x adds `compareSignedDigest`, but needs Node 22), so the digest an entry must hold is chosen
 * here from the kinds of the bundle's entries.
 */
function dsseContent(inner: SignatureContent, payloadType: string, payload: Buffer, bundle: Bundle): SignatureContent {
  const kinds = new Set(bundle.verificationMaterial.tlogEntries.map((t) => t.kindVersion?.kind));
  const payloadDigest = createHash('sha256').update(payload).digest();
  const paeDigest = createHash('sha256').update(coreDsse.preAuthEncoding(payloadType, payload)).digest();
  const accepted = kinds.has('hashedrekord') ? (kinds.size === 1 ? [paeDigest] : [paeDigest, payloadDigest]) : [payloadDigest];
  return {
    signature: inner.signature,
    compareSignature: (s) => inner.compareSignature(s),
    compareDigest: (d) => accepted.some((a) => a.equals(d)),
    verifySignature: (key) => inner.verifySignature(key),
  };
}

function hintOf(bundle: Bundle): string {
  const c = bundle.verificationMaterial.content;
  return c.$case === 'publicKey' ? c.publicKey.hint : '';
}

function summarize(bundle: Bundle, mediaType: string, version: BundleVersion): BundleSummary {
  const vm = bundle.verificationMaterial;
  return {
    mediaType,
    version,
    content: bundle.content.$case,
    material: vm.content.$case,
    tlogEntries: vm.tlogEntries.map((t) => ({
      logIndex: t.logIndex,
      kind: t.kindVersion?.kind ?? '',
      version: t.kindVersion?.version ?? '',
      ...(t.integratedTime && t.integratedTime !== '0' ? { integratedTime: new Date(Number(t.integratedTime) * 1000).toISOString() } : {}),
    })),
    rfc3161Timestamps: vm.timestampVerificationData?.rfc3161Timestamps.length ?? 0,
  };
}

