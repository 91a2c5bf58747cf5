import type {
  AdmissionImage,
  AttestationCondition,
  AttestationFact,
  AttestationRule,
  Authority,
  Decision,
  EvaluationRequest,
  FactError,
  FactStage,
  Finding,
  ImageFacts,
  ImageMatcher,
  ImagePolicy,
  ImageVerdict,
  PolicyException,
  PolicyMode,
  RuleOutcome,
  RuleResult,
  Severity,
  VulnerabilityRule,
} from '../core/index.js';
import { CONFIGURATION_FACT_ERRORS } from '../core/index.js';
import { formatDuration } from './duration.js';
import { imageGlobMatches } from './glob.js';
import { isJsonPath, parseJsonPath, selectJsonPath } from './json-path.js';
import { PREDICATE_TIME_PATHS } from './predicate-types.js';
import { DOCKER_HUB, isPolicyImageRef, matchCandidates, parsePolicyImageRef, type PolicyImageRef } from './reference.js';
import { re2FullMatch, re2Search } from './regexp.js';
import { namespaceNameMatches, selectorMatches } from './selector.js';
import { maxMatching, signaturesInScope, signerMatches } from './signers.js';

/**
 * The admission decision (docs/policy.md): pure, the same for the webhook and `tollgate policy test`.
 *
 * An image must pass every policy that matches it (its images globs, not its excludeImages, and its namespaces /
 * namespaceSelector when set), and within a policy every rule: the signature rule (`count` distinct authorities,
 * each satisfied by a different signature), each attestation, the vulnerability gate, each reference check. A
 * failing rule denies in `enforce` mode, warns in `warn`, is only recorded in `audit`; an unexpired exception turns it
 * into `exception`. An image no policy matches is admitted, or denied with `unmatched: 'deny'`.
 */
export interface EvaluateOptions {
  /** What to do with an image that no policy matches (default allow). */
  unmatched?: 'allow' | 'deny';
}

interface Check {
  rule: string;
  result: RuleOutcome;
  message: string;
}

const SEVERITY_RANK: Record<Severity, number> = { CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, NEGLIGIBLE: 1, UNKNOWN: 0 };

export function matcherMatches(m: ImageMatcher, candidates: readonly string[]): boolean {
  if ('glob' in m) return imageGlobMatches(m.glob, candidates);
  return candidates.some((c) => re2Search(m.regex, c));
}

/** Whether a policy applies in a namespace (both `namespaces` and `namespaceSelector` must hold when set). */
export function policyAppliesInNamespace(p: ImagePolicy, namespace: string | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (p.namespaces && !(namespace !== undefined && p.namespaces.some((n) => namespaceNameMatches(n, namespace)))) return false;
  if (p.namespaceSelector && !selectorMatches(p.namespaceSelector, withNameLabel(namespace, labels))) return false;
  return true;
}

/** Namespace labels with the automatic `kubernetes.io/metadata.name` (Kubernetes ≥ 1.21 sets it on every namespace). */
function withNameLabel(namespace: string | undefined, labels: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  if (namespace === undefined || labels?.['kubernetes.io/metadata.name'] === namespace) return labels ?? {};
  return { 'kubernetes.io/metadata.name': namespace, ...(labels ?? {}) };
}

/** The policies that apply to one image (in a namespace, when known). */
export function matchingPolicies(
  policies: readonly ImagePolicy[],
  ref: string,
  parsed: PolicyImageRef | undefined,
  namespace?: { name?: string; labels?: Readonly<Record<string, string>>; ignore?: boolean },
): ImagePolicy[] {
  const candidates = matchCandidates(ref, parsed);
  const labels = namespace?.ignore ? undefined : withNameLabel(namespace?.name, namespace?.labels);
  return policies.filter(
    (p) =>
      (namespace?.ignore || policyAppliesInNamespace(p, namespace?.name, labels)) &&
      p.images.some((m) => matcherMatches(m, candidates)) &&
      !p.excludeImages.some((m) => matcherMatches(m, candidates)),
  );
}

function factProblem(facts: ImageFacts | undefined, stages: readonly FactStage[]): FactError | undefined {
  if (!facts) return { stage: stages[0]!, code: 'MISSING', message: 'no facts were gathered for this image' };
  return facts.errors.find((e) => e.stage === 'resolve' || stages.includes(e.stage));
}

/** A rule that did not pass, explained by a missing fact when there is one (and failurePolicy applied to it). */
function failOrProblem(p: ImagePolicy, rule: string, facts: ImageFacts | undefined, stages: readonly FactStage[], message: string): Check {
  const problem = factProblem(facts, stages);
  if (!problem) return { rule, result: 'fail', message };
  if (problem.code === 'OFFLINE') return { rule, result: 'fail', message: 'not verified (offline)' };
  if (CONFIGURATION_FACT_ERRORS.has(problem.code)) return { rule, result: 'fail', message: `could not be checked: ${problem.message} (a configuration error: failurePolicy does not apply)` };
  if (p.failurePolicy === 'Ignore') return { rule, result: 'skip', message: `could not be checked (${problem.message}); admitted by failurePolicy Ignore` };
  return { rule, result: 'fail', message: `could not be checked: ${problem.message}` };
}

function describeAuthority(a: Authority): string {
  switch (a.type) {
    case 'key':
      return `${a.name} (key ${a.key.data ? a.keyId.slice(0, 19) : a.keyId})`;
    case 'keyless':
      return `${a.name} (keyless ${a.identities.map((i) => `${i.subject ?? `/${i.subjectRegExp}/`} from ${i.issuer ?? `/${i.issuerRegExp}/`}`).join(' or ')})`;
    case 'notation':
      return `${a.name} (notation ${a.trustStores.join(', ') || 'inline certificates'})`;
    case 'static':
      return `${a.name} (static ${a.action})`;
  }
}

function signatureCheck(p: ImagePolicy, facts: ImageFacts | undefined, now: Date): Check | undefined {
  const auths = p.authorities.filter((a) => !a.attestationsOnly);
  if (auths.length === 0) return undefined;
  const sigs = facts ? signaturesInScope(p.signedManifest, facts) : [];
  const whys: string[] = [];
  const edges = auths.map((a) => {
    if (a.type === 'static') return a.action === 'pass' ? [-1] : [];
    const out: number[] = [];
    sigs.forEach((s, j) => {
      const r = signerMatches(a, s, now, { checkAnnotations: true });
      if (r.ok) out.push(j);
      else if (r.why) whys.push(r.why);
    });
    return out;
  });
  const matched = maxMatching(edges);
  const ok = [...matched.keys()].map((i) => auths[i]!);
  if (matched.size >= p.count) {
    return { rule: 'signatures', result: 'pass', message: `verified: ${ok.map((a) => a.name).join(', ')}${p.count > 1 ? ` (${p.count} required)` : ''}` };
  }
  const staticFail = auths.find((a) => a.type === 'static' && a.action === 'fail');
  let message: string;
  if (staticFail && auths.length === 1) message = `authority ${staticFail.name} is static: fail`;
  else {
    const need = p.count === 1 ? `a signature by ${auths.length === 1 ? describeAuthority(auths[0]!) : `one of ${auths.map(describeAuthority).join(', ')}`}` : `signatures by ${p.count} of ${auths.map(describeAuthority).join(', ')}`;
    message = `no valid ${need}${ok.length > 0 ? `; verified only ${ok.map((a) => a.name).join(', ')}` : ''}${whys.length > 0 ? `; ${[...new Set(whys)].slice(0, 3).join('; ')}` : sigs.length > 0 ? `; ${sigs.length} signature(s) found from other signers` : ''}`;
  }
  if (facts && facts.signatures.length > sigs.length) message += ` (${facts.signatures.length - sigs.length} signature(s) on another manifest than spec.signedManifest ${p.signedManifest})`;
  return failOrProblem(p, 'signatures', facts, ['signature'], message);
}

function statementOf(a: AttestationFact): Record<string, unknown> {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    ...(a.predicateType !== undefined ? { predicateType: a.predicateType } : {}),
    ...(a.artifactType !== undefined ? { artifactType: a.artifactType } : {}),
    ...(a.statementSubject !== undefined ? { subject: a.statementSubject } : {}),
    predicate: a.predicate,
  };
}

const typeOf = (r: AttestationRule) => r.predicateType ?? r.artifactType!;

function sameType(r: AttestationRule, a: AttestationFact): boolean {
  return r.predicateType !== undefined ? a.predicateType === r.predicateType : a.artifactType === r.artifactType;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** A condition holds when the path selects at least one value and every selected value satisfies it (`exists` aside). */
export function conditionFailure(c: AttestationCondition, statement: unknown): string | undefined {
  const path = parseJsonPath(c.path);
  if (!isJsonPath(path)) return `invalid path ${c.path}`;
  const values = selectJsonPath(statement, path);
  if (c.exists !== undefined) {
    if (c.exists && values.length === 0) return `${c.path} is missing`;
    if (!c.exists && values.length > 0) return `${c.path} is present (${show(values[0])})`;
    return undefined;
  }
  if (values.length === 0) return `${c.path} is missing`;
  for (const v of values) {
    if (c.equals !== undefined && !deepEqual(v, c.equals)) return `${c.path} is ${show(v)}, not ${show(c.equals)}`;
    if (c.notEquals !== undefined && deepEqual(v, c.notEquals)) return `${c.path} is ${show(v)}`;
    if (c.matches !== undefined && !(typeof v === 'string' && re2FullMatch(c.matches, v))) return `${c.path} is ${show(v)}, which does not match /${c.matches}/`;
    if (c.in !== undefined && !c.in.some((x) => deepEqual(v, x))) return `${c.path} is ${show(v)}, not one of ${show(c.in)}`;
    if (c.notIn !== undefined && c.notIn.some((x) => deepEqual(v, x))) return `${c.path} is ${show(v)}, which is excluded`;
  }
  return undefined;
}

function humanAge(seconds: number): string {
  if (seconds >= 86_400) return `${Math.floor(seconds / 86_400)}d${Math.floor((seconds % 86_400) / 3600) ? `${Math.floor((seconds % 86_400) / 3600)}h` : ''}`;
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 60)}m`;
}

function ageFailure(rule: AttestationRule, a: AttestationFact, now: Date): string | undefined {
  if (rule.maxAgeSeconds === undefined) return undefined;
  const path = rule.timestampPath ?? (rule.predicateType ? PREDICATE_TIME_PATHS[rule.predicateType] : undefined);
  let when: Date | undefined;
  let from = '';
  if (path) {
    const parsed = parseJsonPath(path);
    const v = isJsonPath(parsed) ? selectJsonPath(statementOf(a), parsed).find((x) => typeof x === 'string') : undefined;
    if (typeof v === 'string' && !Number.isNaN(new Date(v).getTime())) {
      when = new Date(v);
      from = path;
    }
  }
  if (!when && a.signedAt) {
    when = new Date(a.signedAt);
    from = 'its signing time';
  }
  if (!when) return `its age is unknown (no time at ${path ?? 'spec.attestations[].policy.timestampPath'} and no trusted signing time)`;
  const age = Math.floor((now.getTime() - when.getTime()) / 1000);
  if (age > rule.maxAgeSeconds) return `it is ${humanAge(age)} old by ${from} (${when.toISOString()}), more than maxAge ${formatDuration(rule.maxAgeSeconds)}`;
  return undefined;
}

function attestationCheck(p: ImagePolicy, rule: AttestationRule, facts: ImageFacts | undefined, now: Date): Check {
  const name = `attestations/${rule.name}`;
  const allowed = p.authorities.filter((a) => a.type !== 'static' && (rule.authorities.length === 0 || rule.authorities.includes(a.name)));
  const ofType = (facts?.attestations ?? []).filter((a) => sameType(rule, a));
  if (ofType.length === 0) return failOrProblem(p, name, facts, ['attestation'], `no verified ${typeOf(rule)} ${rule.predicateType ? 'attestation' : 'referrer'}`);
  const signed: { a: AttestationFact; by: Authority }[] = [];
  const whys: string[] = [];
  for (const a of ofType) {
    for (const auth of allowed) {
      const r = signerMatches(auth, a, now);
      if (r.ok) {
        signed.push({ a, by: auth });
        break;
      }
      if (r.why) whys.push(r.why);
    }
  }
  if (signed.length === 0) {
    return failOrProblem(p, name, facts, ['attestation'], `${ofType.length} ${typeOf(rule)} attestation(s), none signed by ${allowed.map((a) => a.name).join(' or ')}${whys.length ? `; ${whys[0]}` : ''}`);
  }
  let firstFailure: string | undefined;
  for (const { a, by } of signed) {
    const statement = statementOf(a);
    const why = rule.conditions.map((c) => conditionFailure(c, statement)).find((x) => x !== undefined) ?? ageFailure(rule, a, now);
    if (why === undefined) {
      return { rule: name, result: 'pass', message: `signed by ${by.name}${rule.conditions.length ? `, ${rule.conditions.length} condition(s) hold` : ''}${rule.maxAgeSeconds ? `, within ${formatDuration(rule.maxAgeSeconds)}` : ''}` };
    }
    firstFailure ??= `attestation signed by ${by.name}: ${why}`;
  }
  return { rule: name, result: 'fail', message: firstFailure! };
}

function cvssOf(f: Finding): number | undefined {
  const scores = f.cvss ?? [];
  for (const prefix of ['3', '4', '2']) {
    const s = scores.filter((c) => c.version.startsWith(prefix)).map((c) => c.score);
    if (s.length > 0) return Math.max(...s);
  }
  return undefined;
}

function exceptionApplies(e: PolicyException, candidates: readonly string[]): boolean {
  return e.images.some((g) => imageGlobMatches(g, candidates));
}

function vulnerabilityCheck(
  p: ImagePolicy,
  rule: VulnerabilityRule,
  facts: ImageFacts | undefined,
  candidates: readonly string[],
  now: Date,
  warnings: string[],
  image: string,
): Check {
  const name = 'vulnerabilities';
  const vf = facts?.vulnerabilities;
  if (!vf) return failOrProblem(p, name, facts, ['scan'], 'no vulnerability report');
  if (rule.source === 'scan' && vf.source !== 'scan') return { rule: name, result: 'fail', message: 'the vulnerability report comes from the SBOM attestation; this policy requires a scan' };
  if (vf.source === 'sbom-attestation') {
    const signers = p.authorities.filter((a) => a.type !== 'static');
    if (!vf.signer || !signers.some((a) => signerMatches(a, vf.signer!, now).ok)) {
      return { rule: name, result: 'fail', message: `the SBOM attestation is not signed by ${signers.map((a) => a.name).join(' or ')}` };
    }
  }
  if (!vf.report.complete) {
    return { rule: name, result: 'fail', message: `the scan is incomplete${vf.report.warnings.length ? ` (${vf.report.warnings[0]})` : ''}: an incomplete scan is never clean` };
  }
  const waivers = p.exceptions.filter((e) => e.vulnerabilities && exceptionApplies(e, candidates));
  const violations: string[] = [];
  const waived: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const t of vf.report.targets) {
    for (const f of t.findings) {
      if (f.suppressed) continue;
      total++;
      const reasons: string[] = [];
      if (rule.maxSeverity && SEVERITY_RANK[f.severity] > SEVERITY_RANK[rule.maxSeverity]) reasons.push(f.severity);
      if (rule.denyFixable?.includes(f.severity) && f.fixedVersions.length > 0) reasons.push(`${f.severity} fixed in ${f.fixedVersions[0]}`);
      if (rule.denyKev && f.kev) reasons.push('in CISA KEV');
      const cvss = cvssOf(f);
      if (rule.maxCvss !== undefined && cvss !== undefined && cvss > rule.maxCvss) reasons.push(`CVSS ${cvss}`);
      if (reasons.length === 0) continue;
      const ids = [f.id, ...f.aliases];
      const waiver = waivers.find((e) => e.vulnerabilities!.some((v) => ids.includes(v)));
      const key = `${f.id} ${f.package.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (waiver && new Date(waiver.expires) > now) {
        waived.push(`${f.id} (by ${waiver.owner} until ${waiver.expires.slice(0, 10)}: ${waiver.reason})`);
        continue;
      }
      if (waiver) warnings.push(`${image}: exception for ${f.id} in policy ${p.name} (owner ${waiver.owner}) expired on ${waiver.expires.slice(0, 10)}`);
      violations.push(`${f.id} in ${f.package.name} ${f.package.version} (${[...new Set(reasons)].join(', ')}${waiver ? `; exception expired ${waiver.expires.slice(0, 10)}` : ''})`);
    }
  }
  if (violations.length > 0) {
    const shown = violations.slice(0, 5).join('; ');
    return { rule: name, result: 'fail', message: `${violations.length} finding(s) fail the gate: ${shown}${violations.length > 5 ? `; and ${violations.length - 5} more` : ''}` };
  }
  if (waived.length > 0) return { rule: name, result: 'exception', message: `waived: ${waived.join('; ')}` };
  return { rule: name, result: 'pass', message: `${total} finding(s), none fails the gate (${vf.source})` };
}

function normalizeRegistryPrefix(entry: string): string {
  const e = entry.replace(/\/+$/, '').toLowerCase();
  if (e === 'docker.io' || e.startsWith('docker.io/')) return DOCKER_HUB + e.slice('docker.io'.length);
  return e;
}

function referenceChecks(p: ImagePolicy, ref: PolicyImageRef): Check[] {
  const r = p.references;
  if (!r) return [];
  const out: Check[] = [];
  if (r.forbidLatest) {
    const latest = !ref.digest && (ref.tag === undefined || ref.tag === 'latest');
    out.push({ rule: 'references/forbidLatest', result: latest ? 'fail' : 'pass', message: latest ? `${ref.tag ? 'uses the :latest tag' : 'has no tag, which means :latest'} and no digest` : ref.digest ? 'pinned by digest' : `tag ${ref.tag}` });
  }
  if (r.requireDigest) {
    out.push({ rule: 'references/requireDigest', result: ref.digest ? 'pass' : 'fail', message: ref.digest ? `pinned to ${ref.digest.slice(0, 19)}…` : 'not pinned by digest (name@sha256:…)' });
  }
  if (r.allowedRegistries) {
    const ok = r.allowedRegistries.map(normalizeRegistryPrefix).find((e) => ref.registry === e || ref.name === e || ref.name.startsWith(`${e}/`));
    out.push({ rule: 'references/allowedRegistries', result: ok ? 'pass' : 'fail', message: ok ? `from ${ok}` : `${ref.name} is not under an allowed registry (${r.allowedRegistries.join(', ')})` });
  }
  return out;
}

function ruleCovered(rules: readonly string[] | undefined, rule: string): boolean {
  return !rules || rules.some((r) => r === rule || rule.startsWith(`${r}/`));
}

/** Evaluates one policy for one image: every rule's result, exceptions applied. */
function evaluatePolicy(p: ImagePolicy, image: AdmissionImage, ref: PolicyImageRef, facts: ImageFacts | undefined, now: Date, warnings: string[]): Check[] {
  const candidates = matchCandidates(image.ref, ref);
  const checks: Check[] = [];
  const sig = signatureCheck(p, facts, now);
  if (sig) checks.push(sig);
  for (const a of p.attestations) checks.push(attestationCheck(p, a, facts, now));
  if (p.vulnerabilities) checks.push(vulnerabilityCheck(p, p.vulnerabilities, facts, candidates, now, warnings, image.ref));
  checks.push(...referenceChecks(p, ref));
  if (checks.length === 0) checks.push({ rule: 'policy', result: 'pass', message: 'the policy has no rules' });
  for (const c of checks) {
    if (c.result !== 'fail') continue;
    const applicable = p.exceptions.filter((e) => !e.vulnerabilities && exceptionApplies(e, candidates) && ruleCovered(e.rules, c.rule));
    const active = applicable.find((e) => new Date(e.expires) > now);
    if (active) {
      c.result = 'exception';
      c.message = `${c.message}; waived by exception (owner ${active.owner}, until ${active.expires.slice(0, 10)}): ${active.reason}`;
    } else if (applicable.length > 0) {
      const e = applicable[0]!;
      c.message = `${c.message}; the exception by ${e.owner} expired on ${e.expires.slice(0, 10)}`;
      warnings.push(`${image.ref}: exception for ${c.rule} in policy ${p.name} (owner ${e.owner}) expired on ${e.expires.slice(0, 10)}`);
    }
  }
  return checks;
}

export function evaluate(
  policies: readonly ImagePolicy[],
  request: EvaluationRequest,
  facts: ReadonlyMap<string, ImageFacts>,
  now: Date,
  options: EvaluateOptions = {},
): Decision {
  const results: RuleResult[] = [];
  const images: ImageVerdict[] = [];
  const warnings: string[] = [];
  // Objects are built field by field: V8 makes `{ ...base, … }` copies slow, and this loop runs per pod.
  const base = (image: AdmissionImage) => ({ image: image.ref, container: image.container, kind: image.kind });
  const labels = withNameLabel(request.namespace, request.namespaceLabels);
  for (const image of request.images) {
    const parsed = parsePolicyImageRef(image.ref);
    if (!isPolicyImageRef(parsed)) {
      results.push({ ...base(image), policy: '', rule: 'reference', mode: 'enforce', result: 'fail', message: `invalid image reference: ${parsed.error}` });
      images.push({ ...base(image), allowed: false, policies: [] });
      continue;
    }
    const matched = matchingPolicies(policies, image.ref, parsed, { ...(request.namespace !== undefined ? { name: request.namespace } : {}), labels });
    const f = facts.get(image.ref);
    if (matched.length === 0) {
      const deny = options.unmatched === 'deny';
      results.push({ ...base(image), policy: '', rule: 'unmatched', mode: 'enforce', result: deny ? 'fail' : 'skip', message: deny ? 'no policy matches this image (unmatched images are denied)' : 'no policy matches this image' });
      images.push({ ...base(image), allowed: !deny, policies: [] });
      continue;
    }
    let allowed = true;
    for (const p of matched) {
      for (const c of evaluatePolicy(p, image, parsed, f, now, warnings)) {
        results.push({ image: image.ref, container: image.container, kind: image.kind, policy: p.name, rule: c.rule, mode: p.mode, result: c.result, message: c.message });
        if (c.result === 'fail') {
          if (p.mode === 'enforce') allowed = false;
          else if (p.mode === 'warn') warnings.push(`${image.ref}: ${p.name}/${c.rule}: ${c.message}`);
        }
      }
    }
    const digest = parsed.digest ?? f?.resolvedDigest;
    const pin = allowed && !parsed.digest && f?.resolvedDigest && matched.every((p) => p.mutateDigest);
    const verdict: ImageVerdict = { image: image.ref, container: image.container, kind: image.kind, allowed, policies: matched.map((p) => p.name) };
    if (digest) verdict.digest = digest;
    if (pin) verdict.pinnedRef = `${image.ref.trim()}@${f!.resolvedDigest}`;
    images.push(verdict);
  }
  const failing = results.filter((r) => r.result === 'fail');
  const denied = failing.filter((r) => r.mode === 'enforce');
  const mode: PolicyMode = denied.length > 0 ? 'enforce' : failing.some((r) => r.mode === 'warn') ? 'warn' : failing.some((r) => r.mode === 'audit') ? 'audit' : 'enforce';
  const decision: Decision = { allowed: denied.length === 0, mode, images, results, warnings: [...new Set(warnings)] };
  if (denied.length > 0) {
    decision.message = denied.map((r) => `image ${r.image} (${r.kind} ${r.container}): ${r.policy ? `${r.policy}/` : ''}${r.rule}: ${r.message}`).join('; ');
  }
  return decision;
}
