import { readFile } from 'node:fs/promises';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { UsageError, type EventSink } from '../../core/index.js';
import { loadPublicKeys } from '../keys/index.js';
import { parseArtifactDigest, type ArtifactRef } from './artifact.js';
import type { IdentityPolicy } from './identity.js';
import { readTrustedRoot } from './trusted-root.js';
import { verifyBundle, type BundleVerification } from './verify-bundle.js';

export interface VerifyBundleFilesOptions {
  /** The bundle file (cosign's --bundle). */
  bundleFile: string;
  /** The artifact file… */
  artifactFile?: string;
  /** …or only its digest, `sha256:<hex>` (digest-only verification). */
  digest?: string;
  /** trusted_root.json; default: the cached public-good root under the cache directory. */
  trustedRootFile?: string;
  /**
   * Without trustedRootFile: how to get the default root (the CLI's, which falls back to @sigstore/tuf's embedded
   * seed); default: the cached file only. Called after the inputs are checked.
   */
  defaultTrustedRoot?: () => Promise<TrustedRoot>;
  cacheDir?: string;
  /** Keyless: --certificate-identity[-regexp], --certificate-oidc-issuer[-regexp]. */
  identity?: IdentityPolicy;
  /** Key-signed: --key references (files, directories, env://VAR, k8s://ns/secret). */
  keyRefs?: string[];
  ignoreTlog?: boolean;
  events?: EventSink;
}

async function readInput(file: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new UsageError('INVALID_ARGUMENT', `${flag} ${file}: ${code === 'EISDIR' ? 'a directory, not a file' : 'no such file'}`, { cause: e });
    }
    throw e;
  }
}

/** `tollgate verify-bundle`: reads the bundle, the artifact (or its digest), the trusted root and the keys, then verifies. */
export async function verifyBundleFiles(opts: VerifyBundleFilesOptions): Promise<BundleVerification> {
  if ((opts.artifactFile === undefined) === (opts.digest === undefined)) {
    throw new UsageError('INVALID_ARGUMENT', 'give the artifact (--artifact FILE) or its digest (--digest sha256:…), exactly one of them');
  }
  const keyRefs = opts.keyRefs ?? [];
  const identity = opts.identity && Object.values(opts.identity).some((v) => v !== undefined) ? opts.identity : undefined;
  if (keyRefs.length > 0 && identity) {
    throw new UsageError('INVALID_ARGUMENT', '--key and --certificate-identity/--certificate-oidc-issuer exclude each other: a bundle is signed with a key or with a certificate');
  }
  if (keyRefs.length === 0 && !identity) {
    throw new UsageError('INVALID_ARGUMENT', 'give --certificate-identity and --certificate-oidc-issuer (keyless bundles) or --key (key-signed bundles)');
  }
  const artifact: ArtifactRef =
    opts.digest !== undefined ? parseArtifactDigest(opts.digest) : { kind: 'bytes', bytes: await readInput(opts.artifactFile!, '--artifact') };
  const bundle = await readInput(opts.bundleFile, '--bundle');
  const trustedRoot =
    opts.trustedRootFile === undefined && opts.defaultTrustedRoot ? await opts.defaultTrustedRoot() : await readTrustedRoot(opts.trustedRootFile, opts.cacheDir);
  const keys = keyRefs.length > 0 ? await loadPublicKeys(keyRefs) : undefined;
  return verifyBundle({
    bundle,
    bundleName: opts.bundleFile,
    artifact,
    trustedRoot,
    ...(identity ? { identity } : {}),
    ...(keys ? { keys } : {}),
    ...(opts.ignoreTlog ? { ignoreTlog: true } : {}),
    ...(opts.events ? { events: opts.events } : {}),
  });
}
