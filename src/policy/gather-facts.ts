import type { FactError, FactProvider, FactRequest, FactStage, ImageFacts } from '../core/index.js';
import { isPolicyImageRef, parsePolicyImageRef } from './reference.js';

/** Facts that hold only what the reference itself says (no registry was asked). */
export function referenceFacts(ref: string, errors: FactError[] = []): ImageFacts {
  const parsed = parsePolicyImageRef(ref);
  const parts = isPolicyImageRef(parsed)
    ? { registry: parsed.registry, repository: parsed.repository, ...(parsed.tag ? { tag: parsed.tag } : {}), ...(parsed.digest ? { digest: parsed.digest } : {}) }
    : {};
  return { ref, ...parts, signatures: [], attestations: [], errors };
}

/**
 * `policy test --offline`: nothing is looked up; every fact a rule needs is recorded as not verified, so such rules
 * fail with "not verified (offline)" (reference rules still decide on their own).
 */
export function offlineFacts(request: FactRequest): ImageFacts {
  const errors: FactError[] = [];
  const add = (stage: FactStage) => errors.push({ stage, code: 'OFFLINE', message: 'not verified (offline)' });
  if (request.signatures.length > 0) add('signature');
  if (request.attestations.length > 0) add('attestation');
  if (request.vulnerabilities) add('scan');
  return referenceFacts(request.ref, errors);
}

/**
 * Gathers facts for each request with a provider, a few at a time; a provider that throws yields facts carrying
 * the error (so that failurePolicy decides), never a rejected promise.
 */
export async function gatherFacts(
  provider: FactProvider,
  requests: readonly FactRequest[],
  options: { concurrency?: number; signal?: AbortSignal; namespace?: string } = {},
): Promise<Map<string, ImageFacts>> {
  const out = new Map<string, ImageFacts>();
  const queue = [...requests];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      try {
        out.set(r.ref, await provider.gather(r, { ...(options.signal ? { signal: options.signal } : {}), ...(options.namespace ? { namespace: options.namespace } : {}) }));
      } catch (e) {
        const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'ERROR';
        out.set(r.ref, referenceFacts(r.ref, [{ stage: 'resolve', code, message: (e as Error)?.message ?? String(e) }]));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, requests.length)) }, worker));
  return out;
}
