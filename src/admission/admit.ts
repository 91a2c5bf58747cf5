import type { AdmissionImage, Decision, EvaluationRequest, FactProvider, ImagePolicy, PolicyMode, RuleResult } from '../core/index.js';
import { evaluate, gatherFacts, needsRegistry, referenceFacts, requiredFacts, type WorkloadImage } from '../policy/index.js';
import { changedImages, objectImages, objectPodSpec } from './images.js';
import type { PodPullCredentials, PullCredentials } from './pull-secrets.js';
import { encodePatch, pinPatch, type ImagePin } from './patch.js';
import { reviewResponse, shortWarnings, type AdmissionResponse, type AdmissionReview, type AdmissionReviewResponse } from './review.js';

/** The loaded policies and a version that changes whenever any of them does (part of every cache key). */
export interface PolicySet {
  policies: readonly ImagePolicy[];
  version: string;
}

export type Endpoint = 'validate' | 'mutate';

/** Why a request was decided without evaluating its images. */
export type SkipReason = 'operation' | 'subresource' | 'kind' | 'no-images' | 'unchanged' | 'excluded-namespace';

export interface AdmissionControllerOptions {
  policySet: () => PolicySet;
  facts: FactProvider;
  /** How long facts are waited for, per request (the webhook's timeoutSeconds minus a margin). */
  deadlineMs: number;
  /** Namespaces whose requests are admitted untouched (defence in depth beside the webhook's namespaceSelector). */
  excludeNamespaces?: readonly string[];
  /** Labels of a namespace, for policies with a namespaceSelector (in a cluster: read through the API). */
  namespaceLabels?: (namespace: string, signal: AbortSignal) => Promise<Record<string, string>>;
  /**
   * The pull secrets of the object's pod spec (its `imagePullSecrets`, then its service account's) in the request's
   * namespace; used when `facts` can take them (LiveFactProvider.withPullCredentials).
   */
  pullSecrets?: { forPod(namespace: string, podSpec: unknown, signal: AbortSignal): Promise<PodPullCredentials> };
  /** Images no policy matches: admitted (default) or denied. */
  unmatched?: 'allow' | 'deny';
  now?: () => Date;
}

/** One line of the audit log: what was decided about what, and why. */
export interface AuditRecord {
  time: string;
  uid: string;
  endpoint: Endpoint;
  operation: string;
  namespace?: string;
  /** `apps/v1 Deployment`, `v1 Pod`. */
  kind: string;
  subResource?: string;
  name?: string;
  user?: string;
  dryRun: boolean;
  images: { ref: string; container: string; kind: string; digest?: string; pinnedRef?: string; allowed: boolean }[];
  /** Every rule that did not simply pass. */
  rules: Pick<RuleResult, 'image' | 'policy' | 'rule' | 'mode' | 'result' | 'message'>[];
  decision: 'allow' | 'deny';
  mode: PolicyMode;
  skipped?: SkipReason;
  /** `ns/name` of the pull secrets consulted for this request (names only, never their content). */
  pullSecrets?: string[];
  /** Pull secrets or service accounts that could not be read or used (the request went on without them). */
  pullSecretWarnings?: string[];
  message?: string;
  warnings?: string[];
  patched: number;
  policyVersion: string;
  latencyMs: number;
}

export interface AdmissionOutcome {
  body: AdmissionReviewResponse;
  audit: AuditRecord;
  decision?: Decision;
}

function acceptsPullCredentials(p: FactProvider): p is FactProvider & { withPullCredentials(c: PullCredentials): FactProvider } {
  return typeof (p as { withPullCredentials?: unknown }).withPullCredentials === 'function';
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function objectName(review: AdmissionReview): string | undefined {
  const r = review.request;
  if (r.name) return r.name;
  const meta = isObject(r.object) && isObject(r.object.metadata) ? r.object.metadata : undefined;
  if (typeof meta?.name === 'string') return meta.name;
  if (typeof meta?.generateName === 'string') return `${meta.generateName}*`;
  return undefined;
}

/**
 * Decides one AdmissionReview: which images it is about (a Pod's containers, init and ephemeral containers; a
 * workload's pod template; for an UPDATE only the images it changes), the facts the matching policies need (within the
 * deadline), the policy decision, and for `/mutate` the JSON patch pinning each admitted image to its digest.
 * Never throws for what a request contains; the caller maps only AdmissionError (a malformed review) to HTTP 400.
 */
export class AdmissionController {
  constructor(private readonly options: AdmissionControllerOptions) {}

  /** `deadlineMs` overrides the configured deadline (kube-apiserver's `?timeout=`, less a margin) when shorter. */
  async admit(review: AdmissionReview, endpoint: Endpoint, call: { deadlineMs?: number } = {}): Promise<AdmissionOutcome> {
    const started = performance.now();
    const now = this.options.now ?? (() => new Date());
    const r = review.request;
    const set = this.options.policySet();
    const gvk = `${r.kind.group ? `${r.kind.group}/` : ''}${r.kind.version} ${r.kind.kind}`;
    const name = objectName(review);
    const audit: AuditRecord = {
      time: now().toISOString(),
      uid: r.uid,
      endpoint,
      operation: r.operation,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      kind: gvk,
      ...(r.subResource ? { subResource: r.subResource } : {}),
      ...(name ? { name } : {}),
      ...(r.userInfo?.username ? { user: r.userInfo.username } : {}),
      dryRun: r.dryRun,
      images: [],
      rules: [],
      decision: 'allow',
      mode: 'enforce',
      patched: 0,
      policyVersion: set.version,
      latencyMs: 0,
    };
    const finish = (response: Omit<AdmissionResponse, 'uid'>, decision?: Decision): AdmissionOutcome => {
      audit.latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
      audit.decision = response.allowed ? 'allow' : 'deny';
      if (response.status?.message) audit.message = response.status.message;
      return { body: reviewResponse(review, { uid: r.uid, ...response }), audit, ...(decision ? { decision } : {}) };
    };
    const skip = (why: SkipReason) => {
      audit.skipped = why;
      return finish({ allowed: true });
    };

    if (r.operation !== 'CREATE' && r.operation !== 'UPDATE') return skip('operation');
    if (r.subResource && r.subResource !== 'ephemeralcontainers') return skip('subresource');
    const current = objectImages(r.kind.kind, r.object);
    if (!current.supported) return skip('kind');
    if (current.problems.length > 0) {
      return finish({
        allowed: false,
        status: { code: 400, reason: 'BadRequest', message: `tollgate: cannot read the ${r.kind.kind}${name ? ` ${name}` : ''}: ${current.problems.join('; ')}` },
      });
    }
    let images: WorkloadImage[] = current.images;
    if (images.length === 0) return skip('no-images');
    if (r.operation === 'UPDATE' && r.oldObject !== undefined) {
      const previous = objectImages(r.kind.kind, r.oldObject);
      if (previous.supported && previous.problems.length === 0) images = changedImages(images, previous.images);
      if (images.length === 0) return skip('unchanged');
    }
    if (r.namespace && this.options.excludeNamespaces?.includes(r.namespace)) return skip('excluded-namespace');

    const signal = AbortSignal.timeout(Math.max(1, Math.min(this.options.deadlineMs, call.deadlineMs ?? Infinity)));
    let labels: Record<string, string> | undefined;
    if (r.namespace && this.options.namespaceLabels && set.policies.some((p) => p.namespaceSelector)) {
      try {
        labels = await this.options.namespaceLabels(r.namespace, signal);
      } catch (e) {
        // A policy scoped by labels cannot be matched without them: deny rather than let it silently not apply.
        return finish({
          allowed: false,
          status: { code: 500, reason: 'InternalError', message: `tollgate: the labels of namespace ${r.namespace} could not be read: ${(e as Error).message}` },
        });
      }
    }
    const admissionImages: AdmissionImage[] = images.map((i) => ({ ref: i.ref, container: i.container, kind: i.kind }));
    const request: EvaluationRequest = {
      ...(r.namespace ? { namespace: r.namespace } : {}),
      ...(labels ? { namespaceLabels: labels } : {}),
      images: admissionImages,
    };
    const needed = requiredFacts(set.policies, admissionImages, { ...(r.namespace ? { name: r.namespace } : {}), ...(labels ? { labels } : {}) });
    // Reference rules decide on the reference alone: only images whose policies need more go to the provider.
    const registryFacts = needed.filter(needsRegistry);
    let provider: FactProvider = this.options.facts;
    if (r.namespace && this.options.pullSecrets && registryFacts.length > 0 && acceptsPullCredentials(provider)) {
      const pull = await this.options.pullSecrets.forPod(r.namespace, objectPodSpec(r.kind.kind, r.object), signal);
      if (pull.secrets.length > 0) audit.pullSecrets = pull.secrets;
      if (pull.warnings.length > 0) audit.pullSecretWarnings = pull.warnings;
      provider = provider.withPullCredentials(pull.credentials);
    }
    const facts = await gatherFacts(provider, registryFacts, { signal, ...(r.namespace ? { namespace: r.namespace } : {}) });
    for (const f of needed) if (!facts.has(f.ref)) facts.set(f.ref, referenceFacts(f.ref));
    const decision = evaluate(set.policies, request, facts, now(), { ...(this.options.unmatched ? { unmatched: this.options.unmatched } : {}) });

    audit.mode = decision.mode;
    audit.images = decision.images.map((v) => ({
      ref: v.image,
      container: v.container,
      kind: v.kind,
      ...(v.digest ? { digest: v.digest } : {}),
      ...(v.pinnedRef ? { pinnedRef: v.pinnedRef } : {}),
      allowed: v.allowed,
    }));
    audit.rules = decision.results.filter((x) => x.result !== 'pass').map(({ image, policy, rule, mode, result, message }) => ({ image, policy, rule, mode, result, message }));
    if (decision.warnings.length > 0) audit.warnings = decision.warnings;
    const warnings = shortWarnings(decision.warnings);
    const common = warnings.length > 0 ? { warnings } : {};
    if (!decision.allowed) {
      return finish({ allowed: false, status: { code: 403, reason: 'Forbidden', message: `tollgate denied the request: ${decision.message ?? 'a policy failed'}` }, ...common }, decision);
    }
    if (endpoint === 'mutate') {
      const pins: ImagePin[] = [];
      decision.images.forEach((v, i) => {
        const img = images[i];
        // evaluate answers one verdict per requested image, in order; the check guards that pairing.
        if (v.pinnedRef && img && img.ref === v.image && img.container === v.container && img.kind === v.kind) pins.push({ pointer: img.pointer, from: img.ref, to: v.pinnedRef });
      });
      const ops = pinPatch(pins);
      if (ops.length > 0) {
        audit.patched = pins.length;
        return finish({ allowed: true, patchType: 'JSONPatch', patch: encodePatch(ops), ...common }, decision);
      }
    }
    return finish({ allowed: true, ...common }, decision);
  }
}
