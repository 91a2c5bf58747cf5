import { UsageError, type EventSink } from '../core/index.js';
import { MediaType, parseManifestOrIndex, parseReference, type Descriptor } from '../oci/index.js';
import { RegistrySource, type SignRegistry } from './artifact-source.js';
import { appendToTag, attachBundle } from './attach.js';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from './dsse.js';
import { buildStatement, COSIGN_SIGN_PREDICATE_TYPE } from './in-toto.js';
import type { Signer } from './signer.js';
import { buildSimpleSigningPayload, dockerReferenceOf } from './simple-signing.js';
import { buildDsseBundle } from './sigstore-bundle.js';
import { SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, signatureTag } from './tag-manifest.js';
import type { SignatureForms, SignedEntry, SignImageResult } from './types.js';

export interface SignImageOptions {
  /** A registry reference; a tag is resolved to its digest and the digest is signed. */
  image: string;
  signer: Signer;
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

/**
 * Signs an image as cosign `sign --key` does and stores the signature as cosign does: a simple-signing payload in
 * a layer of the `sha256-<hex>.sig` image (appended to the signatures already there, identical ones skipped), and/or
 * a Sigstore bundle (DSSE, in-toto statement with predicate https://sigstore.dev/cosign/sign/v1) attached as an OCI
 * 1.1 referrer. Nothing is uploaded to a transparency log.
 */
export async function signImage(options: SignImageOptions): Promise<SignImageResult> {
  const { source, targets } = await resolveTargets(options.image, options.registry, options.recursive ?? false, options.events);
  const forms = formsOf(options.form);
  const publicKey = await options.signer.publicKey();
  const dockerReference = dockerReferenceOf(source.reference);
  const annotations = options.annotations ?? {};
  const signed: SignedEntry[] = [];
  for (const target of targets) {
    if (forms.legacy) {
      const payload = buildSimpleSigningPayload({ dockerReference, digest: target.digest, annotations });
      const sig = await options.signer.sign(payload);
      const tag = signatureTag(target.digest);
      const added = await appendToTag(
        source,
        tag,
        { payload, mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: { [SIGNATURE_ANNOTATION]: sig.toString('base64') } },
        publicKey,
        `${source.reference.registry}/${source.reference.repository}:${tag}`,
      );
      signed.push({ digest: target.digest, form: 'legacy', location: tag, deduplicated: !added });
      options.events?.({ type: 'debug', message: `${added ? 'pushed' : 'already there:'} signature of ${target.digest} at ${tag}` });
    }
    if (forms.bundle) {
      const [algorithm, hex] = target.digest.split(':') as [string, string];
      // cosign signDigestBundle: subject without a name, annotations always present (an empty struct when none).
      const statement = buildStatement({
        predicateType: COSIGN_SIGN_PREDICATE_TYPE,
        subjects: [{ digest: { [algorithm]: hex }, annotations }],
        predicate: {},
      });
      const env = await signEnvelope(options.signer, IN_TOTO_PAYLOAD_TYPE, statement);
      const bundle = buildDsseBundle(env, publicKey);
      const digest = await attachBundle(source, target, bundle, COSIGN_SIGN_PREDICATE_TYPE, options.now ?? new Date());
      signed.push({ digest: target.digest, form: 'bundle', location: digest, deduplicated: false });
      options.events?.({ type: 'debug', message: `attached bundle referrer ${digest} to ${target.digest}` });
    }
  }
  return { image: options.image, digest: targets[0]!.digest, signed };
}
