import { createHash, X509Certificate } from 'node:crypto';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { SignError, silentSink, type EventSink, type SignErrorCode } from '../../core/index.js';
import { compileIdentityPolicy, decodeBundle, verifyBundle, type ArtifactRef, type BundleVerification, type IdentityPolicy } from '../bundle/index.js';
import type { KeylessSigner } from '../types.js';

/** What keyless (Fulcio certificate) signatures are verified against: cosign's identity flags and a trusted root. */
export interface KeylessOptions {
  /** `--certificate-identity[-regexp]` and `--certificate-oidc-issuer[-regexp]` (exactly one of each). */
  identity: IdentityPolicy;
  /** Fulcio CAs, CT logs, Rekor keys and timestamp authorities (`loadTrustedRoot`, or `decodeTrustedRoot`). */
  trustedRoot: TrustedRoot;
  /** Name of the trusted root in results (KeylessSigner.trustRoot). Default "public-good". */
  trustRootId?: string;
}

export type KeylessCheck =
  | { ok: true; signer: KeylessSigner; verification: Extract<BundleVerification, { verified: true }> }
  | { ok: false; code: SignErrorCode; message: string };

/**
 * Verifies the Sigstore bundles of keyless signatures (a referrer's bundle, or a tag-based signature rewritten as
 * one by `legacyBundle`) with src/sign/bundle's verifyBundle, i.e. @sigstore/verify, offline. One instance per
 * verification run: the identity policy is compiled, and its unanchored-regexp warning given, once.
 */
export class KeylessVerifier {
  private readonly policy: ReturnType<typeof compileIdentityPolicy>;
  private readonly trustRootId: string;

  constructor(
    private readonly options: KeylessOptions,
    private readonly events: EventSink = silentSink,
  ) {
    this.policy = compileIdentityPolicy(options.identity);
    this.trustRootId = options.trustRootId ?? 'public-good';
    for (const u of this.policy.unanchored) {
      events({
        type: 'warning',
        code: 'UNANCHORED_REGEXP',
        message: `${u.flag} ${JSON.stringify(u.pattern)} is not anchored: as in cosign (Go RE2), it matches anywhere in the value; use ^…$ to match the whole value`,
      });
    }
  }

  describe(): string {
    return this.policy.describe();
  }

  verify(bundle: Buffer, artifact: ArtifactRef, name: string): KeylessCheck {
    // verifyBundle warns about unanchored expressions on every call; that was said once above.
    const events: EventSink = (e) => {
      if (!(e.type === 'warning' && e.code === 'UNANCHORED_REGEXP')) this.events(e);
    };
    let r: BundleVerification;
    try {
      r = verifyBundle({ bundle, bundleName: name, artifact, trustedRoot: this.options.trustedRoot, identity: this.options.identity, events });
    } catch (e) {
      if (e instanceof SignError) return { ok: false, code: e.code, message: e.message };
      throw e;
    }
    if (!r.verified) return { ok: false, code: r.code, message: r.reason };
    const cert = r.signer.certificate;
    if (!cert) return { ok: false, code: 'KEY_NOT_TRUSTED', message: 'the bundle is signed with a key, not a Fulcio certificate' };
    const leaf = leafOf(bundle, name);
    // cosign matches the issuer, then any SAN: report the SAN that matched (a Fulcio certificate normally has one).
    const subject = cert.sans.find((san) => this.policy.matches({ sans: [san], ...(cert.issuer !== undefined ? { issuer: cert.issuer } : {}) })) ?? cert.sans[0] ?? '';
    const tlog = r.timestamps.filter((t) => t.source === 'transparency-log').map((t) => t.time).sort();
    const tsa = r.timestamps.filter((t) => t.source === 'timestamp-authority').map((t) => t.time).sort();
    const signedAt = tlog[0] ?? tsa[0];
    if (!signedAt) return { ok: false, code: 'TIMESTAMP_INVALID', message: 'the signature has no verified signing time' };
    return {
      ok: true,
      verification: r,
      signer: {
        subject,
        sans: cert.sans,
        issuer: cert.issuer ?? '',
        trustRoot: this.trustRootId,
        signedAt,
        timestamps: r.timestamps,
        certificate: {
          notBefore: cert.notBefore,
          notAfter: cert.notAfter,
          issuerName: leaf.issuer.replace(/\n/g, ', '),
          serialNumber: leaf.serialNumber,
          sha256: createHash('sha256').update(leaf.raw).digest('hex'),
        },
      },
    };
  }
}

/** The leaf certificate of a bundle that verified (so it decodes and holds one). */
function leafOf(bytes: Buffer, name: string): X509Certificate {
  const vm = decodeBundle(bytes, name).bundle.verificationMaterial.content;
  const raw = vm.$case === 'certificate' ? vm.certificate.rawBytes : vm.$case === 'x509CertificateChain' ? vm.x509CertificateChain.certificates[0]?.rawBytes : undefined;
  if (!raw) throw new SignError('BUNDLE_MALFORMED', `${name}: no certificate`);
  return new X509Certificate(Buffer.from(raw));
}

/** An image manifest digest (`sha256:<hex>`) as the artifact of a DSSE bundle: its statement must name it as subject. */
export function imageArtifact(digest: string): ArtifactRef {
  const [algorithm, hex] = digest.split(':') as [string, string | undefined];
  if ((algorithm !== 'sha256' && algorithm !== 'sha384' && algorithm !== 'sha512') || !hex) {
    throw new SignError('DIGEST_MISMATCH', `unsupported image digest ${JSON.stringify(digest)}`);
  }
  return { kind: 'digest', algorithm, digest: Buffer.from(hex, 'hex') };
}
