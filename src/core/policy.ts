import { UsageError } from './errors.js';
import type { Severity } from './advisory.js';
import type { ScanReport } from './finding.js';

/**
 * Admission policy types shared by src/policy (parsing, pure evaluation), src/admission (the webhook, which gathers
 * facts and applies the decision) and `tollgate policy test` (DESIGN.md §1: "admit: … facts → policy → Decision").
 * Plain data only: a policy is parsed once, facts are gathered per image, and `evaluate` turns both into a Decision.
 */

/** enforce: a failure denies; warn: admitted with a warning; audit: admitted, the failure is only recorded. */
export type PolicyMode = 'enforce' | 'warn' | 'audit';

/** What happens when a fact a rule needs could not be gathered (registry down, deadline): deny or admit. */
export type FailurePolicy = 'Fail' | 'Ignore';

/** A Kubernetes label selector (metav1.LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** `glob`: `*` within a path segment, `**` across segments (policy-controller); `regex`: RE2, unanchored. */
export type ImageMatcher = { glob: string } | { regex: string };

export interface KeylessIdentity {
  issuer?: string;
  issuerRegExp?: string;
  subject?: string;
  subjectRegExp?: string;
}

interface AuthorityBase {
  /** Unique within the policy ("authority-N" when the file gives none, as policy-controller names them). */
  name: string;
  /** Trusted only to sign attestations (or SBOMs): its image signatures are not looked for and it does not count. */
  attestationsOnly: boolean;
  /** Annotations the signature must carry (cosign `-a key=value`), compared exactly. */
  annotations?: Record<string, string>;
}

export interface KeyAuthority extends AuthorityBase {
  type: 'key';
  key: { data?: string; secretRef?: { name: string; namespace?: string }; kms?: string };
  /**
   * How signature facts name this key: `sha256:<hex>` of the SPKI DER for inline `data`, `k8s://<ns>/<name>` (or
   * `k8s://<name>`) for a secret, the URI for a KMS key.
   */
  keyId: string;
  /** ISO 8601 instants bounding when the key is trusted (key rotation). */
  validFrom?: string;
  validUntil?: string;
}

export interface KeylessAuthority extends AuthorityBase {
  type: 'keyless';
  identities: KeylessIdentity[];
  /** Trust root (Fulcio CA + transparency logs) to verify certificates with; absent: the Sigstore public-good root. */
  trustRootRef?: string;
  /** Fulcio URL, informational (verification needs the trust root, not the CA's URL). */
  url?: string;
}

export interface NotationAuthority extends AuthorityBase {
  type: 'notation';
  /** Notation trust stores, "<type>:<name>" (ca:acme, signingAuthority:acme, tsa:acme). */
  trustStores: string[];
  /** Inline PEM trust anchors (what Kyverno's `certificates.cert` carries). */
  certs?: string;
  /** How signature facts name the trust anchors: `notation:<store>` per store, `sha256:<hex>` of each inline certificate. */
  anchorIds: string[];
  /** `x509.subject: <DN>` entries, or "*". */
  trustedIdentities: string[];
  level: 'strict' | 'permissive' | 'audit';
}

/** policy-controller's `static` authority: always satisfied (pass) or never (fail). */
export interface StaticAuthority extends AuthorityBase {
  type: 'static';
  action: 'pass' | 'fail';
}

export type Authority = KeyAuthority | KeylessAuthority | NotationAuthority | StaticAuthority;

export interface AttestationCondition {
  /** JSONPath into the in-toto statement: `$.predicate.builder.id`, `$.predicate.materials[*].uri`. */
  path: string;
  equals?: unknown;
  notEquals?: unknown;
  /** RE2, must match the whole value. */
  matches?: string;
  in?: unknown[];
  notIn?: unknown[];
  exists?: boolean;
}

export interface AttestationRule {
  name: string;
  /** In-toto predicate type, a full URI (cosign's short names are expanded when the policy is read). */
  predicateType?: string;
  /** Or: the artifactType of a signed OCI referrer (Notation-signed SBOMs, scan reports: `sbom/cyclone-dx`). */
  artifactType?: string;
  /** Names of authorities allowed to sign it; empty = any authority of the policy that can sign. */
  authorities: string[];
  conditions: AttestationCondition[];
  /** Maximum age in seconds, measured from the predicate's own time field or the trusted signing time. */
  maxAgeSeconds?: number;
  /** JSONPath of the time to measure the age from (default: by predicate type, see docs/policy.md). */
  timestampPath?: string;
}

export interface VulnerabilityRule {
  /** Highest severity allowed: any finding above it denies. */
  maxSeverity?: Severity;
  /** Severities for which a finding that has a fixed version denies. */
  denyFixable?: Severity[];
  /** Deny any finding listed in CISA's Known Exploited Vulnerabilities catalog. */
  denyKev: boolean;
  /** Deny any finding whose CVSS base score is above this. */
  maxCvss?: number;
  /** `scan`: scan the image; `sbom-attestation`: re-match its signed SBOM attestation (a live scan also satisfies it). */
  source: 'scan' | 'sbom-attestation';
}

export interface ReferenceRules {
  forbidLatest: boolean;
  requireDigest: boolean;
  /** Registry hosts, or host/path prefixes on a path-segment boundary; Docker Hub is `index.docker.io`. */
  allowedRegistries?: string[];
}

export interface PolicyException {
  images: string[];
  /** Rule names it waives (`signatures`, `attestations`, `attestations/<name>`, `vulnerabilities`, `references`, `references/<check>`); absent = all. */
  rules?: string[];
  /** Vulnerability ids it waives (then it only removes these findings from the vulnerabilities rule). */
  vulnerabilities?: string[];
  owner: string;
  reason: string;
  /** ISO 8601 instant after which the exception no longer applies. */
  expires: string;
}

/** One parsed and validated ClusterImagePolicy. */
export interface ImagePolicy {
  name: string;
  /** Where it was read from. */
  source?: { file: string; line: number };
  /** Short hash of the normalised spec: changes whenever the policy's meaning can (the webhook's cache key). */
  version: string;
  mode: PolicyMode;
  failurePolicy: FailurePolicy;
  images: ImageMatcher[];
  excludeImages: ImageMatcher[];
  namespaces?: string[];
  namespaceSelector?: LabelSelector;
  authorities: Authority[];
  /** Distinct signature authorities that must each be satisfied by a different signature (default 1). */
  count: number;
  /** Which manifest of a multi-platform image a signature must cover. */
  signedManifest: 'index' | 'platform' | 'any';
  attestations: AttestationRule[];
  vulnerabilities?: VulnerabilityRule;
  references?: ReferenceRules;
  exceptions: PolicyException[];
  /** Whether the webhook pins admitted images to their digest (`name:tag@sha256:…`). */
  mutateDigest: boolean;
}

/** One policy file problem, with the place it is at. */
export interface PolicyIssue {
  file: string;
  line: number;
  column: number;
  /** Field path, e.g. `spec.authorities[0].key.data`. */
  path: string;
  message: string;
}

export function formatPolicyIssue(i: PolicyIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

/** A policy file (or several) could not be read: every problem found, each with file, line and field. */
export class PolicyValidationError extends UsageError {
  constructor(readonly issues: PolicyIssue[]) {
    super(
      'INVALID_CONFIG',
      issues.length === 1
        ? `invalid policy: ${formatPolicyIssue(issues[0]!)}`
        : `${issues.length} problems in the policy files:\n${issues.map((i) => `  ${formatPolicyIssue(i)}`).join('\n')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Facts: what the caller found out about each image (the webhook from the registry, `policy test` likewise).

/** Who signed something, as the verifier established it. */
export interface SignerFact {
  /** Key-signed: the KeyAuthority.keyId of the key that verified it. Notation: the anchor id that validated the chain. */
  keyId?: string;
  /** Keyless: the certificate's identity (SAN); Notation: the leaf certificate's subject DN. */
  subject?: string;
  /** Keyless: the OIDC issuer in the certificate. */
  issuer?: string;
  /** Keyless: the trust root the certificate chained to (trustRootRef, or "public-good"). */
  trustRoot?: string;
  /** A trusted signing time (transparency log or RFC 3161), ISO 8601; without one, key windows are checked at `now`. */
  signedAt?: string;
  verifiedAt: string;
}

export interface SignatureFact extends SignerFact {
  kind: 'cosign' | 'notation';
  /** The manifest digest the signature covers (the index, or one platform manifest). */
  digest?: string;
  annotations?: Record<string, string>;
  /** Where it was found (tag, referrer), for messages. */
  location?: string;
}

export interface AttestationFact extends SignerFact {
  /** In-toto predicate type; for a signed referrer artifact, absent. */
  predicateType?: string;
  /** For a signed referrer artifact (Notation): its artifactType. */
  artifactType?: string;
  /** The predicate (or the referrer artifact's JSON content). */
  predicate: unknown;
  /** The statement's `subject` list, when the caller keeps it (conditions can read it as `$.subject`). */
  statementSubject?: unknown;
  digest?: string;
}

export interface VulnerabilityFacts {
  source: 'scan' | 'sbom-attestation';
  report: ScanReport;
  /** For `sbom-attestation`: who signed the SBOM. */
  signer?: SignerFact;
}

export type FactStage = 'resolve' | 'signature' | 'attestation' | 'scan';

/**
 * A fact that could not be gathered. Codes are the callers' (a RegistryErrorCode, 'TIMEOUT', …) except:
 * `OFFLINE` (deliberately not gathered, `policy test --offline`): always a failure, never subject to failurePolicy;
 * the configuration errors of CONFIGURATION_FACT_ERRORS: likewise (a policy naming a trust root or trust store the
 * verifier does not have is wrong until someone fixes it, not a passing outage that failurePolicy Ignore is for);
 * `MISSING` (the caller gathered nothing for the image).
 */
export const CONFIGURATION_FACT_ERRORS: ReadonlySet<string> = new Set(['TRUST_ROOT_UNKNOWN', 'TRUSTED_ROOT_MISSING', 'TRUST_STORE_UNAVAILABLE', 'INVALID_CONFIG']);

export interface FactError {
  stage: FactStage;
  code: string;
  message: string;
}

export interface ImageFacts {
  /** The reference as written in the object. */
  ref: string;
  registry?: string;
  repository?: string;
  tag?: string;
  digest?: string;
  /** The digest the reference resolved to (the index for a multi-platform image). */
  resolvedDigest?: string;
  /** For an index: platform ("linux/amd64") → manifest digest. */
  platformDigests?: Record<string, string>;
  signatures: SignatureFact[];
  attestations: AttestationFact[];
  vulnerabilities?: VulnerabilityFacts;
  errors: FactError[];
}

/** The verification work one authority asks for (deduplicated across policies by `id`). */
export type VerificationRequest =
  | { id: string; type: 'key'; key: KeyAuthority['key']; keyId: string }
  | { id: string; type: 'keyless'; identities: KeylessIdentity[]; trustRootRef?: string }
  | { id: string; type: 'notation'; trustStores: string[]; certs?: string; anchorIds: string[]; trustedIdentities: string[]; level: NotationAuthority['level'] };

/** What the caller must find out about one image so that `evaluate` can decide (and nothing more). */
export interface FactRequest {
  ref: string;
  resolveDigest: boolean;
  platformDigests: boolean;
  /** Verify image signatures with these (empty: none needed). */
  signatures: VerificationRequest[];
  /** Verify attestations of these predicate types (or signed referrers of these artifact types), with these authorities. */
  attestations: ({ predicateType: string; verifiers: VerificationRequest[] } | { artifactType: string; verifiers: VerificationRequest[] })[];
  /** Vulnerability facts needed: `scan` when any policy requires a scan, else from the SBOM attestation. */
  vulnerabilities?: { source: 'scan' | 'sbom-attestation'; verifiers: VerificationRequest[] };
  /** Policies that matched the image (for logs). */
  policies: string[];
}

/** Gathers facts for one image (the webhook's live implementation uses src/sign and src/scan). */
export interface FactProvider {
  gather(request: FactRequest, options?: { signal?: AbortSignal; namespace?: string }): Promise<ImageFacts>;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation input and output.

export type ContainerKind = 'container' | 'initContainer' | 'ephemeralContainer';

export interface AdmissionImage {
  ref: string;
  container: string;
  kind: ContainerKind;
}

export interface EvaluationRequest {
  namespace?: string;
  namespaceLabels?: Record<string, string>;
  images: AdmissionImage[];
}

export type RuleOutcome = 'pass' | 'fail' | 'skip' | 'exception';

export interface RuleResult {
  image: string;
  container: string;
  kind: ContainerKind;
  /** Policy name ("" for results not tied to one: an image no policy matches, an invalid reference). */
  policy: string;
  /** `signatures`, `attestations/<name>`, `vulnerabilities`, `references/<check>`, `unmatched`, `reference`. */
  rule: string;
  mode: PolicyMode;
  result: RuleOutcome;
  message: string;
}

export interface ImageVerdict {
  image: string;
  container: string;
  kind: ContainerKind;
  allowed: boolean;
  policies: string[];
  /** The digest the image resolved to, when known. */
  digest?: string;
  /** The reference to pin to (`name:tag@digest`) when every matching policy asks for it and the image was admitted. */
  pinnedRef?: string;
}

export interface Decision {
  allowed: boolean;
  /** enforce: denied, or admitted with nothing failing; warn: admitted with warnings; audit: admitted, failures recorded. */
  mode: PolicyMode;
  /** The denial message (each failing image and rule), when not allowed. */
  message?: string;
  images: ImageVerdict[];
  results: RuleResult[];
  warnings: string[];
}
