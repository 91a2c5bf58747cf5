import { createPublicKey, type KeyObject } from 'node:crypto';
import { SignError, type EventSink } from '../../core/index.js';
import { MediaType, sha256, type Descriptor } from '../../oci/index.js';
import type { SignRegistry } from '../artifact-source.js';
import { registerReferrer } from '../attach.js';
import { decodePemBlocks } from '../keys/index.js';
import { parsePlainPrivateKey } from '../keys/plain-private-key.js';
import { resolveTargets } from '../sign-image.js';
import { algorithmOfKey, CertificateError, isNotaryAlgorithm, parseCertificateFile, validateCodeSigningChain, type Certificate } from './certificates.js';
import { buildEnvelope, COSE_MEDIA_TYPE, JWS_MEDIA_TYPE, type EnvelopeType } from './envelope.js';
import { NOTATION_SIGNATURE_ARTIFACT_TYPE, THUMBPRINT_ANNOTATION } from './media-types.js';

/**
 * Notation signing (notation sign, signing-and-verification-workflow.md "Signing Steps"; notation-go notation.Sign
 * and registry.PushSignature): a notary.x509 envelope over `{"targetArtifact": <image descriptor>}`, stored as an
 * OCI 1.1 referrer manifest (artifactType application/vnd.cncf.notary.signature, empty config, one layer holding the
 * envelope, the image as subject, the certificate chain's thumbprints as annotation), plus the `sha256-<hex>`
 * referrers tag on registries without the referrers API. No timestamp countersignature is requested.
 */
export interface SignNotationOptions {
  /** A registry reference; a tag is resolved to the digest it names now. */
  image: string;
  registry: SignRegistry;
  /** The private key: a KeyObject, or a plain PEM (PKCS#8, SEC1 or PKCS#1) RSA or ECDSA key. */
  key: KeyObject | Buffer | string;
  /** The certificate chain, leaf first, ending with the root: PEM (one or more blocks) or DER buffers. */
  certChain: Buffer | string | Buffer[];
  /** Envelope format (default jws, as `notation sign`). */
  envelope?: EnvelopeType;
  /** io.cncf.notary.expiry: the time after which verifiers treat the signature as expired. */
  expiry?: Date;
  /** User metadata: annotations of the signed targetArtifact (notation sign --user-metadata). */
  userMetadata?: Record<string, string>;
  /** Signing time (default now). */
  now?: Date;
  events?: EventSink;
}

export interface SignNotationResult {
  image: string;
  digest: string;
  /** Digest of the signature manifest (the referrer). */
  signatureManifest: string;
  envelopeType: EnvelopeType;
  envelopeMediaType: string;
  /** SHA-256 fingerprints of the certificate chain (the thumbprint annotation). */
  thumbprints: string[];
}

const SIGNING_AGENT = 'Tollgate';
const EMPTY_CONFIG = Buffer.from('{}', 'utf8');

function loadKey(key: SignNotationOptions['key']): KeyObject {
  if (typeof key === 'object' && !Buffer.isBuffer(key)) return key;
  const { blocks, problem } = decodePemBlocks(Buffer.isBuffer(key) ? key.toString('utf8') : key);
  const block = blocks.find((b) => b.type !== 'EC PARAMETERS');
  if (!block) throw new SignError('MALFORMED_KEY', `the Notation signing key is not a PEM private key (${problem ?? 'no PEM block'})`);
  return parsePlainPrivateKey(block, 'the Notation signing key');
}

function loadChain(chain: SignNotationOptions['certChain']): Certificate[] {
  try {
    if (Array.isArray(chain)) return chain.flatMap((c, i) => parseCertificateFile(c, `certificate ${i + 1} of the chain`));
    return parseCertificateFile(Buffer.isBuffer(chain) ? chain : Buffer.from(chain, 'utf8'), 'the certificate chain');
  } catch (e) {
    if (e instanceof CertificateError) throw new SignError('CERTIFICATE_INVALID', e.message);
    throw e;
  }
}

/** The Go (encoding/json of ocispec.Descriptor) field order: mediaType, digest, size, annotations. */
function payloadOf(target: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>, userMetadata: Record<string, string> | undefined): Buffer {
  for (const k of Object.keys(userMetadata ?? {})) {
    if (k.startsWith('io.cncf.notary')) throw new SignError('PREDICATE_INVALID', `user metadata key ${JSON.stringify(k)} uses the reserved prefix io.cncf.notary`);
  }
  const annotations = userMetadata && Object.keys(userMetadata).length ? Object.fromEntries(Object.entries(userMetadata).sort(([a], [b]) => (a < b ? -1 : 1))) : undefined;
  return Buffer.from(JSON.stringify({ targetArtifact: { mediaType: target.mediaType, digest: target.digest, size: target.size, ...(annotations ? { annotations } : {}) } }));
}

export async function signNotation(options: SignNotationOptions): Promise<SignNotationResult> {
  const key = loadKey(options.key);
  if (key.type !== 'private') throw new SignError('UNSUPPORTED_KEY', 'the Notation signing key is not a private key');
  const chain = loadChain(options.certChain);
  if (chain.length === 0) throw new SignError('CERTIFICATE_INVALID', 'the certificate chain is empty');
  const leaf = chain[0]!;
  const pub = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!leaf.node.publicKey.export({ type: 'spki', format: 'der' }).equals(pub)) {
    throw new SignError('CERTIFICATE_INVALID', `the signing key does not belong to the leaf certificate ${JSON.stringify(leaf.subject)} (the chain must start with the signing certificate)`);
  }
  const algorithm = algorithmOfKey(leaf.node.publicKey);
  if (!isNotaryAlgorithm(algorithm)) throw new SignError('UNSUPPORTED_KEY', `the Notation signing key: ${algorithm}`);
  const now = options.now ?? new Date();
  // As notation-core-go Envelope.Sign: the chain must satisfy the certificate requirements at signing time.
  const problem = validateCodeSigningChain(chain, new Date(Math.floor(now.getTime() / 1000) * 1000));
  if (problem) throw new SignError('CERTIFICATE_INVALID', `certificate-chain is invalid, ${problem}`);
  if (options.expiry && options.expiry.getTime() <= now.getTime()) throw new SignError('PREDICATE_INVALID', 'the expiry must be after the signing time');

  const { source, targets } = await resolveTargets(options.image, options.registry, false, options.events);
  const target = targets[0]!;
  const type = options.envelope ?? 'jws';
  const envelopeMediaType = type === 'jws' ? JWS_MEDIA_TYPE : COSE_MEDIA_TYPE;
  let envelope: Buffer;
  try {
    envelope = buildEnvelope({
      type,
      algorithm,
      key,
      certChain: chain.map((c) => c.der),
      payload: payloadOf(target, options.userMetadata),
      signingTime: now,
      ...(options.expiry ? { expiry: options.expiry } : {}),
      signingAgent: SIGNING_AGENT,
    });
  } catch (e) {
    throw new SignError('SIGNING_FAILED', `signing with the Notation key failed: ${(e as Error).message}`, { cause: e });
  }
  const thumbprints = chain.map((c) => c.sha256.slice('sha256:'.length));
  const annotations = {
    [THUMBPRINT_ANNOTATION]: JSON.stringify(thumbprints),
    'org.opencontainers.image.created': new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z'),
  };
  // oras-go PackManifest (v1.1), as notation-go writes it: artifactType, the empty config, one layer, subject.
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: NOTATION_SIGNATURE_ARTIFACT_TYPE,
      config: { mediaType: MediaType.ociEmpty, digest: sha256(EMPTY_CONFIG), size: EMPTY_CONFIG.length, data: EMPTY_CONFIG.toString('base64') },
      layers: [{ mediaType: envelopeMediaType, digest: sha256(envelope), size: envelope.length }],
      subject: { mediaType: target.mediaType, digest: target.digest, size: target.size },
      annotations,
    }),
  );
  const ref = source.reference;
  await options.registry.pushBlob(ref, EMPTY_CONFIG);
  await options.registry.pushBlob(ref, envelope);
  const digest = sha256(manifest);
  await options.registry.putManifest(ref, digest, manifest, MediaType.ociManifest);
  await registerReferrer(source, target.digest, { mediaType: MediaType.ociManifest, digest, size: manifest.length, artifactType: NOTATION_SIGNATURE_ARTIFACT_TYPE, annotations });
  options.events?.({ type: 'debug', message: `pushed Notation signature ${digest} (${envelopeMediaType}) for ${target.digest}` });
  return { image: options.image, digest: target.digest, signatureManifest: digest, envelopeType: type, envelopeMediaType, thumbprints };
}
