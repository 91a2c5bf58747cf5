import type { FactProvider, ImageFacts, ImagePolicy } from '../core/index.js';
import { evaluate, type EvaluateOptions } from './evaluate.js';
import type { ObjectDecision } from './format-decision.js';
import { gatherFacts, offlineFacts } from './gather-facts.js';
import type { ManifestObject } from './manifests.js';
import { needsVerification, requiredFacts } from './required-facts.js';

/**
 * `tollgate policy test`: the webhook's decision for each object of some manifests, computed with the same
 * `requiredFacts` → facts → `evaluate` steps. Facts come from `provider` (the registry), or, offline, are marked
 * "not verified (offline)" so that every rule needing them fails.
 */
export interface PolicyTestOptions extends EvaluateOptions {
  /** Namespace for objects that name none (kubectl's default). */
  defaultNamespace?: string;
  now?: Date;
  signal?: AbortSignal;
}

export async function testManifests(
  policies: readonly ImagePolicy[],
  objects: readonly ManifestObject[],
  facts: { provider: FactProvider } | 'offline',
  options: PolicyTestOptions = {},
): Promise<ObjectDecision[]> {
  const now = options.now ?? new Date();
  // Namespaces defined in the manifests give their labels to namespaceSelector matching.
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const o of objects) {
    if (o.kind !== 'Namespace' || !o.name) continue;
    const meta = o.object.metadata as { labels?: Record<string, unknown> } | undefined;
    namespaceLabels.set(o.name, Object.fromEntries(Object.entries(meta?.labels ?? {}).map(([k, v]) => [k, String(v)])));
  }
  const evaluated = objects.filter((o) => o.supported);
  const nsOf = (o: ManifestObject) => o.namespace ?? options.defaultNamespace ?? 'default';

  // One fact request per image reference across all objects (the same image in ten Deployments is looked up once).
  const requests = requiredFacts(policies, evaluated.flatMap((o) => o.images));
  let gathered: Map<string, ImageFacts>;
  if (facts === 'offline') gathered = new Map(requests.map((r) => [r.ref, offlineFacts(r)]));
  else {
    // Digests are resolved only to pin admitted images, which `policy test` does not do: only verification needs the
    // registry here.
    gathered = new Map(requests.filter((r) => !needsVerification(r)).map((r) => [r.ref, offlineFacts(r)]));
    for (const [k, v] of await gatherFacts(facts.provider, requests.filter(needsVerification), options.signal ? { signal: options.signal } : {})) gathered.set(k, v);
  }

  return evaluated.map((o) => {
    const namespace = nsOf(o);
    const decision = evaluate(
      policies,
      { namespace, namespaceLabels: { 'kubernetes.io/metadata.name': namespace, ...(namespaceLabels.get(namespace) ?? {}) }, images: o.images.map((i) => ({ ref: i.ref, container: i.container, kind: i.kind })) },
      gathered,
      now,
      options.unmatched ? { unmatched: options.unmatched } : {},
    );
    return { file: o.file, line: o.line, kind: o.kind, namespace: o.kind === 'Namespace' ? '' : namespace, name: o.name, decision, imageLines: o.imageLines, problems: o.problems };
  });
}
