import type { EventSink } from '../core/index.js';
import type { SignRegistry } from './artifact-source.js';
import { appendToTag, attachBundle } from './attach.js';
import { DSSE_ENVELOPE_MEDIA_TYPE } from './dsse.js';
import { buildPredicate, buildStatement, predicateTypeUri } from './in-toto.js';
import { resolveTargets, signingMethodOf } from './sign-image.js';
import type { Signer, SigningMethod } from './signer.js';
import { dockerReferenceOf } from './simple-signing.js';
import { attestationTag, PREDICATE_TYPE_ANNOTATION } from './tag-manifest.js';
import type { SignatureForms, SignedEntry, SignImageResult } from './types.js';

export interface AttestImageOptions {
  image: string;
  /** A key (`Signer`), or keyless signing (`KeylessSigning` from src/sign/keyless-sign: Fulcio certificate, Rekor). */
  signer: Signer | SigningMethod;
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
 * cosign `attest --type --predicate` (with --key, or keyless): an in-toto Statement about the image digest (subject
 * name = the repository, as cosign's GenerateStatement), signed as a DSSE envelope, stored as a layer of the
 * `sha256-<hex>.att` image (media type application/vnd.dsse.envelope.v1+json, `predicateType` annotation) and/or
 * as a Sigstore bundle referrer. Keyless, each form's envelope is recorded in Rekor (an intoto entry for the layer,
 * a dsse entry for the bundle, as cosign 2 and 3 do) and everything is signed before anything is written.
 */
export async function attestImage(options: AttestImageOptions): Promise<SignImageResult> {
  const predicateType = predicateTypeUri(options.type);
  const now = options.now ?? new Date();
  const predicate = buildPredicate(options.type, options.predicate, { now, what: options.predicateName ?? 'the predicate' });
  const { source, targets } = await resolveTargets(options.image, options.registry, options.recursive ?? false, options.events);
  const form = options.form ?? 'both';
  const method = signingMethodOf(options.signer);
  const name = dockerReferenceOf(source.reference);
  const writes: (() => Promise<SignedEntry>)[] = [];
  for (const target of targets) {
    const [algorithm, hex] = target.digest.split(':') as [string, string];
    const statement = buildStatement({ predicateType, subjects: [{ name, digest: { [algorithm]: hex } }], predicate });
    if (form === 'legacy' || form === 'both') {
      const tag = attestationTag(target.digest);
      const { envelope, annotations } = await method.signAttestationLayer(statement);
      writes.push(async () => {
        await appendToTag(
          source,
          tag,
          { payload: envelope, mediaType: DSSE_ENVELOPE_MEDIA_TYPE, annotations: { ...annotations, [PREDICATE_TYPE_ANNOTATION]: predicateType } },
          undefined,
          `${source.reference.registry}/${source.reference.repository}:${tag}`,
        );
        return { digest: target.digest, form: 'legacy', location: tag, deduplicated: false };
      });
    }
    if (form === 'bundle' || form === 'both') {
      const bundle = await method.signBundle(statement);
      writes.push(async () => {
        const digest = await attachBundle(source, target, bundle, predicateType, now);
        return { digest: target.digest, form: 'bundle', location: digest, deduplicated: false };
      });
    }
  }
  const signed: SignedEntry[] = [];
  for (const write of writes) signed.push(await write());
  return { image: options.image, digest: targets[0]!.digest, signed };
}
