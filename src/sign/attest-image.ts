import type { EventSink } from '../core/index.js';
import type { SignRegistry } from './artifact-source.js';
import { appendToTag, attachBundle } from './attach.js';
import { IN_TOTO_PAYLOAD_TYPE, DSSE_ENVELOPE_MEDIA_TYPE, serializeEnvelope, signEnvelope } from './dsse.js';
import { buildPredicate, buildStatement, predicateTypeUri } from './in-toto.js';
import { resolveTargets } from './sign-image.js';
import type { Signer } from './signer.js';
import { dockerReferenceOf } from './simple-signing.js';
import { buildDsseBundle } from './sigstore-bundle.js';
import { attestationTag, PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION } from './tag-manifest.js';
import type { SignatureForms, SignedEntry, SignImageResult } from './types.js';

export interface AttestImageOptions {
  image: string;
  signer: Signer;
  /** slsaprovenance, slsaprovenance02, slsaprovenance1, link, spdx, spdxjson, cyclonedx, vuln, openvex, custom or a URI. */
  type: string;
  /** The predicate file's bytes. */
  predicate: Buffer;
  /** For messages about the predicate (its file name). */
  predicateName?: string;
  registry: SignRegistry;
  /** Attest every manifest of an index too. */
  recursive?: boolean;
  /** Default both: the `.att` tag (cosign ≤ 2) and a Sigstore bundle referrer (cosign 3). */
  form?: SignatureForms;
  now?: Date;
  events?: EventSink;
}

/**
 * cosign `attest --key --type --predicate`: an in-toto Statement about the image digest (subject name = the
 * repository, as cosign's GenerateStatement), signed as a DSSE envelope, stored as a layer of the
 * `sha256-<hex>.att` image (media type application/vnd.dsse.envelope.v1+json, `predicateType` annotation) and/or
 * as a Sigstore bundle referrer.
 */
export async function attestImage(options: AttestImageOptions): Promise<SignImageResult> {
  const predicateType = predicateTypeUri(options.type);
  const now = options.now ?? new Date();
  const predicate = buildPredicate(options.type, options.predicate, { now, what: options.predicateName ?? 'the predicate' });
  const { source, targets } = await resolveTargets(options.image, options.registry, options.recursive ?? false, options.events);
  const form = options.form ?? 'both';
  const publicKey = await options.signer.publicKey();
  const name = dockerReferenceOf(source.reference);
  const signed: SignedEntry[] = [];
  for (const target of targets) {
    const [algorithm, hex] = target.digest.split(':') as [string, string];
    const statement = buildStatement({ predicateType, subjects: [{ name, digest: { [algorithm]: hex } }], predicate });
    const env = await signEnvelope(options.signer, IN_TOTO_PAYLOAD_TYPE, statement);
    if (form === 'legacy' || form === 'both') {
      const tag = attestationTag(target.digest);
      await appendToTag(
        source,
        tag,
        {
          payload: serializeEnvelope(env),
          mediaType: DSSE_ENVELOPE_MEDIA_TYPE,
          // cosign's static layers always carry the signature annotation; attestations leave it empty.
          annotations: { [SIGNATURE_ANNOTATION]: '', [PREDICATE_TYPE_ANNOTATION]: predicateType },
        },
        undefined,
        `${source.reference.registry}/${source.reference.repository}:${tag}`,
      );
      signed.push({ digest: target.digest, form: 'legacy', location: tag, deduplicated: false });
    }
    if (form === 'bundle' || form === 'both') {
      const digest = await attachBundle(source, target, buildDsseBundle(env, publicKey), predicateType, now);
      signed.push({ digest: target.digest, form: 'bundle', location: digest, deduplicated: false });
    }
  }
  return { image: options.image, digest: targets[0]!.digest, signed };
}
