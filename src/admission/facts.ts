import { createHash, createHmac, createPublicKey, randomBytes } from 'node:crypto';
import {
  isTollgateError,
  RegistryError,
  SignError,
  type AttestationFact,
  type EventSink,
  type FactError,
  type FactProvider,
  type FactRequest,
  type FactStage,
  type ImageFacts,
  type KeylessIdentity,
  type ScanReport,
  type SignatureFact,
  type SignerFact,
  type VerificationRequest,
  type VulnerabilityFacts,
} from '../core/index.js';
import { MediaType, parseManifestOrIndex, parseReference, type Credentials, type Descriptor, type ImageReference } from '../oci/index.js';
import {
  DirectoryTrustStore,
  MemoryTrustStore,
  parseTrustPolicy,
  referrersTag,
  TrustStoreError,
  verifyAttestations,
  verifyImage,
  verifyNotation,
  type KeylessOptions,
  type KeylessSigner,
  type NotationTrustStore,
  type SignRegistry,
  type TrustedKey,
  type TrustPolicyDocument,
  type TrustStoreType,
  type VerifiedAttestation,
  type VerifiedNotationSignature,
} from '../sign/index.js';
import { identityMatches, referenceFacts } from '../policy/index.js';
import { SingleFlight, TtlLruCache } from './cache.js';
import type { PullCredentials } from './pull-secrets.js';

/**
 * The webhook's live FactProvider: resolves tags to digests with the registry client, verifies signatures and
 * attestations with src/sign, and scans only when a policy needs it. Facts are cached per (image digest, policy set
 * version, what was asked), concurrent identical work is done once, failures are cached briefly, and every caller
 * waits no longer than its own deadline: the work itself goes on (bounded by `workTimeoutMs`) and fills the cache, so
 * the API server's retry of a slow cold verification is answered from memory.
 *
 * Image pull secrets (`withPullCredentials`): an admission request may bring registry credentials of its own (the
 * pod's and its service account's pull secrets). They are tried first, in kubelet's order, each with its own
 * registry client (so its own token cache), then the webhook's own credentials. Nothing one namespace's credentials
 * reached may be shown to a request that cannot reach it itself:
 * - tag → digest resolutions, manifests and access checks are cached per credential scope (an HMAC of the
 *   credentials under a per-process key, never the credentials), so namespace B never learns a digest through A;
 * - verified facts are cached per digest and shared (what a signature says about a digest is the same whoever asks),
 *   but a request gets facts another scope produced only after its own credentials reached the image: its own tag
 *   resolution, or a HEAD of the digest. Failures produced with other credentials are not shared at all.
 */
export interface LiveFactProviderOptions {
  registry: SignRegistry;
  /** Version of the loaded policy set: a reload starts a new cache generation. */
  policyVersion: () => string;
  /** Facts that verified (default 5 minutes). */
  ttlMs?: number;
  /** Facts with an error, or where nothing verified: kept briefly so a failing registry is not hammered (default 10 s). */
  negativeTtlMs?: number;
  /** Tag → digest (tags move: default 30 s). */
  tagTtlMs?: number;
  /** Entries per cache (default 10 000). */
  maxEntries?: number;
  /** Bound of the background work for one image, whatever the callers' deadlines (default 60 s). */
  workTimeoutMs?: number;
  /** Public keys of `secretRef` key authorities (Kubernetes secrets); without it such keys are UNAVAILABLE. */
  secretKeys?: (ref: { name: string; namespace?: string }) => Promise<string[]>;
  /**
   * Scans an image (`registry/repo@digest`) with the registry client that reached it; without it a `scan`
   * vulnerability gate is UNAVAILABLE.
   */
  scanImage?: (image: string, signal: AbortSignal, registry: SignRegistry) => Promise<ScanReport>;
  /**
   * A registry client that uses these pull-secret credentials (and nothing else), or why it cannot; without it pull
   * secrets are not used. Clients are pooled per credentials and closed when evicted or on `close()`.
   */
  registryFor?: (credentials: Credentials) => PooledRegistry | string;
  /** Pooled pull-secret registry clients (default 100). */
  maxRegistries?: number;
  /** Re-matches an attested SBOM (the predicate) against the vulnerability database. */
  scanSbom?: (sbom: unknown, predicateType: string, signal: AbortSignal) => Promise<ScanReport>;
  /**
   * Keyless authorities without `trustRootRef`: the Sigstore trusted root they are verified against (`--trusted-root`,
   * $TOLLGATE_TRUSTED_ROOT, or the cached public-good root) and its name in facts. Called when a keyless authority
   * needs it; a rejection (no root) becomes a fact error. Without it such authorities are UNAVAILABLE.
   */
  trustedRoot?: () => Promise<{ root: KeylessOptions['trustedRoot']; id: string }>;
  /** Named trusted roots for keyless authorities' `trustRootRef` (`--trust-root NAME=FILE`); an unknown name is a fact error. */
  trustRoots?: ReadonlyMap<string, KeylessOptions['trustedRoot']>;
  /** Notation trust store directory (`x509/{ca,signingAuthority,tsa}/<name>/`) the `trustStores` of notation authorities name. */
  notationTrustStore?: string;
  now?: () => Date;
  events?: EventSink;
}

export type PooledRegistry = SignRegistry & { close(): Promise<void> };

/** The options of one `gather`: the request's deadline, its namespace and the pull-secret credentials it may use. */
export interface GatherOptions {
  signal?: AbortSignal;
  namespace?: string;
  pullCredentials?: PullCredentials;
}

/** One way to reach a registry: a pull secret's credentials, or the webhook's own (scope ''). */
interface Link {
  scope: string;
  registry: SignRegistry;
  /** "pull secret apps/regcred", for messages. */
  source: string;
  credentials?: Credentials;
}

/** Registry answers that another credential may change (kubelet tries the next credential on any failure). */
const TRY_NEXT = new Set(['UNAUTHORIZED', 'DENIED', 'NOT_FOUND', 'MANIFEST_UNKNOWN']);

/** Keys the credential fingerprints: they identify cache entries in memory, and cannot be reversed or compared across processes. */
const FINGERPRINT_KEY = randomBytes(32);

function scopeOf(c: Credentials): string {
  return `ps:${createHmac('sha256', FINGERPRINT_KEY)
    .update(JSON.stringify([c.username ?? null, c.password ?? null, c.identityToken ?? null]))
    .digest('hex')
    .slice(0, 32)}`;
}

/** A registry message made safe to show: the pull secret's user named by the secret, its secrets masked. */
function redact(text: string, link: Link): string {
  const c = link.credentials;
  if (!c) return text;
  let out = text;
  if (c.username !== undefined) out = out.split(`user ${JSON.stringify(c.username)}`).join(`the user of ${link.source}`);
  for (const secret of [c.password, c.identityToken, c.username]) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

export interface FactProviderStats {
  factHits: number;
  factMisses: number;
  tagHits: number;
  tagMisses: number;
  coalesced: number;
  verifications: number;
  timeouts: number;
  registryErrors: Map<string, number>;
}

/** Predicate types an SBOM attestation is recognised by (cosign's spdxjson and cyclonedx). */
const SBOM_PREDICATE_TYPES = ['https://cyclonedx.org/bom', 'https://spdx.dev/Document'];

/** Signed referrers of one artifact type looked at per image, and the largest content read (an SBOM). */
const MAX_REFERRERS = 20;
const MAX_REFERRER_BYTES = 16 * 1024 * 1024;

/** Group name of keyless authorities without trustRootRef (a trustRootRef is a user name and never contains NUL). */
const DEFAULT_ROOT = '\u0000default';
/** Any certificate identity: which identity signed is decided by the policy (signerMatches), not by the verifier. */
const ANY_IDENTITY: KeylessOptions['identity'] = { subjectRegExp: '^.*$', issuerRegExp: '^.*$' };
/** The in-memory trust store holding a notation authority's inline `certs` (its own trust policy names it, no other). */
const INLINE_STORE = 'tollgate.inline-certs';

/** Keyless verifiers that share a trusted root: verified once, with the identities any of them accepts. */
interface KeylessGroup {
  name: string;
  identities: KeylessIdentity[];
  options: KeylessOptions;
}

interface NotationPlan {
  trustPolicy: TrustPolicyDocument;
  store: NotationTrustStore;
}

interface VerificationPlan {
  keys: TrustedKey[];
  keyless: KeylessGroup[];
  notation: NotationPlan[];
}

interface Resolved {
  digest: string;
  mediaType: string;
  platformDigests?: Record<string, string>;
  /** A digest reference taken as written: no registry answered for this credential scope. */
  unproven?: true;
}

/** Facts and the credential scope they were produced with. */
interface CachedFacts {
  g: Gathered;
  scope: string;
}

type Gathered = Pick<ImageFacts, 'signatures' | 'attestations' | 'vulnerabilities' | 'errors'>;

function errorCode(e: unknown): string {
  if (isTollgateError(e)) return e.code;
  if ((e as Error)?.name === 'AbortError' || (e as Error)?.name === 'TimeoutError') return 'TIMEOUT';
  return 'ERROR';
}

function message(e: unknown): string {
  return (e as Error)?.message?.split('\n')[0] ?? String(e);
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** `os/arch[/variant]` → digest of an index's image manifests (attestation manifests, `unknown/unknown`, left out). */
function platformsOf(bytes: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let index: unknown;
  try {
    index = JSON.parse(bytes.toString('utf8'));
  } catch {
    return out;
  }
  const manifests = (index as { manifests?: unknown })?.manifests;
  if (!Array.isArray(manifests)) return out;
  for (const m of manifests as { digest?: unknown; platform?: { os?: unknown; architecture?: unknown; variant?: unknown } }[]) {
    const p = m?.platform;
    if (typeof m?.digest !== 'string' || typeof p?.os !== 'string' || typeof p.architecture !== 'string') continue;
    if (p.os === 'unknown') continue;
    out[`${p.os}/${p.architecture}${typeof p.variant === 'string' && p.variant ? `/${p.variant}` : ''}`] = m.digest;
  }
  return out;
}

function raceDeadline<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => T): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => resolve(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export class LiveFactProvider implements FactProvider {
  private readonly facts: TtlLruCache<string, CachedFacts>;
  private readonly tags: TtlLruCache<string, Resolved | FactError>;
  private readonly manifests: TtlLruCache<string, Resolved>;
  /** scope + repository@digest → the digest answered for that scope (a HEAD), or why not. */
  private readonly access: TtlLruCache<string, Resolved | FactError>;
  private readonly accessFlights = new SingleFlight<string, Resolved | FactError>();
  private readonly pool = new Map<string, PooledRegistry>();
  private readonly shared: Link;
  private readonly factFlights = new SingleFlight<string, Gathered>();
  private readonly tagFlights = new SingleFlight<string, Resolved | FactError>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly tagTtlMs: number;
  private readonly workTimeoutMs: number;
  private readonly now: () => Date;
  private readonly registryErrors = new Map<string, number>();
  private verifications = 0;
  private timeouts = 0;

  constructor(private readonly options: LiveFactProviderOptions) {
    const max = options.maxEntries ?? 10_000;
    this.facts = new TtlLruCache(max);
    this.tags = new TtlLruCache(max);
    this.manifests = new TtlLruCache(max);
    this.access = new TtlLruCache(max);
    this.shared = { scope: '', registry: options.registry, source: "the webhook's own credentials" };
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 10_000;
    this.tagTtlMs = options.tagTtlMs ?? 30_000;
    this.workTimeoutMs = options.workTimeoutMs ?? 60_000;
    this.now = options.now ?? (() => new Date());
  }

  get stats(): FactProviderStats {
    return {
      factHits: this.facts.hits,
      factMisses: this.facts.misses,
      tagHits: this.tags.hits,
      tagMisses: this.tags.misses,
      coalesced: this.factFlights.coalesced + this.tagFlights.coalesced,
      verifications: this.verifications,
      timeouts: this.timeouts,
      registryErrors: new Map(this.registryErrors),
    };
  }

  /** Forgets everything (a policy reload needs no call: the policy version is part of every key). */
  clear(): void {
    this.facts.clear();
    this.tags.clear();
    this.manifests.clear();
    this.access.clear();
  }

  /** Closes the pooled pull-secret registry clients. */
  async close(): Promise<void> {
    const all = [...this.pool.values()];
    this.pool.clear();
    await Promise.all(all.map((r) => r.close().catch(() => undefined)));
  }

  /** This provider for one admission request that brings pull-secret credentials. */
  withPullCredentials(pullCredentials: PullCredentials): FactProvider {
    return { gather: (request, options = {}) => this.gather(request, { ...options, pullCredentials }) };
  }

  /** A pooled client for pull-secret credentials (least recently used first out, closed once its work is done). */
  private pooled(scope: string, credentials: Credentials): SignRegistry | string {
    const hit = this.pool.get(scope);
    if (hit) {
      this.pool.delete(scope);
      this.pool.set(scope, hit);
      return hit;
    }
    const made = this.options.registryFor!(credentials);
    if (typeof made === 'string') return made;
    this.pool.set(scope, made);
    while (this.pool.size > (this.options.maxRegistries ?? 100)) {
      const [oldest, registry] = this.pool.entries().next().value as [string, PooledRegistry];
      this.pool.delete(oldest);
      // Work started with it may still run: close after the longest it can take.
      setTimeout(() => void registry.close().catch(() => undefined), this.workTimeoutMs).unref();
    }
    return made;
  }

  /** The request's pull-secret credentials for this image, then the webhook's own; and those that cannot be used. */
  private chain(ref: ImageReference, pull: PullCredentials | undefined): { links: Link[]; unusable: string[] } {
    const links: Link[] = [];
    const unusable: string[] = [];
    if (pull && this.options.registryFor) {
      for (const c of pull.lookup(ref.registry, ref.repository)) {
        const scope = scopeOf(c.credentials);
        if (links.some((l) => l.scope === scope)) continue;
        const registry = this.pooled(scope, c.credentials);
        if (typeof registry === 'string') unusable.push(`${c.source}: ${registry}`);
        else links.push({ scope, registry, source: c.source, credentials: c.credentials });
      }
    }
    links.push(this.shared);
    return { links, unusable };
  }

  async gather(request: FactRequest, options: GatherOptions = {}): Promise<ImageFacts> {
    let ref: ImageReference;
    try {
      ref = parseReference(request.ref);
    } catch (e) {
      return { ref: request.ref, signatures: [], attestations: [], errors: [{ stage: 'resolve', code: errorCode(e), message: message(e) }] };
    }
    // The reference as policies read it (Docker Hub spelled index.docker.io, the tag as written).
    const base: ImageFacts = referenceFacts(request.ref);
    const needsRegistry = request.resolveDigest || request.signatures.length > 0 || request.attestations.length > 0 || request.vulnerabilities !== undefined;
    if (!needsRegistry) return base;
    const timeout = (stage: FactStage): ImageFacts => {
      this.timeouts++;
      return { ...base, errors: [{ stage, code: 'TIMEOUT', message: `${stage === 'resolve' ? 'the registry' : 'verification'} did not answer before the webhook deadline` }] };
    };
    const { links, unusable } = this.chain(ref, options.pullCredentials);
    // With pull secrets in play every scope proves it reaches the image, digest references included (a HEAD).
    const mustTouch = links.length > 1;
    const failures: { link: Link; error: FactError }[] = [];
    let resolved: Resolved | undefined;
    let link = this.shared;
    for (const l of links) {
      const r = await raceDeadline(this.resolve(l, ref, request.platformDigests, mustTouch), options.signal, () => ({ stage: 'resolve', code: 'TIMEOUT', message: '' }) as FactError);
      if (!('code' in r)) {
        resolved = r;
        link = l;
        break;
      }
      if (r.code === 'TIMEOUT') return timeout('resolve');
      failures.push({ link: l, error: { ...r, message: redact(r.message, l) } });
      if (!TRY_NEXT.has(r.code)) break;
    }
    if (!resolved) return { ...base, errors: [combineFailures(failures, unusable)] };
    const withDigest: ImageFacts = {
      ...base,
      resolvedDigest: resolved.digest,
      ...(resolved.platformDigests && Object.keys(resolved.platformDigests).length > 0 ? { platformDigests: resolved.platformDigests } : {}),
    };
    const wantsFacts = request.signatures.length > 0 || request.attestations.length > 0 || request.vulnerabilities !== undefined;
    if (!wantsFacts) return withDigest;
    const key = this.factKey(`${ref.registry}/${ref.repository}@${resolved.digest}`, request);
    let cached = this.facts.get(key);
    if (cached && cached.scope !== link.scope) {
      // Produced with other credentials: their failures may be theirs alone (retried with these), and facts another
      // request's pull secret produced are shown only once this request's own credentials reached the image.
      if (cached.g.errors.length > 0) cached = undefined;
      else if (cached.scope !== '' && resolved.unproven) {
        const proof = await raceDeadline(this.headDigest(link, ref, resolved.digest), options.signal, () => ({ stage: 'resolve', code: 'TIMEOUT', message: '' }) as FactError);
        if ('code' in proof) {
          if (proof.code === 'TIMEOUT') return timeout('resolve');
          return { ...base, errors: [combineFailures([{ link, error: { ...proof, message: redact(proof.message, link) } }], unusable)] };
        }
      }
    }
    if (cached) return { ...withDigest, ...cached.g };
    const verifyWith = link;
    const work = this.factFlights.run(`${verifyWith.scope}\u0000${key}`, async () => {
      const g = await this.verify(verifyWith, ref, resolved, request);
      if (verifyWith.credentials) g.errors = g.errors.map((e) => ({ ...e, message: redact(e.message, verifyWith) }));
      const negative =
        g.errors.length > 0 ||
        (request.signatures.length > 0 && g.signatures.length === 0) ||
        request.attestations.some((a) => !g.attestations.some((f) => ('predicateType' in a ? f.predicateType === a.predicateType : f.artifactType === a.artifactType)));
      // A result every request may use (the webhook's own credentials) is not replaced by one only some may use.
      const live = this.facts.peek(key);
      if (!(live && live.scope === '' && live.g.errors.length === 0 && verifyWith.scope !== '')) this.facts.set(key, { g, scope: verifyWith.scope }, negative ? this.negativeTtlMs : this.ttlMs);
      return g;
    });
    const stage: FactStage = request.signatures.length > 0 ? 'signature' : request.attestations.length > 0 ? 'attestation' : 'scan';
    const g = await raceDeadline(work, options.signal, () => undefined);
    if (!g) return { ...timeout(stage), resolvedDigest: resolved.digest };
    return { ...withDigest, ...g };
  }

  /**
   * repository@digest (signatures live beside the image in its repository: the same digest elsewhere may be unsigned)
   * + policy set version + what was asked (the verifiers, with their keys, are part of it).
   */
  private factKey(digest: string, r: FactRequest): string {
    const asked = JSON.stringify([r.platformDigests, r.signatures, r.attestations, r.vulnerabilities ?? null]);
    return `${digest}|${this.options.policyVersion()}|${createHash('sha256').update(asked).digest('hex').slice(0, 32)}`;
  }

  private countRegistryError(e: unknown): void {
    if (e instanceof RegistryError) this.registryErrors.set(e.code, (this.registryErrors.get(e.code) ?? 0) + 1);
  }

  private async resolve(link: Link, ref: ImageReference, platforms: boolean, mustTouch: boolean): Promise<Resolved | FactError> {
    if (ref.digest) {
      if (!platforms && mustTouch) return this.headDigest(link, ref, ref.digest);
      return this.describeDigest(link, ref, ref.digest, platforms);
    }
    const tagKey = `${link.scope}\u0000${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`;
    const cached = this.tags.get(tagKey);
    let head = cached;
    if (!head) {
      head = await this.tagFlights.run(tagKey, async () => {
        try {
          const h = await link.registry.headManifest(ref, ref.tag ?? 'latest', { signal: AbortSignal.timeout(this.workTimeoutMs) });
          const r: Resolved | FactError = h
            ? { digest: h.digest, mediaType: h.mediaType }
            : { stage: 'resolve', code: 'MANIFEST_UNKNOWN', message: `${ref.toString()} does not exist (no such tag)` };
          this.tags.set(tagKey, r, 'code' in r ? this.negativeTtlMs : this.tagTtlMs);
          return r;
        } catch (e) {
          this.countRegistryError(e);
          const r: FactError = { stage: 'resolve', code: errorCode(e), message: `cannot resolve ${ref.toString()}: ${message(e)}` };
          if (r.code !== 'TIMEOUT') this.tags.set(tagKey, r, this.negativeTtlMs);
          return r;
        }
      });
    }
    if ('code' in head) return head;
    if (!platforms || !INDEX_TYPES.has(head.mediaType)) return head;
    return this.describeDigest(link, ref, head.digest, platforms);
  }

  /** Whether this scope reaches `repository@digest` (HEAD), cached per scope: the proof that facts may be shown. */
  private async headDigest(link: Link, ref: ImageReference, digest: string): Promise<Resolved | FactError> {
    const where = `${ref.registry}/${ref.repository}@${digest}`;
    const key = `${link.scope}\u0000${where}`;
    const cached = this.access.get(key);
    if (cached) return cached;
    return this.accessFlights.run(key, async () => {
      let r: Resolved | FactError;
      try {
        const h = await link.registry.headManifest(ref, digest, { signal: AbortSignal.timeout(this.workTimeoutMs) });
        r = h ? { digest, mediaType: h.mediaType } : { stage: 'resolve', code: 'MANIFEST_UNKNOWN', message: `${where} does not exist` };
      } catch (e) {
        this.countRegistryError(e);
        r = { stage: 'resolve', code: errorCode(e), message: `cannot read ${where}: ${message(e)}` };
        if (r.code === 'TIMEOUT') return r;
      }
      this.access.set(key, r, 'code' in r ? this.negativeTtlMs : this.tagTtlMs);
      return r;
    });
  }

  /** A digest's media type and, for an index, its platform manifests (immutable: cached for the positive TTL). */
  private async describeDigest(link: Link, ref: ImageReference, digest: string, platforms: boolean): Promise<Resolved | FactError> {
    if (!platforms) return { digest, mediaType: '', unproven: true };
    const where = `${ref.registry}/${ref.repository}@${digest}`;
    const key = `${link.scope}\u0000${where}`;
    const cached = this.manifests.get(key);
    if (cached) return cached;
    try {
      const m = await link.registry.getManifest(ref, digest, { signal: AbortSignal.timeout(this.workTimeoutMs) });
      const r: Resolved = { digest, mediaType: m.mediaType, ...(INDEX_TYPES.has(m.mediaType) ? { platformDigests: platformsOf(m.bytes) } : {}) };
      this.manifests.set(key, r, this.ttlMs);
      return r;
    } catch (e) {
      this.countRegistryError(e);
      return { stage: 'resolve', code: errorCode(e), message: `cannot read ${where}: ${message(e)}` };
    }
  }

  /**
   * What the verifiers of one rule need: the public keys of key authorities, one keyless verification per trusted
   * root (identities are matched afterwards by the policy, see keylessGroup), one Notation verification per notation
   * authority (its own trust policy and trust stores). What cannot be had (a key, a root, a store) is a fact error.
   */
  private async plan(verifiers: readonly VerificationRequest[], stage: FactStage, errors: FactError[], opts: { notation: boolean }): Promise<VerificationPlan> {
    const plan: VerificationPlan = { keys: [], keyless: [], notation: [] };
    for (const v of verifiers) {
      if (v.type === 'key') await this.addKeys(v, stage, errors, plan.keys);
      else if (v.type === 'keyless') await this.addKeyless(v, stage, errors, plan.keyless);
      // A notation authority signs images and OCI artifacts, never in-toto attestations: nothing to look for.
      else if (opts.notation) {
        const n = await this.notationPlan(v, stage, errors);
        if (n) plan.notation.push(n);
      }
    }
    return plan;
  }

  private async addKeys(v: Extract<VerificationRequest, { type: 'key' }>, stage: FactStage, errors: FactError[], keys: TrustedKey[]): Promise<void> {
    try {
      if (v.key.data) {
        keys.push({ key: createPublicKey(v.key.data), source: v.keyId });
      } else if (v.key.secretRef && this.options.secretKeys) {
        for (const pem of await this.options.secretKeys(v.key.secretRef)) keys.push({ key: createPublicKey(pem), source: v.keyId });
      } else {
        const what = v.key.kms ? `KMS key ${v.key.kms}` : `secret key ${v.keyId}`;
        errors.push({ stage, code: 'UNAVAILABLE', message: `${what} cannot be read by the webhook` });
      }
    } catch (e) {
      errors.push({ stage, code: errorCode(e) === 'ERROR' ? 'KEY_UNAVAILABLE' : errorCode(e), message: `key ${v.keyId}: ${message(e)}` });
    }
  }

  /**
   * Keyless verifiers are grouped by trusted root: one verification per root accepts any certificate identity
   * (`^.*$`, the chain, SCT and transparency-log entry still verified against the root), and the policy's
   * signerMatches decides which authority's identities the signer is (so several identities, and several
   * authorities, cost one verification, and a denial can say whose signature it was).
   */
  private async addKeyless(v: Extract<VerificationRequest, { type: 'keyless' }>, stage: FactStage, errors: FactError[], groups: KeylessGroup[]): Promise<void> {
    const name = v.trustRootRef ?? DEFAULT_ROOT;
    const group = groups.find((g) => g.name === name);
    if (group) {
      group.identities.push(...v.identities);
      return;
    }
    let root: KeylessOptions['trustedRoot'];
    let id: string;
    if (v.trustRootRef !== undefined) {
      const named = this.options.trustRoots?.get(v.trustRootRef);
      if (!named) {
        const known = [...(this.options.trustRoots?.keys() ?? [])];
        errors.push({
          stage,
          code: 'TRUST_ROOT_UNKNOWN',
          message: `keyless trustRootRef ${JSON.stringify(v.trustRootRef)} names no trusted root of the webhook (${known.length ? `it has ${known.map((k) => JSON.stringify(k)).join(', ')}` : 'it has none'}; add --trust-root ${v.trustRootRef}=FILE)`,
        });
        return;
      }
      root = named;
      id = v.trustRootRef;
    } else {
      if (!this.options.trustedRoot) {
        errors.push({ stage, code: 'UNAVAILABLE', message: 'keyless verification needs a Sigstore trusted root, and none was configured' });
        return;
      }
      try {
        ({ root, id } = await this.options.trustedRoot());
        // A fact must not satisfy `trustRootRef: <name>` for a root other than the one configured under that name.
        if (this.options.trustRoots?.has(id)) id = `default:${id}`;
      } catch (e) {
        errors.push({ stage, code: errorCode(e) === 'ERROR' ? 'TRUSTED_ROOT_MISSING' : errorCode(e), message: message(e) });
        return;
      }
    }
    groups.push({ name, identities: [...v.identities], options: { identity: ANY_IDENTITY, trustedRoot: root, trustRootId: id } });
  }

  /**
   * One notation authority as Notation sees it: a trust policy with one statement for every repository (the
   * authority's level, trust stores and trusted identities) and a trust store of the webhook's directory plus the
   * authority's inline certificates. Named stores are read first, so a missing one is a fact error (fail closed)
   * whether or not the image has signatures.
   */
  private async notationPlan(v: Extract<VerificationRequest, { type: 'notation' }>, stage: FactStage, errors: FactError[]): Promise<NotationPlan | undefined> {
    let inline: MemoryTrustStore | undefined;
    if (v.certs) {
      try {
        inline = new MemoryTrustStore().add('ca', INLINE_STORE, v.certs).add('signingAuthority', INLINE_STORE, v.certs);
      } catch (e) {
        if (!(e instanceof TrustStoreError)) throw e;
        errors.push({ stage, code: 'TRUST_STORE_UNAVAILABLE', message: `the inline notation certificates: ${e.message}` });
        return undefined;
      }
    }
    const dir = this.options.notationTrustStore ? new DirectoryTrustStore(this.options.notationTrustStore) : undefined;
    const store: NotationTrustStore = {
      certificates(type: TrustStoreType, name: string) {
        if (name === INLINE_STORE && inline) return inline.certificates(type, name);
        if (!dir) return Promise.reject(new TrustStoreError('the webhook was started without a Notation trust store directory (--notation-trust-store DIR)'));
        return dir.certificates(type, name);
      },
    };
    for (const ref of v.trustStores) {
      const i = ref.indexOf(':');
      try {
        await store.certificates(ref.slice(0, i) as TrustStoreType, ref.slice(i + 1));
      } catch (e) {
        if (!(e instanceof TrustStoreError)) throw e;
        errors.push({ stage, code: 'TRUST_STORE_UNAVAILABLE', message: `notation trust store ${ref}: ${e.message}` });
        return undefined;
      }
    }
    let trustPolicy: TrustPolicyDocument;
    try {
      trustPolicy = parseTrustPolicy(
        {
          version: '1.0',
          trustPolicies: [
            {
              name: 'tollgate-authority',
              registryScopes: ['*'],
              signatureVerification: { level: v.level },
              trustStores: [...v.trustStores, ...(inline ? [`ca:${INLINE_STORE}`, `signingAuthority:${INLINE_STORE}`] : [])],
              trustedIdentities: v.trustedIdentities,
            },
          ],
        },
        'of a notation authority',
      );
    } catch (e) {
      errors.push({ stage, code: errorCode(e), message: message(e) });
      return undefined;
    }
    return { trustPolicy, store };
  }

  private async verify(link: Link, ref: ImageReference, resolved: Resolved, request: FactRequest): Promise<Gathered> {
    const registry = link.registry;
    this.verifications++;
    const out: Gathered = { signatures: [], attestations: [], errors: [] };
    const at = (digest: string) => `${ref.registry}/${ref.repository}@${digest}`;
    const verifiedAt = () => this.now().toISOString();
    const failure = (stage: FactStage, e: unknown, what: string) => {
      this.countRegistryError(e);
      out.errors.push({ stage, code: errorCode(e), message: `${what}: ${message(e)}` });
    };

    if (request.signatures.length > 0) {
      const plan = await this.plan(request.signatures, 'signature', out.errors, { notation: true });
      const digests = [resolved.digest, ...(request.platformDigests ? Object.values(resolved.platformDigests ?? {}) : [])];
      for (const digest of new Set(digests)) out.signatures.push(...(await this.signaturesOf(registry, at(digest), plan, 'signature', out)));
    }

    for (const want of request.attestations) {
      if (!('predicateType' in want)) {
        const plan = await this.plan(want.verifiers, 'attestation', out.errors, { notation: true });
        out.attestations.push(...(await this.signedReferrers(registry, ref, resolved.digest, want.artifactType, plan, out)));
        continue;
      }
      const plan = await this.plan(want.verifiers, 'attestation', out.errors, { notation: false });
      for (const { attestation, digest, signer } of await this.attestationsOf(registry, at(resolved.digest), want.predicateType, plan, 'attestation', out)) {
        out.attestations.push(attestationFact(attestation, digest, signer, verifiedAt()));
      }
    }

    const vulns = request.vulnerabilities;
    if (vulns) {
      const signal = AbortSignal.timeout(this.workTimeoutMs);
      try {
        const v = vulns.source === 'scan' ? await this.scanImage(at(resolved.digest), signal, registry, out.errors) : await this.scanAttestedSbom(registry, ref, resolved.digest, vulns.verifiers, signal, out);
        if (v) out.vulnerabilities = v;
      } catch (e) {
        failure('scan', e, `vulnerabilities of ${at(resolved.digest)}`);
      }
    }
    return out;
  }

  /**
   * The signatures of one manifest that verify with the plan: cosign signatures by key, keylessly (one run per
   * trusted root), Notation signatures (one run per authority). "None verified" is an empty list; anything else that
   * stops a run (registry, trust store) is a fact error of `stage`.
   */
  private async signaturesOf(registry: SignRegistry, image: string, plan: VerificationPlan, stage: FactStage, out: Gathered): Promise<SignatureFact[]> {
    const found: SignatureFact[] = [];
    const verifiedAt = () => this.now().toISOString();
    const events = this.options.events ? { events: this.options.events } : {};
    const failure = (e: unknown, what: string) => {
      this.countRegistryError(e);
      out.errors.push({ stage, code: errorCode(e), message: `${what} of ${image}: ${message(e)}` });
    };
    const cosign = async (keys: readonly TrustedKey[], keyless: KeylessGroup | undefined) => {
      try {
        const r = await verifyImage({ image, registry, now: this.now(), ...(keys.length > 0 ? { keys } : {}), ...(keyless ? { keyless: keyless.options } : {}), ...events });
        for (const s of r.verified) {
          const signer = keyless ? (s.keyless ? keylessSigner(s.keyless, keyless.identities) : undefined) : { keyId: s.key! };
          if (!signer) continue;
          const fact: SignatureFact = { kind: 'cosign', ...signer, digest: r.digest, location: s.location, verifiedAt: verifiedAt() };
          if (s.payload.optional && Object.keys(s.payload.optional).length > 0) fact.annotations = Object.fromEntries(Object.entries(s.payload.optional).map(([k, v]) => [k, String(v)]));
          found.push(fact);
        }
      } catch (e) {
        if (!noneVerified(e)) failure(e, 'signatures');
      }
    };
    // Key and keyless signatures are verified apart: given an identity, verifyImage checks a signature that carries a
    // certificate keylessly only, and key authorities must keep verifying such signatures by key.
    if (plan.keys.length > 0) await cosign(plan.keys, undefined);
    for (const g of plan.keyless) await cosign([], g);
    for (const n of plan.notation) {
      try {
        const r = await verifyNotation({ image, registry, trustPolicy: n.trustPolicy, trustStore: n.store, now: this.now(), ...events });
        for (const v of r.verified) {
          const keyId = notationAnchor(v);
          if (keyId === undefined) continue;
          found.push({
            kind: 'notation',
            keyId,
            subject: v.subject,
            ...(v.signedAt ? { signedAt: v.signedAt } : {}),
            digest: r.digest,
            location: v.location,
            ...(v.annotations && Object.keys(v.annotations).length > 0 ? { annotations: v.annotations } : {}),
            verifiedAt: verifiedAt(),
          });
        }
        for (const x of r.rejected) this.options.events?.({ type: 'debug', message: `notation signature of ${image} rejected ${x.code}: ${x.message}` });
      } catch (e) {
        failure(e, 'notation signatures');
      }
    }
    return found;
  }

  /**
   * Signed OCI referrers of `digest` with this artifactType (Notation-signed SBOMs and scan reports, attached with
   * `notation`/ORAS): each referrer manifest that names the image as its subject and is itself signed (Notation, or
   * cosign by key or keylessly) contributes its content (the first layer, JSON) as the predicate, once per verified
   * signer. The signature covers the referrer manifest, hence its subject and the content's digest.
   */
  private async signedReferrers(registry: SignRegistry, ref: ImageReference, digest: string, artifactType: string, plan: VerificationPlan, out: Gathered): Promise<AttestationFact[]> {
    const facts: AttestationFact[] = [];
    if (plan.keys.length === 0 && plan.keyless.length === 0 && plan.notation.length === 0) return facts;
    const where = `${ref.registry}/${ref.repository}`;
    let referrers: Descriptor[];
    try {
      referrers = (await this.referrersOf(registry, ref, digest)).filter((d) => d.artifactType === artifactType).slice(0, MAX_REFERRERS);
    } catch (e) {
      this.countRegistryError(e);
      out.errors.push({ stage: 'attestation', code: errorCode(e), message: `referrers of ${where}@${digest}: ${message(e)}` });
      return facts;
    }
    for (const d of referrers) {
      const signers = await this.signaturesOf(registry, `${where}@${d.digest}`, plan, 'attestation', out);
      if (signers.length === 0) continue;
      let predicate: unknown;
      try {
        const m = await registry.getManifest(ref, d.digest);
        const json = JSON.parse(m.bytes.toString('utf8')) as { subject?: { digest?: unknown } };
        if (json.subject?.digest !== digest) {
          this.options.events?.({ type: 'debug', message: `referrer ${d.digest} is listed for ${digest} but its subject is ${String(json.subject?.digest)}: ignored` });
          continue;
        }
        const parsed = parseManifestOrIndex(m.bytes, m.mediaType);
        const layer = parsed.kind === 'manifest' ? parsed.layers[0] : undefined;
        if (!layer) continue;
        const content = await registry.getBlobBytes(ref, layer.digest, MAX_REFERRER_BYTES, { expectedSize: layer.size });
        predicate = JSON.parse(content.toString('utf8'));
      } catch (e) {
        if (e instanceof SyntaxError) {
          out.errors.push({ stage: 'attestation', code: 'PAYLOAD_MALFORMED', message: `the ${artifactType} referrer ${where}@${d.digest} is not JSON` });
        } else {
          this.countRegistryError(e);
          out.errors.push({ stage: 'attestation', code: errorCode(e), message: `the ${artifactType} referrer ${where}@${d.digest}: ${message(e)}` });
        }
        continue;
      }
      for (const s of signers) {
        const { kind: _kind, digest: _signed, location: _at, annotations: _ann, ...signer } = s;
        facts.push({ artifactType, predicate, ...signer, digest });
      }
    }
    return facts;
  }

  /** The referrers of `digest`: the referrers API, else the `sha256-<hex>` fallback tag (OCI distribution spec 1.1). */
  private async referrersOf(registry: SignRegistry, ref: ImageReference, digest: string): Promise<Descriptor[]> {
    let index = await registry.getReferrersIndex(ref, digest);
    if (!index) {
      const tag = referrersTag(digest);
      if (!(await registry.headManifest(ref, tag))) return [];
      const m = await registry.getManifest(ref, tag);
      if (m.mediaType !== MediaType.ociIndex) return [];
      index = m.bytes;
    }
    const parsed = parseManifestOrIndex(index, MediaType.ociIndex);
    return parsed.kind === 'index' ? parsed.manifests : [];
  }

  /** Attestations of one predicate type that verify with the plan's keys or keylessly; failures other than "none verified" are fact errors. */
  private async attestationsOf(
    registry: SignRegistry,
    image: string,
    type: string,
    plan: VerificationPlan,
    stage: FactStage,
    out: Gathered,
  ): Promise<{ attestation: VerifiedAttestation; digest: string; signer: Omit<SignerFact, 'verifiedAt'> }[]> {
    const found: { attestation: VerifiedAttestation; digest: string; signer: Omit<SignerFact, 'verifiedAt'> }[] = [];
    const runs: { keys: readonly TrustedKey[]; keyless?: KeylessGroup }[] = [];
    if (plan.keys.length > 0) runs.push({ keys: plan.keys });
    for (const g of plan.keyless) runs.push({ keys: [], keyless: g });
    for (const run of runs) {
      try {
        const r = await verifyAttestations({ image, type, registry, now: this.now(), ...(run.keys.length > 0 ? { keys: run.keys } : {}), ...(run.keyless ? { keyless: run.keyless.options } : {}) });
        for (const a of r.verified) {
          const signer = run.keyless ? (a.keyless ? keylessSigner(a.keyless, run.keyless.identities) : undefined) : { keyId: a.key! };
          if (signer) found.push({ attestation: a, digest: r.digest, signer });
        }
      } catch (e) {
        if (noneVerified(e)) continue;
        this.countRegistryError(e);
        out.errors.push({ stage, code: errorCode(e), message: `${type} attestations of ${image}: ${message(e)}` });
      }
    }
    return found;
  }

  private async scanImage(image: string, signal: AbortSignal, registry: SignRegistry, errors: FactError[]): Promise<VulnerabilityFacts | undefined> {
    if (!this.options.scanImage) {
      errors.push({ stage: 'scan', code: 'UNAVAILABLE', message: 'the webhook was started without a vulnerability database (--db)' });
      return undefined;
    }
    return { source: 'scan', report: await this.options.scanImage(image, signal, registry) };
  }

  /** The newest verified SBOM attestation, re-matched against the current database. */
  private async scanAttestedSbom(registry: SignRegistry, ref: ImageReference, digest: string, verifiers: readonly VerificationRequest[], signal: AbortSignal, out: Gathered): Promise<VulnerabilityFacts | undefined> {
    if (!this.options.scanSbom) {
      out.errors.push({ stage: 'scan', code: 'UNAVAILABLE', message: 'the webhook was started without a vulnerability database (--db)' });
      return undefined;
    }
    const errorsBefore = out.errors.length;
    const plan = await this.plan(verifiers, 'scan', out.errors, { notation: false });
    if (plan.keys.length === 0 && plan.keyless.length === 0) return undefined;
    for (const type of SBOM_PREDICATE_TYPES) {
      const found = await this.attestationsOf(registry, `${ref.registry}/${ref.repository}@${digest}`, type, plan, 'scan', out);
      const newest = found.at(-1);
      if (!newest) continue;
      return {
        source: 'sbom-attestation',
        report: await this.options.scanSbom(newest.attestation.statement.predicate, type, signal),
        signer: { ...newest.signer, verifiedAt: this.now().toISOString() },
      };
    }
    if (out.errors.length === errorsBefore) out.errors.push({ stage: 'scan', code: 'NO_SBOM', message: 'no signed SBOM attestation (CycloneDX or SPDX) was found' });
    return undefined;
  }
}

/** One error for an image no credential reached: each attempt, with the credentials it used. */
function combineFailures(failures: readonly { link: Link; error: FactError }[], unusable: readonly string[]): FactError {
  const first = failures[0]!.error;
  if (failures.length === 1 && unusable.length === 0 && !failures[0]!.link.credentials) return first;
  const parts = failures.map((f) => `${f.error.message} [with ${f.link.source}]`);
  for (const u of unusable) parts.push(`not tried: ${u}`);
  return { stage: first.stage, code: first.code, message: parts.join('; ') };
}

function attestationFact(a: VerifiedAttestation, digest: string, signer: Omit<SignerFact, 'verifiedAt'>, verifiedAt: string): AttestationFact {
  return {
    predicateType: a.statement.predicateType,
    predicate: a.statement.predicate,
    statementSubject: a.statement.subject,
    ...signer,
    digest,
    verifiedAt,
  };
}

/** Signatures that verified but carry nothing any key or identity vouches for (SignError codes). */
function noneVerified(e: unknown): boolean {
  return e instanceof SignError && ['NO_SIGNATURES', 'NO_MATCHING_SIGNATURES', 'NO_ATTESTATIONS', 'NO_MATCHING_ATTESTATIONS'].includes(e.code);
}

/**
 * A keyless signer as a SignerFact: no keyId (signerMatches tells keyless facts by that), the certificate's OIDC
 * issuer, its trust root, and as subject the first SAN one of the requested identities accepts (a Fulcio
 * certificate normally has exactly one), else the first.
 */
function keylessSigner(k: KeylessSigner, identities: readonly KeylessIdentity[]): Omit<SignerFact, 'verifiedAt'> {
  const subject = k.sans.find((san) => identities.some((id) => identityMatches(id, san, k.issuer))) ?? k.subject;
  return { subject, issuer: k.issuer, trustRoot: k.trustRoot, signedAt: k.signedAt };
}

/**
 * How a Notation signature fact names its trust anchor (NotationAuthority.anchorIds): `notation:<type>:<store>` for a
 * store of the trust store directory, the certificate's `sha256:<hex>` for an inline certificate. A signature whose
 * authenticity was only logged (level audit) has no anchor and vouches for no authority.
 */
function notationAnchor(v: VerifiedNotationSignature): string | undefined {
  if (!v.anchorId) return undefined;
  if (v.anchorId === `notation:ca:${INLINE_STORE}` || v.anchorId === `notation:signingAuthority:${INLINE_STORE}`) return v.anchorCertificate;
  return v.anchorId;
}
