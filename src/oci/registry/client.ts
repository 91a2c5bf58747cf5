import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ImageError, RegistryError, UsageError, type EventSink } from '../../core/index.js';
import { DigestVerifier } from '../digest.js';
import { MediaType, manifestAccept } from '../media-types.js';
import { isValidDigest, isValidTag, type ImageReference } from '../reference.js';
import { Authenticator, type AuthContext, type Authorization } from './auth.js';
import { CredentialStore, type Credentials } from './credentials.js';
import { errorFromResponse } from './errors.js';
import { HttpTransport, bodyError, discard, headerValue, isNotTlsError, readBody, type HttpMethod, type HttpResponse } from './transport.js';
import { parseWwwAuthenticate } from './www-authenticate.js';

/**
 * Client for the OCI distribution API (opencontainers/distribution-spec spec.md) as served by registries such
 * as CNCF distribution, Docker Hub, GHCR, Harbor and the cloud registries. Every byte it returns is verified
 * against the digest it was asked for (or reports).
 */
export interface RegistryClientOptions {
  /** Explicit credentials (--username/--password, TOLLGATE_USERNAME/TOLLGATE_PASSWORD); they win over docker config. */
  credentials?: { username: string; password: string };
  /** Directory of Docker's config.json. Default $DOCKER_CONFIG, else ~/.docker. */
  dockerConfigDir?: string;
  /** Allow plain HTTP and skip TLS verification for every registry (loopback registries get HTTP fallback anyway). */
  insecure?: boolean;
  /** Extra trusted CA certificates (PEM). Default: $SSL_CERT_FILE when set. */
  caFile?: string;
  /** Per-request connect / headers / body-idle timeout. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt for idempotent requests. Default 4. */
  retries?: number;
  /** Base delay of the exponential backoff. Default 250 ms. */
  retryBaseMs?: number;
  /** Upper bound of one wait, including Retry-After. Default 30 s. */
  maxRetryDelayMs?: number;
  userAgent?: string;
  events?: EventSink;
  /** Timeout of a docker-credential-* helper run. Default 10 s. */
  credentialHelperTimeoutMs?: number;
  /** Environment used to find docker config and credential helpers. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ManifestResult {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface BlobPushSource {
  /** A stream, or a factory (then the upload may be retried). */
  stream: Readable | (() => Readable);
  digest: string;
  size: number;
}

export interface PushBlobResult {
  digest: string;
  size: number;
  /** The registry already had the blob (HEAD) or mounted it from another repository. */
  skipped: 'exists' | 'mounted' | undefined;
}

/** Manifests beyond this are refused (distribution and containerd cap them at 4 MiB too). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const KNOWN_MANIFEST_TYPES = new Set<string>([...manifestAccept, MediaType.dockerManifestV1, MediaType.dockerManifestV1Signed]);

function isLoopback(host: string): boolean {
  let h = host;
  if (h.startsWith('[')) h = h.slice(1, h.indexOf(']'));
  else if (h.includes(':')) h = h.slice(0, h.lastIndexOf(':'));
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function sha(algorithm: 'sha256' | 'sha512', bytes: Buffer): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

function algorithmOf(digest: string): 'sha256' | 'sha512' {
  if (digest.startsWith('sha256:')) return 'sha256';
  if (digest.startsWith('sha512:')) return 'sha512';
  throw new UsageError('INVALID_ARGUMENT', `unsupported digest algorithm in ${JSON.stringify(digest)} (sha256 or sha512)`);
}

function requireDigest(digest: string, what: string): void {
  if (!isValidDigest(digest)) throw new UsageError('INVALID_ARGUMENT', `${what}: ${JSON.stringify(digest)} is not a valid digest`);
  algorithmOf(digest);
}

function stripParams(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const t = contentType.split(';')[0]?.trim().toLowerCase();
  return t === '' ? undefined : t;
}

/** Media type of a manifest: a specific Content-Type, else the body's `mediaType`, else its shape. */
export function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const header = stripParams(contentType);
  if (header && KNOWN_MANIFEST_TYPES.has(header)) return header;
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const m = body as { mediaType?: unknown; manifests?: unknown; config?: unknown; schemaVersion?: unknown; fsLayers?: unknown };
    if (typeof m.mediaType === 'string' && m.mediaType !== '') return m.mediaType;
    if (Array.isArray(m.manifests)) return MediaType.ociIndex;
    if (m.config && typeof m.config === 'object') return MediaType.ociManifest;
    if (m.schemaVersion === 1 || Array.isArray(m.fsLayers)) return MediaType.dockerManifestV1;
  }
  return header ?? 'application/octet-stream';
}

type Action = 'pull' | 'push' | 'delete';

interface CallOptions {
  method: HttpMethod;
  /** Path under the registry base ("/v2/...") or an absolute URL on the same registry (upload locations). */
  path: string;
  actions: Action[];
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  retry?: boolean;
  signal?: AbortSignal;
  extraScopes?: string[];
}

export class RegistryClient {
  private readonly transport: HttpTransport;
  private readonly auth: Authenticator;
  private readonly bases = new Map<string, Promise<string>>();
  private readonly insecure: boolean;

  constructor(options: RegistryClientOptions = {}) {
    const env = options.env ?? process.env;
    this.insecure = options.insecure ?? false;
    this.transport = new HttpTransport({
      caFile: options.caFile ?? (env.SSL_CERT_FILE || undefined),
      insecure: this.insecure,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      retryBaseMs: options.retryBaseMs,
      maxRetryDelayMs: options.maxRetryDelayMs,
      userAgent: options.userAgent,
      events: options.events,
    });
    const explicit: Credentials | undefined = options.credentials
      ? { username: options.credentials.username, password: options.credentials.password }
      : undefined;
    const store = new CredentialStore(explicit, {
      dockerConfigDir: options.dockerConfigDir,
      helperTimeoutMs: options.credentialHelperTimeoutMs,
      env,
    });
    this.auth = new Authenticator(this.transport, store, { insecure: this.insecure });
  }

  /** Tokens fetched from token servers so far (lets callers and tests observe token reuse). */
  get tokensFetched(): number {
    return this.auth.tokensFetched;
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  // ---------------------------------------------------------------- pull

  /** Fetches a manifest or index by tag or digest (default: the reference's digest, else its tag) and verifies it. */
  async getManifest(ref: ImageReference, reference: string = defaultReference(ref), options: { signal?: AbortSignal } = {}): Promise<ManifestResult> {
    const byDigest = checkManifestReference(reference);
    const what = `manifest ${ref.registry}/${ref.repository}${byDigest ? '@' : ':'}${reference}`;
    const res = await this.call(ref, {
      method: 'GET',
      path: `/v2/${ref.repository}/manifests/${reference}`,
      actions: ['pull'],
      headers: { accept: manifestAccept.join(', ') },
      signal: options.signal,
    });
    if (res.status !== 200) throw await errorFromResponse(res, `cannot fetch ${what}`);
    const declared = Number(headerValue(res.headers, 'content-length'));
    if (Number.isFinite(declared) && declared > MAX_MANIFEST_BYTES) {
      await discard(res);
      throw new ImageError('MALFORMED_MANIFEST', `${what} is ${declared} bytes, more than the ${MAX_MANIFEST_BYTES}-byte limit`);
    }
    const bytes = await readBody(
      res.body,
      MAX_MANIFEST_BYTES,
      () => new ImageError('MALFORMED_MANIFEST', `${what} is larger than the ${MAX_MANIFEST_BYTES}-byte limit`),
    );
    const mediaType = manifestMediaType(headerValue(res.headers, 'content-type'), bytes);
    const headerDigest = headerValue(res.headers, 'docker-content-digest')?.trim();
    let digest: string;
    if (byDigest) {
      digest = reference;
      const actual = sha(algorithmOf(reference), bytes);
      if (actual !== reference) {
        throw new ImageError('DIGEST_MISMATCH', `${what}: the registry sent content with digest ${actual}`);
      }
    } else {
      digest = sha('sha256', bytes);
      if (headerDigest && isValidDigest(headerDigest) && (headerDigest.startsWith('sha256:') || headerDigest.startsWith('sha512:'))) {
        const actual = sha(algorithmOf(headerDigest), bytes);
        if (actual !== headerDigest) {
          throw new ImageError('DIGEST_MISMATCH', `${what}: Docker-Content-Digest says ${headerDigest} but the content hashes to ${actual}`);
        }
      }
    }
    return { bytes, mediaType, digest };
  }

  /** HEAD of a manifest: its digest, media type and size; undefined when it does not exist. */
  async headManifest(ref: ImageReference, reference: string = defaultReference(ref), options: { signal?: AbortSignal } = {}): Promise<ManifestHead | undefined> {
    const byDigest = checkManifestReference(reference);
    const what = `manifest ${ref.registry}/${ref.repository}${byDigest ? '@' : ':'}${reference}`;
    const res = await this.call(ref, {
      method: 'HEAD',
      path: `/v2/${ref.repository}/manifests/${reference}`,
      actions: ['pull'],
      headers: { accept: manifestAccept.join(', ') },
      signal: options.signal,
    });
    await discard(res);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await errorFromResponse(res, `cannot look up ${what}`);
    const headerDigest = headerValue(res.headers, 'docker-content-digest')?.trim();
    const contentType = stripParams(headerValue(res.headers, 'content-type'));
    const size = Number(headerValue(res.headers, 'content-length'));
    if (byDigest && headerDigest && headerDigest !== reference) {
      throw new ImageError('DIGEST_MISMATCH', `${what}: the registry reports digest ${headerDigest}`);
    }
    if ((headerDigest || byDigest) && contentType && KNOWN_MANIFEST_TYPES.has(contentType) && Number.isFinite(size)) {
      return { digest: byDigest ? reference : (headerDigest as string), mediaType: contentType, size };
    }
    // Not every registry sends Docker-Content-Digest or a useful Content-Type on HEAD: fall back to a GET.
    const full = await this.getManifest(ref, reference, options);
    return { digest: full.digest, mediaType: full.mediaType, size: full.bytes.length };
  }

  /**
   * Streams a blob. The stream errors with ImageError DIGEST_MISMATCH / SIZE_MISMATCH at the end (or as soon as
   * it is too long) when the bytes do not match, so a consumer can never take a corrupt blob for a good one.
   */
  async getBlob(ref: ImageReference, digest: string, options: { expectedSize?: number; signal?: AbortSignal } = {}): Promise<Readable> {
    requireDigest(digest, 'getBlob');
    const what = `blob ${ref.registry}/${ref.repository}@${digest}`;
    const res = await this.call(ref, { method: 'GET', path: `/v2/${ref.repository}/blobs/${digest}`, actions: ['pull'], signal: options.signal });
    if (res.status !== 200) throw await errorFromResponse(res, `cannot fetch ${what}`);
    const declared = Number(headerValue(res.headers, 'content-length'));
    if (options.expectedSize !== undefined && Number.isFinite(declared) && headerValue(res.headers, 'content-length') !== undefined && declared !== options.expectedSize) {
      await discard(res);
      throw new ImageError('SIZE_MISMATCH', `${what}: the registry sends ${declared} bytes but the descriptor declares ${options.expectedSize}`);
    }
    const verifier = new DigestVerifier(digest, what, options.expectedSize);
    const body = res.body;
    // Not stream.pipeline: a transport failure must reach the consumer as a typed RegistryError.
    body.on('error', (e) => verifier.destroy(bodyError(e, what)));
    verifier.on('close', () => {
      if (!body.destroyed) body.destroy();
    });
    body.pipe(verifier);
    return verifier;
  }

  /** Reads a small blob (a config, a signature payload) into memory, verified, refusing more than `maxBytes`. */
  async getBlobBytes(ref: ImageReference, digest: string, maxBytes: number, options: { expectedSize?: number; signal?: AbortSignal } = {}): Promise<Buffer> {
    if (options.expectedSize !== undefined && options.expectedSize > maxBytes) {
      throw new ImageError('SIZE_MISMATCH', `blob ${digest} declares ${options.expectedSize} bytes, more than the ${maxBytes}-byte limit`);
    }
    const stream = await this.getBlob(ref, digest, options);
    return readBody(stream, maxBytes, () => new ImageError('SIZE_MISMATCH', `blob ${ref.registry}/${ref.repository}@${digest} is larger than the ${maxBytes}-byte limit`));
  }

  async blobExists(ref: ImageReference, digest: string, options: { signal?: AbortSignal; forPush?: boolean } = {}): Promise<boolean> {
    requireDigest(digest, 'blobExists');
    const res = await this.call(ref, {
      method: 'HEAD',
      path: `/v2/${ref.repository}/blobs/${digest}`,
      actions: options.forPush ? ['pull', 'push'] : ['pull'],
      signal: options.signal,
    });
    await discard(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await errorFromResponse(res, `cannot look up blob ${ref.registry}/${ref.repository}@${digest}`);
  }

  /** Lists tags (following Link pagination; distribution 2.8 returns `tags: null` once a repository is emptied). */
  async listTags(ref: ImageReference, options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${ref.repository}/tags/list`;
    for (let page = 0; path !== undefined && page < 10_000; page++) {
      const res = await this.call(ref, { method: 'GET', path, actions: ['pull'], signal: options.signal });
      if (res.status !== 200) throw await errorFromResponse(res, `cannot list tags of ${ref.registry}/${ref.repository}`);
      const bytes = await readBody(res.body, 16 * 1024 * 1024, () => new RegistryError('PROTOCOL', `tag list of ${ref.registry}/${ref.repository} is larger than 16 MiB`));
      let body: unknown;
      try {
        body = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new RegistryError('PROTOCOL', `tag list of ${ref.registry}/${ref.repository} is not JSON`);
      }
      const list = body && typeof body === 'object' ? (body as { tags?: unknown }).tags : undefined;
      if (Array.isArray(list)) for (const t of list) if (typeof t === 'string') tags.push(t);
      path = nextLink(headerValue(res.headers, 'link'));
    }
    return tags;
  }

  /**
   * OCI 1.1 referrers API (distribution-spec "Listing Referrers"): the image index of manifests whose `subject` is
   * `digest`, or undefined when the registry does not implement the API. As go-containerregistry does
   * (remote/referrers.go), 404, 400 and 406, or a 200 that is not an OCI index, mean "not supported": then the
   * caller reads the `sha256-<hex>` referrers tag instead (distribution 2.8 answers 404 `page not found`).
   */
  async getReferrersIndex(ref: ImageReference, digest: string, options: { artifactType?: string; signal?: AbortSignal } = {}): Promise<Buffer | undefined> {
    requireDigest(digest, 'getReferrersIndex');
    const query = options.artifactType ? `?artifactType=${encodeURIComponent(options.artifactType)}` : '';
    const what = `referrers of ${ref.registry}/${ref.repository}@${digest}`;
    const res = await this.call(ref, {
      method: 'GET',
      path: `/v2/${ref.repository}/referrers/${digest}${query}`,
      actions: ['pull'],
      headers: { accept: MediaType.ociIndex },
      signal: options.signal,
    });
    if (res.status === 404 || res.status === 400 || res.status === 406) {
      await discard(res);
      return undefined;
    }
    if (res.status !== 200) throw await errorFromResponse(res, `cannot list ${what}`);
    if (stripParams(headerValue(res.headers, 'content-type')) !== MediaType.ociIndex) {
      await discard(res);
      return undefined;
    }
    return readBody(res.body, MAX_MANIFEST_BYTES, () => new ImageError('MALFORMED_MANIFEST', `${what}: the referrers index is larger than ${MAX_MANIFEST_BYTES} bytes`));
  }

  // ---------------------------------------------------------------- push

  /**
   * Uploads a blob unless the repository has it: POST an upload session, then one monolithic PUT with
   * `Content-Type: application/octet-stream` (distribution 2.8 misreads the body otherwise, INFRA.md).
   * `mountFrom` names a repository on the same registry to mount the blob from instead.
   */
  async pushBlob(ref: ImageReference, data: Buffer | BlobPushSource, options: { mountFrom?: string; signal?: AbortSignal } = {}): Promise<PushBlobResult> {
    const isBuffer = Buffer.isBuffer(data);
    const digest = isBuffer ? sha('sha256', data) : data.digest;
    const size = isBuffer ? data.length : data.size;
    requireDigest(digest, 'pushBlob');
    const what = `blob ${ref.registry}/${ref.repository}@${digest}`;
    if (await this.blobExists(ref, digest, { signal: options.signal, forPush: true })) return { digest, size, skipped: 'exists' };

    const query = options.mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(options.mountFrom)}` : '';
    const start = await this.call(ref, {
      method: 'POST',
      path: `/v2/${ref.repository}/blobs/uploads/${query}`,
      actions: ['pull', 'push'],
      extraScopes: options.mountFrom ? [`repository:${options.mountFrom}:pull`] : [],
      headers: { 'content-length': '0' },
      // Starting an upload session has no effect a retry could duplicate harmfully (an unused session expires).
      retry: true,
      signal: options.signal,
    });
    if (start.status === 201 && options.mountFrom) {
      await discard(start);
      return { digest, size, skipped: 'mounted' };
    }
    if (start.status !== 202) throw await errorFromResponse(start, `cannot start the upload of ${what}`);
    await discard(start);
    const location = headerValue(start.headers, 'location');
    if (!location) throw new RegistryError('PROTOCOL', `${ref.registry} started an upload for ${what} without a Location`);
    const url = new URL(location, start.url);
    url.searchParams.set('digest', digest);
    const body: Buffer | (() => Readable) = isBuffer ? data : typeof data.stream === 'function' ? data.stream : onceStream(data.stream);
    const put = await this.call(ref, {
      method: 'PUT',
      path: url.toString(),
      actions: ['pull', 'push'],
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
      retry: isBuffer || typeof (data as BlobPushSource).stream === 'function',
      signal: options.signal,
    });
    if (put.status !== 201 && put.status !== 204) throw await errorFromResponse(put, `cannot upload ${what}`);
    await discard(put);
    const stored = headerValue(put.headers, 'docker-content-digest');
    if (stored && stored !== digest) {
      throw new ImageError('DIGEST_MISMATCH', `${ref.registry} stored ${what} under digest ${stored}`);
    }
    return { digest, size, skipped: undefined };
  }

  /** Uploads a manifest or index under a tag or its digest; returns its digest. */
  async putManifest(ref: ImageReference, tagOrDigest: string, bytes: Buffer, mediaType: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    const byDigest = checkManifestReference(tagOrDigest);
    const digest = byDigest ? sha(algorithmOf(tagOrDigest), bytes) : sha('sha256', bytes);
    if (byDigest && digest !== tagOrDigest) {
      throw new UsageError('INVALID_ARGUMENT', `putManifest: the manifest hashes to ${digest}, not ${tagOrDigest}`);
    }
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new UsageError('INVALID_ARGUMENT', `putManifest: the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
    }
    const what = `manifest ${ref.registry}/${ref.repository}${byDigest ? '@' : ':'}${tagOrDigest}`;
    const res = await this.call(ref, {
      method: 'PUT',
      path: `/v2/${ref.repository}/manifests/${tagOrDigest}`,
      actions: ['pull', 'push'],
      headers: { 'content-type': mediaType },
      body: bytes,
      signal: options.signal,
    });
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await errorFromResponse(res, `cannot push ${what}`);
    await discard(res);
    const stored = headerValue(res.headers, 'docker-content-digest');
    if (stored && stored.startsWith(`${digest.split(':')[0]}:`) && stored !== digest) {
      throw new ImageError('DIGEST_MISMATCH', `${ref.registry} stored ${what} under digest ${stored}, expected ${digest}`);
    }
    return digest;
  }

  /** Deletes a manifest by digest (registries refuse deleting by tag: distribution 2.8 answers 400). */
  async deleteManifest(ref: ImageReference, digest: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    requireDigest(digest, 'deleteManifest');
    const res = await this.call(ref, {
      method: 'DELETE',
      path: `/v2/${ref.repository}/manifests/${digest}`,
      actions: ['delete'],
      signal: options.signal,
    });
    if (res.status !== 202 && res.status !== 200 && res.status !== 204) {
      throw await errorFromResponse(res, `cannot delete manifest ${ref.registry}/${ref.repository}@${digest}`);
    }
    await discard(res);
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Base URL of a registry host. HTTPS unless `insecure`; loopback registries (and insecure ones) fall back to
   * plain HTTP when the HTTPS handshake shows the other end does not speak TLS, as Docker does. The /v2/ probe
   * also tells the auth scheme, so the first real request can carry credentials or a token.
   */
  private baseUrl(host: string, signal?: AbortSignal): Promise<string> {
    let p = this.bases.get(host);
    if (!p) {
      p = this.probe(host, signal);
      this.bases.set(host, p);
      p.catch(() => this.bases.delete(host));
    }
    return p;
  }

  private async probe(host: string, signal?: AbortSignal): Promise<string> {
    const fallback = this.insecure || isLoopback(host);
    const https = `https://${host}`;
    let res: HttpResponse;
    try {
      res = await this.transport.send({ method: 'GET', url: `${https}/v2/`, signal, ...(fallback ? { attempts: 1 } : {}) });
    } catch (e) {
      if (!fallback || signal?.aborted || !isNotTlsError(e instanceof RegistryError ? e.cause : e)) throw e;
      const http = `http://${host}`;
      res = await this.transport.send({ method: 'GET', url: `${http}/v2/`, signal });
      this.noteProbe(host, res);
      await discard(res);
      return http;
    }
    this.noteProbe(host, res);
    await discard(res);
    return https;
  }

  private noteProbe(host: string, res: HttpResponse): void {
    if (res.status === 401) this.auth.noteChallenges(host, parseWwwAuthenticate(res.headers['www-authenticate']));
  }

  private async call(ref: ImageReference, opts: CallOptions): Promise<HttpResponse> {
    const host = ref.apiHost;
    const base = await this.baseUrl(host, opts.signal);
    const url = /^https?:\/\//.test(opts.path) ? opts.path : `${base}${opts.path}`;
    const ctx: AuthContext = {
      registry: ref.registry,
      host,
      repository: ref.repository,
      scopes: [`repository:${ref.repository}:${opts.actions.join(',')}`, ...(opts.extraScopes ?? [])],
    };
    let authorization: Authorization | undefined = await this.auth.authorizationFor(ctx);
    // At most: the first try, a retry with fresh credentials, and one with a re-scoped token.
    for (let round = 0; ; round++) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (authorization) headers.authorization = authorization.header;
      const res = await this.transport.send({
        method: opts.method,
        url,
        headers,
        body: opts.body,
        retry: opts.retry,
        signal: opts.signal,
      });
      if (res.status !== 401 || round >= 2) return res;
      const challenges = parseWwwAuthenticate(res.headers['www-authenticate']);
      await discard(res);
      if (typeof opts.body === 'function' && opts.retry === false) {
        // A one-shot stream was consumed by the rejected request; it cannot be sent again.
        throw new RegistryError('UNAUTHORIZED', `${host} rejected an upload to ${ref.repository} that cannot be replayed`, { status: 401 });
      }
      authorization = await this.auth.onUnauthorized(ctx, challenges, authorization);
    }
  }
}

function defaultReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** True when the reference is a digest; throws for something that is neither a digest nor a tag. */
function checkManifestReference(reference: string): boolean {
  if (reference.includes(':')) {
    requireDigest(reference, 'manifest reference');
    return true;
  }
  if (!isValidTag(reference)) throw new UsageError('INVALID_ARGUMENT', `${JSON.stringify(reference)} is neither a tag nor a digest`);
  return false;
}

/** RFC 8288 Link header: the target of rel="next", as a path (registries send "</v2/...?last=x&n=y>; rel=\"next\""). */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?next"?/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

function onceStream(stream: Readable): () => Readable {
  let used = false;
  return () => {
    if (used) throw new RegistryError('PROTOCOL', 'a one-shot upload stream cannot be sent twice');
    used = true;
    return stream;
  };
}
