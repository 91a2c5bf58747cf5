import { SignError, type EventSink, type SignErrorCode } from '../core/index.js';
import type { Descriptor } from '../oci/index.js';
import type { ArtifactSource, SignRegistry } from './artifact-source.js';
import { blobRejection, bundleCandidates, loadCandidate } from './bundle-referrers.js';
import { checkSignature } from './check-signature.js';
import { checkEnvelope, decodeStdBase64, IN_TOTO_PAYLOAD_TYPE } from './dsse.js';
import { COSIGN_SIGN_PREDICATE_TYPE, parseStatement, subjectFor } from './in-toto.js';
import { hasCertificate, legacyBundle } from './keyless/legacy-bundle.js';
import { imageArtifact, KeylessVerifier, type KeylessOptions } from './keyless/verify-keyless.js';
import { openArtifactSource } from './open-source.js';
import type { TrustedKey } from './signer.js';
import { annotationsMatch, COSIGN_SIGNATURE_TYPE, dockerReferenceOf, parseSimpleSigningPayload, type SimpleSigningPayload } from './simple-signing.js';
import { SIGNATURE_ANNOTATION, signatureLayers, signatureTag } from './tag-manifest.js';
import { matchKey, type RejectedSignature, type VerifiedSignature, type VerifyImageResult } from './types.js';

/** Payloads are a few hundred bytes; cosign's own limit is larger, nothing legitimate comes near this. */
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export interface VerifyImageOptions {
  /** A registry reference (a tag is resolved to its digest) or `oci-dir:PATH[:TAG]`. */
  image: string;
  /** Signatures from any of these keys verify (key rotation). */
  keys?: readonly TrustedKey[];
  /**
   * Keyless signatures (a Fulcio certificate instead of a key): who must have signed them, and the trusted root
   * they are verified against, offline. Signatures that carry a certificate are checked this way, the others with
   * `keys`. At least one of `keys` and `keyless` is needed.
   */
  keyless?: KeylessOptions;
  /** Required `optional` annotations of the payload (`-a k=v`). */
  annotations?: Record<string, string>;
  /** Needed unless `image` is an `oci-dir:` layout. */
  registry?: SignRegistry;
  /**
   * Also require `critical.identity.docker-reference` to name the image's repository. cosign does not check it (its
   * SimpleClaimVerifier compares the digest only), so signatures survive copying an image to another repository;
   * off by default for the same reason.
   */
  checkReference?: boolean;
  /** Time against which key validity windows are checked (default: now; see matchKey). */
  now?: Date;
  events?: EventSink;
}

type Outcome = { ok: true; verified: VerifiedSignature } | { ok: false; rejected: RejectedSignature };

function reject(form: RejectedSignature['form'], location: string, code: SignErrorCode, message: string): Outcome {
  return { ok: false, rejected: { form, location, code, message: `${location}: ${message}` } };
}

interface Context {
  source: ArtifactSource;
  digest: string;
  keys: readonly TrustedKey[];
  keyless?: KeylessVerifier;
  annotations?: Record<string, string>;
  checkReference: boolean;
  now: Date;
}

/** How a signature was verified: by a trusted key, or keylessly. */
type SignedBy = Pick<VerifiedSignature, 'key' | 'keyless'>;

const KEY_SIGNED_WITHOUT_KEYS = 'is signed with a key, not a Fulcio certificate: verify it with --key';

/** One layer of the `.sig` image: cosign's verifyOCISignature + SimpleClaimVerifier, plus the type check. */
async function checkTagSignature(ctx: Context, layer: Descriptor, location: string): Promise<Outcome> {
  const b64 = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (!b64) return reject('legacy', location, 'SIGNATURE_MALFORMED', `the layer has no ${SIGNATURE_ANNOTATION} annotation`);
  const sig = decodeStdBase64(b64);
  if (!sig) return reject('legacy', location, 'SIGNATURE_MALFORMED', `the ${SIGNATURE_ANNOTATION} annotation is not base64`);
  let payloadBytes: Buffer;
  try {
    payloadBytes = await ctx.source.blob(layer, MAX_PAYLOAD_BYTES);
  } catch (e) {
    const r = blobRejection(e, `payload ${layer.digest}`);
    if (r) return reject('legacy', location, r.code, r.message);
    throw e;
  }
  let signedBy: SignedBy;
  if (ctx.keyless && hasCertificate(layer.annotations)) {
    // A keyless signature: the layer's certificate and Rekor bundle, rewritten as a Sigstore bundle v0.1.
    const lb = legacyBundle(layer.annotations!, { kind: 'message', payload: payloadBytes, signature: sig });
    if (!lb.ok) return reject('legacy', location, lb.code, lb.message);
    const k = ctx.keyless.verify(lb.bundle, { kind: 'bytes', bytes: payloadBytes }, location);
    if (!k.ok) return reject('legacy', location, k.code, k.message);
    signedBy = { keyless: k.signer };
  } else {
    if (ctx.keys.length === 0) return reject('legacy', location, 'KEY_NOT_TRUSTED', `the signature ${KEY_SIGNED_WITHOUT_KEYS}`);
    const m = matchKey(ctx.keys, (k) => checkSignature(k, payloadBytes, sig), ctx.now);
    if (!m.ok) return reject('legacy', location, m.code, m.message);
    signedBy = { key: m.key.source };
  }
  let payload: SimpleSigningPayload;
  try {
    payload = parseSimpleSigningPayload(payloadBytes, 'the payload');
  } catch (e) {
    return reject('legacy', location, 'PAYLOAD_MALFORMED', (e as Error).message);
  }
  const claims = checkClaims(ctx, payload);
  if (claims) return reject('legacy', location, claims.code, claims.message);
  return { ok: true, verified: { form: 'legacy', location, ...signedBy, payload, payloadBytes } };
}

function checkClaims(ctx: Context, payload: SimpleSigningPayload): { code: SignErrorCode; message: string } | undefined {
  if (payload.critical.type !== COSIGN_SIGNATURE_TYPE) {
    return { code: 'WRONG_TYPE', message: `critical.type is ${JSON.stringify(payload.critical.type)}, not ${JSON.stringify(COSIGN_SIGNATURE_TYPE)}` };
  }
  const named = payload.critical.image['docker-manifest-digest'];
  if (named !== ctx.digest) {
    return { code: 'DIGEST_MISMATCH', message: `the payload signs ${named || '(no digest)'}, not ${ctx.digest} (a signature of another image)` };
  }
  if (ctx.checkReference && ctx.source.reference) {
    const want = dockerReferenceOf(ctx.source.reference);
    const have = payload.critical.identity['docker-reference'];
    if (have !== want) return { code: 'REFERENCE_MISMATCH', message: `the payload names the repository ${JSON.stringify(have)}, not ${JSON.stringify(want)}` };
  }
  if (!annotationsMatch(ctx.annotations, payload.optional)) {
    return { code: 'ANNOTATION_MISMATCH', message: `the payload's annotations ${JSON.stringify(payload.optional ?? {})} do not include ${JSON.stringify(ctx.annotations)}` };
  }
  return undefined;
}

/** A bundle referrer: the DSSE envelope's signature, its in-toto statement's subject, predicate type and annotations. */
async function checkBundleSignature(ctx: Context, location: string, load: () => ReturnType<typeof loadCandidate>): Promise<Outcome> {
  const bundle = await load();
  if ('code' in bundle) return reject('bundle', location, bundle.code, bundle.message);
  if (bundle.material !== 'publicKey' && !ctx.keyless) {
    return reject('bundle', location, 'UNSUPPORTED_BUNDLE', `the bundle carries a ${bundle.material} (keyless signing), which is not checked against keys`);
  }
  const env = bundle.envelope;
  if (!env) return reject('bundle', location, 'UNSUPPORTED_BUNDLE', 'the bundle holds a message signature, not a DSSE envelope (cosign signs images with DSSE)');
  let signedBy: SignedBy;
  // verifyBundle reports a statement that does not name the image as ARTIFACT_MISMATCH; the checks below say why.
  let artifactMismatch: string | undefined;
  if (bundle.material !== 'publicKey') {
    const k = ctx.keyless!.verify(bundle.bytes, imageArtifact(ctx.digest), location);
    if (!k.ok && k.code !== 'ARTIFACT_MISMATCH') return reject('bundle', location, k.code, k.message);
    if (!k.ok) artifactMismatch = k.message;
    signedBy = k.ok ? { keyless: k.signer } : {};
  } else {
    if (ctx.keys.length === 0) return reject('bundle', location, 'KEY_NOT_TRUSTED', `the bundle ${KEY_SIGNED_WITHOUT_KEYS}`);
    const m = matchKey(ctx.keys, (k) => checkEnvelope(env, k), ctx.now);
    if (!m.ok) return reject('bundle', location, m.code, m.message);
    signedBy = { key: m.key.source };
  }
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return reject('bundle', location, 'PAYLOAD_TYPE_MISMATCH', `payloadType is ${JSON.stringify(env.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  let statement;
  try {
    statement = parseStatement(env.payload, 'the statement');
  } catch (e) {
    return reject('bundle', location, 'PAYLOAD_MALFORMED', (e as Error).message);
  }
  const subject = subjectFor(statement, ctx.digest);
  if (!subject) {
    const named = statement.subject.map((s) => Object.entries(s.digest).map(([a, h]) => `${a}:${h}`).join(',')).join(' ');
    return reject('bundle', location, 'DIGEST_MISMATCH', `the statement's subjects (${named || 'none'}) do not include ${ctx.digest}`);
  }
  if (artifactMismatch !== undefined) return reject('bundle', location, 'ARTIFACT_MISMATCH', artifactMismatch);
  if (statement.predicateType !== COSIGN_SIGN_PREDICATE_TYPE) {
    return reject('bundle', location, 'WRONG_TYPE', `predicateType is ${JSON.stringify(statement.predicateType)}, not an image signature (${COSIGN_SIGN_PREDICATE_TYPE})`);
  }
  if (!annotationsMatch(ctx.annotations, subject.annotations)) {
    return reject('bundle', location, 'ANNOTATION_MISMATCH', `the subject's annotations ${JSON.stringify(subject.annotations ?? {})} do not include ${JSON.stringify(ctx.annotations)}`);
  }
  // cosign's transformOutput: the statement in the shape of a simple-signing payload.
  const payload: SimpleSigningPayload = {
    critical: {
      identity: { 'docker-reference': ctx.source.name },
      image: { 'docker-manifest-digest': ctx.digest },
      type: statement.predicateType,
    },
    optional: subject.annotations ?? null,
  };
  return { ok: true, verified: { form: 'bundle', location, ...signedBy, payload, payloadBytes: env.payload } };
}

/**
 * Verifies the signatures of an image (cosign `verify`): the tag-based signatures (`sha256-<hex>.sig`) and the
 * Sigstore bundles attached as OCI 1.1 referrers. Each is checked against the trusted keys, or keylessly (see
 * `keyless`) when it carries a Fulcio certificate, and must name this digest; every signature that fails is listed
 * with a stable reason code. Throws SignError NO_SIGNATURES when there is no signature at all and
 * NO_MATCHING_SIGNATURES (with `rejected`) when none verifies.
 *
 * Key-signed: no transparency log is consulted (cosign `--insecure-ignore-tlog`), key validity windows are checked
 * against `now`, never against a time claimed by the signature. Keyless: the certificate, its SCT and the Rekor
 * entry's inclusion promise (or proof) are verified offline against the trusted root (src/sign/keyless), and the
 * certificate must have been valid at the entry's integrated time; Rekor is never queried.
 */
export async function verifyImage(options: VerifyImageOptions): Promise<VerifyImageResult> {
  const keys = options.keys ?? [];
  if (keys.length === 0 && !options.keyless) {
    throw new SignError('NO_TRUSTED_KEYS', 'no trusted public keys were given (--key), nor a keyless identity (--certificate-identity, --certificate-oidc-issuer)');
  }
  const keyless = options.keyless ? new KeylessVerifier(options.keyless, options.events) : undefined;
  const source = await openArtifactSource(options.image, options.registry);
  const { digest } = await source.targetDigest();
  const ctx: Context = {
    source,
    digest,
    keys,
    ...(keyless ? { keyless } : {}),
    ...(options.annotations && Object.keys(options.annotations).length ? { annotations: options.annotations } : {}),
    checkReference: options.checkReference ?? false,
    now: options.now ?? new Date(),
  };
  const events = options.events;
  const verified: VerifiedSignature[] = [];
  const rejected: RejectedSignature[] = [];
  let found = 0;

  const tag = signatureTag(digest);
  const sigImage = await source.manifestAt(tag);
  if (sigImage) {
    const where = source.kind === 'registry' ? `${source.reference!.registry}/${source.reference!.repository}:${tag}` : `${source.name} ${tag}`;
    let layers: Descriptor[];
    try {
      layers = signatureLayers(sigImage.bytes, sigImage.mediaType, where);
    } catch (e) {
      layers = [];
      found++;
      rejected.push({ form: 'legacy', location: where, code: 'PAYLOAD_MALFORMED', message: (e as Error).message });
    }
    for (const [i, layer] of layers.entries()) {
      found++;
      const r = await checkTagSignature(ctx, layer, `${where} layer ${i}`);
      if (r.ok) verified.push(r.verified);
      else rejected.push(r.rejected);
    }
  }

  const bundles = await bundleCandidates(source, digest);
  for (const r of bundles.rejected) {
    found++;
    rejected.push({ form: 'bundle', ...r });
  }
  for (const c of bundles.candidates) {
    if (c.predicateTypeHint && c.predicateTypeHint !== COSIGN_SIGN_PREDICATE_TYPE) {
      events?.({ type: 'debug', message: `${c.location}: skipped, an attestation (${c.predicateTypeHint}) rather than a signature` });
      continue;
    }
    found++;
    const r = await checkBundleSignature(ctx, c.location, () => loadCandidate(c));
    if (r.ok) verified.push(r.verified);
    else rejected.push(r.rejected);
  }

  for (const r of rejected) events?.({ type: 'debug', message: `rejected ${r.code}: ${r.message}` });
  if (found === 0) {
    throw new SignError('NO_SIGNATURES', `no signatures found for ${source.name} (${digest}): neither the ${tag} tag nor a Sigstore bundle referrer`);
  }
  if (verified.length === 0) {
    throw new NoMatchingSignaturesError(
      'NO_MATCHING_SIGNATURES',
      `none of the ${found} signature(s) of ${source.name} (${digest}) verifies:\n${rejected.map((r) => `  - ${r.code}: ${r.message}`).join('\n')}`,
      { image: options.image, digest, verified, rejected },
    );
  }
  return { image: options.image, digest, verified, rejected };
}

/** SignError that also carries what was checked (every rejected signature with its code). */
export class NoMatchingSignaturesError extends SignError {
  constructor(
    code: 'NO_MATCHING_SIGNATURES' | 'NO_MATCHING_ATTESTATIONS',
    message: string,
    readonly result: { image: string; digest: string; verified: unknown[]; rejected: RejectedSignature[] },
  ) {
    super(code, message);
  }
}
