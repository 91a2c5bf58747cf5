import { UsageError, type ImageMetadata } from '../../core/index.js';
import { parseReference, parseSourceSpec, type RegistryClient } from '../../oci/index.js';
import { encodeSbom, summarizeSbom } from '../../sbom/index.js';
import { inspect } from '../../scan/index.js';
import type { SignatureForms, Signer } from '../../sign/index.js';
import { ExitCode } from '../exit-codes.js';
import { createOutput, type Output } from '../output.js';
import { registryFactory, type RegistryCliOptions } from '../registry-options.js';
import { signExitCode } from '../sign-exit-code.js';

/** `--attest --key KEY [--form F]` of `sbom` and `scan` (issue 5): attach the result as a signed attestation. */
export interface AttestFlags {
  attest?: boolean;
  key?: string;
  form?: string;
}

export interface SbomCliOptions extends RegistryCliOptions, AttestFlags {
  format: string;
  output?: string;
  cacheDir?: string;
  cache?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

const formats: Record<string, 'cyclonedx' | 'spdx' | 'json'> = {
  cyclonedx: 'cyclonedx',
  'cyclonedx-json': 'cyclonedx',
  spdx: 'spdx',
  'spdx-json': 'spdx',
  json: 'json',
};

export interface AttestPlan {
  signer: Signer;
  form: SignatureForms;
}

/**
 * Checks the --attest flags and loads the key before the image is read, so that a missing key, a wrong password or
 * a source that cannot carry an attestation fails at once rather than after a long scan.
 */
export async function planAttestation(source: string, opts: AttestFlags): Promise<AttestPlan | undefined> {
  if (!opts.attest) {
    if (opts.key !== undefined) throw new UsageError('INVALID_ARGUMENT', '--key is only used with --attest');
    if (opts.form !== undefined) throw new UsageError('INVALID_ARGUMENT', '--form is only used with --attest');
    return undefined;
  }
  if (!opts.key) throw new UsageError('INVALID_ARGUMENT', '--attest needs --key (a private key file or reference)');
  // Attestations are stored in the image's repository (cosign's .att tag / OCI referrers): registry images only.
  if (source.startsWith('sbom:') || parseSourceSpec(source).kind !== 'registry') {
    throw new UsageError('INVALID_ARGUMENT', `--attest needs a registry image, not ${JSON.stringify(source)}: push it first (attestations are stored in its repository)`);
  }
  // Loaded only here: signing pulls in the Sigstore libraries, which plain `sbom`/`scan` runs should not pay for.
  const { loadSigner, parseForm } = await import('./sign.js');
  const form = parseForm(opts.form);
  return { signer: await loadSigner(opts.key), form };
}

/**
 * Attests the platform manifest that was read (image.manifestDigest), by digest: a tag that moved since the scan
 * must not get the attestation of another image.
 */
export async function attestScanned(
  source: string,
  image: ImageMetadata,
  plan: AttestPlan,
  what: { type: string; predicate: Buffer; name: string },
  opts: RegistryCliOptions & { quiet?: boolean },
  out: Output,
): Promise<void> {
  if (!image.manifestDigest) throw new Error(`${source}: the manifest digest of the image is unknown; nothing to attest`);
  const ref = parseReference(source);
  const target = `${ref.registry}/${ref.repository}@${image.manifestDigest}`;
  let client: RegistryClient | undefined;
  try {
    const [{ signRegistry }, { attestImage }] = await Promise.all([import('./sign.js'), import('../../sign/index.js')]);
    client = signRegistry(opts, out);
    const res = await attestImage({
      image: target,
      signer: plan.signer,
      type: what.type,
      predicate: what.predicate,
      predicateName: what.name,
      registry: client,
      form: plan.form,
      events: out.events,
    });
    if (opts.quiet) return;
    for (const s of res.signed) {
      out.info(
        s.form === 'legacy'
          ? `Pushed the ${what.name} attestation of ${s.digest} to ${ref.registry}/${ref.repository}:${s.location}`
          : `Attached the ${what.name} attestation to ${s.digest} as a Sigstore bundle (referrer ${ref.registry}/${ref.repository}@${s.location})`,
      );
    }
  } finally {
    await client?.close();
  }
}

export async function runSbom(source: string, opts: SbomCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const format = formats[opts.format] ?? 'cyclonedx';
    const plan = await planAttestation(source, opts);
    const doc = await inspect(source, {
      ...(opts.platform ? { platform: opts.platform } : {}),
      cacheDir: opts.cache === false ? false : (opts.cacheDir ?? undefined),
      registry: registryFactory(opts, out.events),
      events: out.events,
    });
    const encoded = encodeSbom(doc, format);
    await out.result(encoded, opts.output);
    if (!opts.quiet && (process.stdout.isTTY || (opts.output && process.stderr.isTTY))) out.info(summarizeSbom(doc));
    if (plan) {
      // The predicate is always CycloneDX JSON (cosign --type cyclonedx), whatever --format wrote.
      const predicate = Buffer.from(format === 'cyclonedx' ? encoded : encodeSbom(doc, 'cyclonedx'), 'utf8');
      await attestScanned(source, doc.image, plan, { type: 'cyclonedx', predicate, name: 'CycloneDX SBOM' }, opts, out);
    }
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return signExitCode(e);
  }
}
