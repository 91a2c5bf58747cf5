import { UsageError, type EventSink } from '../core/index.js';
import { MediaType, parseManifestOrIndex, parseReference, type Descriptor } from '../oci/index.js';
import { RegistrySource, type SignRegistry } from './artifact-source.js';
import { appendToTag, attachBundle } from './attach.js';
import { IN_TOTO_PAYLOAD_TYPE, serializeEnvelope, signEnvelope, type DsseEnvelope } from './dsse.js';
import { buildStatement, COSIGN_SIGN_PREDICATE_TYPE } from './in-toto.js';
import type { Signer, SigningMethod } from './signer.js';
import { buildSimpleSigningPayload, dockerReferenceOf } from './simple-signing.js';
import { buildDsseBundle } from './sigstore-bundle.js';
import { SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, signatureTag } from './tag-manifest.js';
import type { SignatureForms, SignedEntry, SignImageResult } from './types.js';

export interface SignImageOptions {
  /** A registry reference; a tag is resolved to its digest and the digest is signed. */
  image: string;
  /** A key (`Signer`), or keyless signing (`KeylessSigning` from src/sign/keyless-sign: Fulcio certificate, Rekor). */
  signer: Signer | SigningMethod;
  /** `-a k=v`: the payload's `optional` annotations (the statement subject's annotations in a bundle). */
  annotations?: Record<string, string>;
  /** Sign every manifest of an index (each platform image, nested indexes too), not only the index. */
  recursive?: boolean;
  registry: SignRegistry;
  /** Storage form(s); default both, so that cosign 2 (tags) and cosign 3 (bundles) both find the signature. */
  form?: SignatureForms;
  /** Time recorded in the referrer manifest's org.opencontainers.image.created. */
  now?: Date;
  events?: EventSink;
}

export interface ResolvedTarget {
  source: RegistrySource;
  /** The digest to sign first (the image or the index), then its children under `recursive`. */
  targets: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>[];
}

/**
 * Resolves a tag to the digest it names now (with a warning: the tag could move), and under `recursive` walks an
 * index to every manifest it lists (cosign's walk.SignedEntity).
 */
export async function resolveTargets(image: string, registry: SignRegistry, recursive: boolean, events: EventSink | undefined): Promise<ResolvedTarget> {
  if (image.startsWith('oci-dir:')) throw new UsageError('INVALID_REFERENCE', `${image}: signing writes to a registry; push the layout with \`tollgate load\` first`);
  const ref = parseReference(image);
  const source = new RegistrySource(registry, ref);
  const top = await registry.getManifest(ref, ref.digest ?? ref.tag ?? 'latest');
  if (!ref.digest) {
    events?.({
      type: 'warning',
      code: 'SIGN_BY_TAG',
      message:
        `${image} names the image by tag; signing the digest it points to now, ${top.digest}. ` +
        `A tag can move: sign ${ref.registry}/${ref.repository}@${top.digest} to be sure what you sign.`,
    });
  }
  const targets: ResolvedTarget['targets'] = [{ mediaType: top.mediaType, digest: top.digest, size: top.bytes.length }];
  if (recursive) {
    const seen = new Set([top.digest]);
    const walk = async (bytes: Buffer, mediaType: string): Promise<void> => {
      const m = parseManifestOrIndex(bytes, mediaType);
      if (m.kind !== 'index') return;
      for (const child of m.manifests) {
        if (seen.has(child.digest)) continue;
        seen.add(child.digest);
        targets.push({ mediaType: child.mediaType, digest: child.digest, size: child.size });
        if (child.mediaType === MediaType.ociIndex || child.mediaType === MediaType.dockerManifestList) {
          const sub = await registry.getManifest(ref, child.digest);
          await walk(sub.bytes, sub.mediaType);
        }
      }
    };
    await walk(top.bytes, top.mediaType);
  }
  return { source, targets };
}

function formsOf(form: SignatureForms | undefined): { legacy: boolean; bundle: boolean } {
  const f = form ?? 'both';
  return { legacy: f === 'legacy' || f === 'both', bundle: f === 'bundle' || f === 'both' };
}

function isSigningMethod(s: Signer | SigningMethod): s is SigningMethod {
  return typeof (s as Partial<SigningMethod>).signPayload === 'function';
}

/**
 * A key as a SigningMethod: a `.sig` layer carries only the signature, an `.att` layer an empty one; a bundle holds
 * the public-key hint and no transparency-log entry. One statement is signed once, whatever the forms it is
 * stored in (the `.att` layer and the bundle then hold the same envelope).
 */
export function keySigning(signer: Signer): SigningMethod {
  let last: { statement: Buffer; env: DsseEnvelope } | undefined;
  const envelope = async (statement: Buffer): Promise<DsseEnvelope> => {
    if (last?.statement.equals(statement)) return last.env;
    const env = await signEnvelope(signer, IN_TOTO_PAYLOAD_TYPE, statement);
    last = { statement, env };
    return env;
  };
  return {
    description: signer.description,
    signPayload: async (payload) => ({ [SIGNATURE_ANNOTATION]: (await signer.sign(payload)).toString('base64') }),
    // cosign's static layers always carry the signature annotation; attestations leave it empty.
    signAttestationLayer: async (statement) => ({ envelope: serializeEnvelope(await envelope(statement)), annotations: { [SIGNATURE_ANNOTATION]: '' } }),
    signBundle: async (statement) => buildDsseBundle(await envelope(statement), await signer.publicKey()),
    dedupeKey: () => signer.publicKey(),
  };
}

export function signingMethodOf(signer: Signer | SigningMethod): SigningMethod {
  return isSigningMethod(signer) ? signer : keySigning(signer);
}

/**
 * Signs an image as cosign `sign` does and stores the signature as cosign does: a simple-signing payload in a layer
 * of the `sha256-<hex>.sig` image (appended to the signatures already there, identical ones skipped), and/or a
 * Sigstore bundle (DSSE, in-toto statement with predicate https://sigstore.dev/cosign/sign/v1) attached as an OCI
 * 1.1 referrer. With a key nothing is uploaded to a transparency log; keyless, every signature is recorded in Rekor
 * and stored with its certificate. Every signature is made before anything is written, so a failure of the
 * signing services (Fulcio, Rekor, a KMS) leaves the registry untouched.
 */
export async function signImage(options: SignImageOptions): Promise<SignImageResult> {
  const { source, targets } = await resolveTargets(options.image, options.registry, options.recursive ?? false, options.events);
  const forms = formsOf(options.form);
  const method = signingMethodOf(options.signer);
  const dedupeKey = await method.dedupeKey();
  const dockerReference = dockerReferenceOf(source.reference);
  const annotations = options.annotations ?? {};
  const writes: (() => Promise<SignedEntry>)[] = [];
  for (const target of targets) {
    if (forms.legacy) {
      const payload = buildSimpleSigningPayload({ dockerReference, digest: target.digest, annotations });
      const layerAnnotations = await method.signPayload(payload);
      const tag = signatureTag(target.digest);
      writes.push(async () => {
        const added = await appendToTag(
          source,
          tag,
          { payload, mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: layerAnnotations },
          dedupeKey,
          `${source.reference.registry}/${source.reference.repository}:${tag}`,
        );
        options.events?.({ type: 'debug', message: `${added ? 'pushed' : 'already there:'} signature of ${target.digest} at ${tag}` });
        return { digest: target.digest, form: 'legacy', location: tag, deduplicated: !added };
      });
    }
    if (forms.bundle) {
      const [algorithm, hex] = target.digest.split(':') as [string, string];
      // cosign signDigestBundle: subject without a name, annotations always present (an empty struct when none).
      const statement = buildStatement({
        predicateType: COSIGN_SIGN_PREDICATE_TYPE,
        subjects: [{ digest: { [algorithm]: hex }, annotations }],
        predicate: {},
      });
      const bundle = await method.signBundle(statement);
      writes.push(async () => {
        const digest = await attachBundle(source, target, bundle, COSIGN_SIGN_PREDICATE_TYPE, options.now ?? new Date());
        options.events?.({ type: 'debug', message: `attached bundle referrer ${digest} to ${target.digest}` });
        return { digest: target.digest, form: 'bundle', location: digest, deduplicated: false };
      });
    }
  }
  const signed: SignedEntry[] = [];
  for (const write of writes) signed.push(await write());
  return { image: options.image, digest: targets[0]!.digest, signed };
}
