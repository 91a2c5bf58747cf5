import { SignError, type EventSink, type SignErrorCode } from '../core/index.js';
import type { Descriptor } from '../oci/index.js';
import type { SignRegistry } from './artifact-source.js';
import { blobRejection, bundleCandidates, loadCandidate, MAX_BUNDLE_BYTES } from './bundle-referrers.js';
import { checkEnvelope, IN_TOTO_PAYLOAD_TYPE, parseEnvelope, serializeEnvelope, type DsseEnvelope } from './dsse.js';
import { COSIGN_SIGN_PREDICATE_TYPE, parseStatement, predicateTypeUri, subjectFor, type InTotoStatement } from './in-toto.js';
import { hasCertificate, legacyBundle } from './keyless/legacy-bundle.js';
import { imageArtifact, KeylessVerifier, type KeylessOptions } from './keyless/verify-keyless.js';
import { openArtifactSource } from './open-source.js';
import type { TrustedKey } from './signer.js';
import { annotationsMatch } from './simple-signing.js';
import { attestationTag, signatureLayers } from './tag-manifest.js';
import { matchKey, type RejectedSignature, type SignatureForm, type VerifiedAttestation, type VerifyAttestationsResult } from './types.js';
import { NoMatchingSignaturesError } from './verify-image.js';

export interface VerifyAttestationsOptions {
  /** A registry reference or `oci-dir:PATH[:TAG]`. */
  image: string;
  keys?: readonly TrustedKey[];
  /** Keyless attestations (Fulcio certificate): who must have signed, and the trusted root (see VerifyImageOptions). */
  keyless?: KeylessOptions;
  /** `--type`: custom (cosign's default), slsaprovenance, spdx, spdxjson, cyclonedx, vuln, openvex, … or a URI. */
  type?: string;
  /** Required annotations of the statement's subject. */
  annotations?: Record<string, string>;
  registry?: SignRegistry;
  now?: Date;
  events?: EventSink;
}

type Outcome = { ok: true; verified: VerifiedAttestation } | { ok: false; rejected: RejectedSignature };

interface Context {
  digest: string;
  keys: readonly TrustedKey[];
  keyless?: KeylessVerifier;
  predicateType: string;
  annotations?: Record<string, string>;
  now: Date;
}

function reject(form: SignatureForm, location: string, code: SignErrorCode, message: string): Outcome {
  return { ok: false, rejected: { form, location, code, message: `${location}: ${message}` } };
}

/**
 * cosign's checks of one attestation: the envelope's payloadType, its DSSE signature (PAE), the statement's subject
 * (IntotoSubjectClaimVerifier, with the annotations), then the predicate type asked for (AttestationToPayloadJSON).
 */
function checkEnvelopeClaims(ctx: Context, form: SignatureForm, location: string, env: DsseEnvelope, stored: Buffer, keylessBundle?: () => Buffer | Outcome): Outcome {
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return reject(form, location, 'PAYLOAD_TYPE_MISMATCH', `payloadType is ${JSON.stringify(env.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  let signedBy: Pick<VerifiedAttestation, 'key' | 'keyless'>;
  // verifyBundle reports a statement that does not name the image as ARTIFACT_MISMATCH; the checks below say why.
  let artifactMismatch: string | undefined;
  if (keylessBundle && ctx.keyless) {
    const bundle = keylessBundle();
    if (!Buffer.isBuffer(bundle)) return bundle;
    const k = ctx.keyless.verify(bundle, imageArtifact(ctx.digest), location);
    if (!k.ok && k.code !== 'ARTIFACT_MISMATCH') return reject(form, location, k.code, k.message);
    if (!k.ok) artifactMismatch = k.message;
    signedBy = k.ok ? { keyless: k.signer } : {};
  } else {
    if (ctx.keys.length === 0) return reject(form, location, 'KEY_NOT_TRUSTED', 'the attestation is signed with a key, not a Fulcio certificate: verify it with --key');
    const m = matchKey(ctx.keys, (k) => checkEnvelope(env, k), ctx.now);
    if (!m.ok) return reject(form, location, m.code, m.message);
    signedBy = { key: m.key.source };
  }
  let statement: InTotoStatement;
  try {
    statement = parseStatement(env.payload, 'the statement');
  } catch (e) {
    return reject(form, location, 'PAYLOAD_MALFORMED', (e as Error).message);
  }
  const subject = subjectFor(statement, ctx.digest);
  if (!subject) {
    const named = statement.subject.map((s) => Object.entries(s.digest).map(([a, h]) => `${a}:${h}`).join(',')).join(' ');
    return reject(form, location, 'DIGEST_MISMATCH', `the statement's subjects (${named || 'none'}) do not include ${ctx.digest}`);
  }
  if (!annotationsMatch(ctx.annotations, subject.annotations)) {
    return reject(form, location, 'ANNOTATION_MISMATCH', `the subject's annotations do not include ${JSON.stringify(ctx.annotations)}`);
  }
  if (artifactMismatch !== undefined) return reject(form, location, 'ARTIFACT_MISMATCH', artifactMismatch);
  if (statement.predicateType !== ctx.predicateType) {
    return reject(form, location, 'PREDICATE_TYPE_MISMATCH', `predicateType is ${JSON.stringify(statement.predicateType)}, not ${JSON.stringify(ctx.predicateType)}`);
  }
  return { ok: true, verified: { form, location, ...signedBy, statement, envelope: stored } };
}

/**
 * Verifies the attestations of an image (cosign `verify-attestation --type`, with `--key` or keyless identities): the
 * `.att` tag's DSSE layers and the Sigstore bundle referrers whose predicate is not an image signature. Layers and
 * bundles with a Fulcio certificate are verified keylessly when `keyless` is given (as in verifyImage). Throws
 * SignError NO_ATTESTATIONS or NO_MATCHING_ATTESTATIONS (listing every rejected one, including those of other
 * predicate types).
 */
export async function verifyAttestations(options: VerifyAttestationsOptions): Promise<VerifyAttestationsResult> {
  const keys = options.keys ?? [];
  if (keys.length === 0 && !options.keyless) {
    throw new SignError('NO_TRUSTED_KEYS', 'no trusted public keys were given (--key), nor a keyless identity (--certificate-identity, --certificate-oidc-issuer)');
  }
  const keyless = options.keyless ? new KeylessVerifier(options.keyless, options.events) : undefined;
  const predicateType = predicateTypeUri(options.type ?? 'custom');
  const source = await openArtifactSource(options.image, options.registry);
  const { digest } = await source.targetDigest();
  const ctx: Context = {
    digest,
    keys,
    ...(keyless ? { keyless } : {}),
    predicateType,
    ...(options.annotations && Object.keys(options.annotations).length ? { annotations: options.annotations } : {}),
    now: options.now ?? new Date(),
  };
  const verified: VerifiedAttestation[] = [];
  const rejected: RejectedSignature[] = [];
  let found = 0;

  const tag = attestationTag(digest);
  const attImage = await source.manifestAt(tag);
  if (attImage) {
    const where = source.kind === 'registry' ? `${source.reference!.registry}/${source.reference!.repository}:${tag}` : `${source.name} ${tag}`;
    let layers: Descriptor[] = [];
    try {
      layers = signatureLayers(attImage.bytes, attImage.mediaType, where);
    } catch (e) {
      found++;
      rejected.push({ form: 'legacy', location: where, code: 'PAYLOAD_MALFORMED', message: (e as Error).message });
    }
    for (const [i, layer] of layers.entries()) {
      found++;
      const location = `${where} layer ${i}`;
      let stored: Buffer;
      try {
        stored = await source.blob(layer, MAX_BUNDLE_BYTES);
      } catch (e) {
        const r = blobRejection(e, `envelope ${layer.digest}`);
        if (!r) throw e;
        rejected.push({ form: 'legacy', location, code: r.code, message: `${location}: ${r.message}` });
        continue;
      }
      let env: DsseEnvelope;
      try {
        env = parseEnvelope(stored, 'the envelope');
      } catch (e) {
        const code = e instanceof SignError ? e.code : 'PAYLOAD_MALFORMED';
        rejected.push({ form: 'legacy', location, code, message: `${location}: ${(e as Error).message}` });
        continue;
      }
      const annotations = layer.annotations;
      // A keyless attestation: the layer's certificate and Rekor bundle, rewritten as a Sigstore bundle v0.1.
      const keylessBundle =
        ctx.keyless && hasCertificate(annotations)
          ? (): Buffer | Outcome => {
              const lb = legacyBundle(annotations!, { kind: 'dsse', envelope: env });
              return lb.ok ? lb.bundle : reject('legacy', location, lb.code, lb.message);
            }
          : undefined;
      const r = checkEnvelopeClaims(ctx, 'legacy', location, env, stored, keylessBundle);
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
    if (c.predicateTypeHint === COSIGN_SIGN_PREDICATE_TYPE) continue; // an image signature, not an attestation
    found++;
    const bundle = await loadCandidate(c);
    if ('code' in bundle) {
      rejected.push({ form: 'bundle', location: c.location, code: bundle.code, message: `${c.location}: ${bundle.message}` });
      continue;
    }
    if ((bundle.material !== 'publicKey' && !ctx.keyless) || !bundle.envelope) {
      const why = bundle.material !== 'publicKey' && !ctx.keyless ? `carries a ${bundle.material} (keyless signing), which is not checked against keys` : 'holds no DSSE envelope';
      rejected.push({ form: 'bundle', location: c.location, code: 'UNSUPPORTED_BUNDLE', message: `${c.location}: the bundle ${why}` });
      continue;
    }
    const bytes = bundle.bytes;
    const r = checkEnvelopeClaims(ctx, 'bundle', c.location, bundle.envelope, serializeEnvelope(bundle.envelope), bundle.material !== 'publicKey' ? () => bytes : undefined);
    if (r.ok) verified.push(r.verified);
    else rejected.push(r.rejected);
  }

  for (const r of rejected) options.events?.({ type: 'debug', message: `rejected ${r.code}: ${r.message}` });
  if (found === 0) {
    throw new SignError('NO_ATTESTATIONS', `no attestations found for ${source.name} (${digest}): neither the ${tag} tag nor a Sigstore bundle referrer`);
  }
  if (verified.length === 0) {
    const types = [...new Set(rejected.filter((r) => r.code === 'PREDICATE_TYPE_MISMATCH').map((r) => /predicateType is ("[^"]*")/.exec(r.message)?.[1]))];
    throw new NoMatchingSignaturesError(
      'NO_MATCHING_ATTESTATIONS',
      `none of the ${found} attestation(s) of ${source.name} (${digest}) verifies as ${predicateType}` +
        `${types.length ? ` (predicate types found: ${types.join(', ')})` : ''}:\n${rejected.map((r) => `  - ${r.code}: ${r.message}`).join('\n')}`,
      { image: options.image, digest, verified, rejected },
    );
  }
  return { image: options.image, digest, predicateType, verified, rejected };
}
