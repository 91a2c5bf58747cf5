import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'undici';

/** undici is loaded on the first request (~0.1 s of module loading that `oci-dir:` and cached scans never need). */
type Undici = Pick<typeof import('undici'), 'Agent' | 'request'>;
let undiciModule: Promise<Undici> | undefined;
function loadUndici(): Promise<Undici> {
  return (undiciModule ??= import('undici').then(({ Agent, request }) => ({ Agent, request })));
}
import { RegistryError, UsageError, isTollgateError, type EventSink } from '../../core/index.js';

/**
 * HTTP for the registry client: one undici Agent per client (keep-alive, custom CA), bounded retries with
 * exponential backoff and jitter, Retry-After, per-request timeouts, and redirects that never carry the
 * Authorization header to another origin.
 */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** A Buffer can be resent; a stream factory is called once per attempt. */
  body?: Buffer | (() => Readable);
  /** Whether the request may be sent again after a retryable failure. Default: GET, HEAD, DELETE and Buffer bodies. */
  retry?: boolean;
  /** Follow up to this many redirects (GET/HEAD only). Default 5 for GET/HEAD, 0 otherwise. */
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Disable the retry loop for this request (used by the https→http probe). */
  attempts?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { dump?: (opts?: { limit: number }) => Promise<void> };
  /** Final URL after redirects. */
  url: string;
}

export interface TransportOptions {
  /** PEM file of extra CA certificates (added to Node's bundled roots). */
  caFile?: string;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** Timeout for connecting and for waiting on response headers / body data, per request. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  retries?: number;
  /** Base of the exponential backoff. Default 250 ms. */
  retryBaseMs?: number;
  /** Upper bound of any single wait, including Retry-After. Default 30 s. */
  maxRetryDelayMs?: number;
  userAgent?: string;
  events?: EventSink;
}

export const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Error codes of node:net / undici that describe a transient connection failure. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The innermost error code (undici wraps socket errors in `cause`). */
export function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 5 && cur && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR' && !code.startsWith('UND_ERR_REQ')) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isRetryableNetworkError(e: unknown): boolean {
  const code = errorCode(e);
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/** TLS failures caused by certificates (never retried, never a reason to fall back to plain HTTP). */
export function isCertificateError(e: unknown): boolean {
  const code = errorCode(e) ?? '';
  return (
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/.test(code) && !code.startsWith('ERR_SSL_WRONG')
  );
}

/**
 * The other end does not speak TLS (a plain-HTTP registry answering a ClientHello): OpenSSL reports
 * "wrong version number" / "packet length too long", or the peer just resets.
 */
export function isNotTlsError(e: unknown): boolean {
  const code = errorCode(e) ?? '';
  if (/ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|RECORD_LAYER_FAILURE)/.test(code)) return true;
  if (code === 'EPROTO' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return true;
  const message = e instanceof Error ? `${e.message} ${e.cause instanceof Error ? e.cause.message : ''}` : '';
  return /wrong version number|packet length too long|http request/i.test(message);
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns milliseconds, or undefined. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP-date always names a weekday/month; V8's Date.parse would accept "-1" or "1.5" too.
  if (!/[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to zero. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return url;
  }
}

function loadCa(caFile: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (e) {
    throw new UsageError('INVALID_CONFIG', `cannot read the CA file ${caFile}: ${(e as Error).message}`, { cause: e });
  }
}

export class HttpTransport {
  private agent: Promise<Agent> | undefined;
  private readonly agentOptions: ConstructorParameters<typeof Agent>[0];
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly userAgent: string;
  private readonly events: EventSink | undefined;

  constructor(options: TransportOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'tollgate';
    this.events = options.events;
    let ca: string[] | undefined;
    if (options.caFile) {
      // Passing `ca` replaces Node's bundled roots, so keep them (and NODE_EXTRA_CA_CERTS) alongside.
      ca = [...rootCertificates, loadCa(options.caFile)];
      const extra = process.env.NODE_EXTRA_CA_CERTS;
      if (extra) {
        try {
          ca.push(readFileSync(extra, 'utf8'));
        } catch {
          // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; do the same (silently).
        }
      }
    }
    this.agentOptions = {
      connect: { timeout: this.timeoutMs, ...(ca ? { ca } : {}), ...(options.insecure ? { rejectUnauthorized: false } : {}) },
      keepAliveTimeout: 10_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    };
  }

  private dispatcher(): Promise<Agent> {
    return (this.agent ??= loadUndici().then(({ Agent }) => new Agent(this.agentOptions)));
  }

  async close(): Promise<void> {
    const agent = this.agent;
    this.agent = undefined;
    if (agent) await (await agent).close();
  }

  /**
   * Sends a request, retrying transient failures. Returns the final response whatever its status (a retryable
   * status is returned once the attempts are used up); throws RegistryError NETWORK/TLS/TIMEOUT on transport failure.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const canRetry = req.retry ?? (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE' || Buffer.isBuffer(req.body));
    const attempts = req.attempts ?? (canRetry ? 1 + this.retries : 1);
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.sendFollowingRedirects(req);
      } catch (e) {
        if (req.signal?.aborted) throw e;
        if (attempt < attempts && isRetryableNetworkError(e)) {
          await this.wait(req, attempt, undefined, errorCode(e) ?? 'network error');
          continue;
        }
        throw this.wrapNetworkError(e, req.url);
      }
      if (attempt < attempts && RETRYABLE_STATUS.has(res.status)) {
        const retryAfter = parseRetryAfter(headerValue(res.headers, 'retry-after'));
        await discard(res);
        await this.wait(req, attempt, retryAfter, `HTTP ${res.status}`);
        continue;
      }
      return res;
    }
  }

  private async wait(req: HttpRequest, attempt: number, retryAfterMs: number | undefined, reason: string): Promise<void> {
    const delayMs = Math.min(this.maxRetryDelayMs, retryAfterMs ?? backoffDelay(attempt, this.retryBaseMs, this.maxRetryDelayMs));
    this.events?.({ type: 'http-retry', url: redactUrl(req.url), attempt, delayMs, reason });
    await sleep(delayMs, undefined, req.signal ? { signal: req.signal } : undefined);
  }

  private async sendFollowingRedirects(req: HttpRequest): Promise<HttpResponse> {
    const followable = req.method === 'GET' || req.method === 'HEAD';
    const maxRedirects = followable ? (req.maxRedirects ?? 5) : 0;
    let url = req.url;
    const origin = new URL(req.url).origin;
    let headers: Record<string, string> = { 'user-agent': this.userAgent, ...lowerKeys(req.headers ?? {}) };
    const [{ request }, agent] = await Promise.all([loadUndici(), this.dispatcher()]);
    for (let hop = 0; ; hop++) {
      const body = typeof req.body === 'function' ? req.body() : req.body;
      const res = await request(url, {
        method: req.method,
        headers,
        body,
        dispatcher: agent,
        signal: req.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const location = headerValue(res.headers, 'location');
      if (hop < maxRedirects && [301, 302, 303, 307, 308].includes(res.statusCode) && location) {
        await discard({ body: res.body });
        url = new URL(location, url).toString();
        // Blob storage (S3, GCS, a CDN) gets pre-signed URLs; the registry's credentials must not leak there.
        if (new URL(url).origin !== origin) {
          const { authorization: _dropped, ...rest } = headers;
          headers = rest;
        }
        continue;
      }
      if (hop >= maxRedirects && maxRedirects > 0 && [301, 302, 303, 307, 308].includes(res.statusCode)) {
        await discard({ body: res.body });
        throw new RegistryError('PROTOCOL', `too many redirects fetching ${redactUrl(req.url)}`, { status: res.statusCode });
      }
      return { status: res.statusCode, headers: res.headers, body: res.body, url };
    }
  }

  private wrapNetworkError(e: unknown, url: string): Error {
    if (e instanceof RegistryError || e instanceof UsageError) return e;
    const code = errorCode(e);
    const where = redactUrl(url);
    const detail = e instanceof Error ? e.message : String(e);
    if (isCertificateError(e)) {
      return new RegistryError('TLS', `TLS certificate of ${new URL(url).host} is not trusted (${code}): ${detail}; pass --ca-file with its CA`, {
        cause: e,
      });
    }
    if (code && /^ERR_SSL|^ERR_TLS|EPROTO/.test(code)) {
      return new RegistryError('TLS', `TLS handshake with ${new URL(url).host} failed (${code}): ${detail}`, { cause: e });
    }
    if (code && TIMEOUT_CODES.has(code)) return new RegistryError('TIMEOUT', `request to ${where} timed out (${code})`, { cause: e });
    return new RegistryError('NETWORK', `request to ${where} failed${code ? ` (${code})` : ''}: ${detail}`, { cause: e });
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

/** Reads and throws away a response body so the connection can be reused. */
export async function discard(res: { body: HttpResponse['body'] }): Promise<void> {
  try {
    if (res.body.dump) await res.body.dump({ limit: 256 * 1024 });
    else res.body.resume();
  } catch {
    // The connection is closed on error anyway.
  }
}

/** Reads a whole body, failing (and closing the connection) beyond `limit` bytes. */
export async function readBody(body: Readable, limit: number, onTooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > limit) {
        body.destroy();
        throw onTooLarge();
      }
      chunks.push(buf);
    }
  } catch (e) {
    throw bodyError(e, 'the response');
  }
  return Buffer.concat(chunks, total);
}

/** A failure while reading a body: typed errors pass through, transport errors become RegistryError NETWORK/TIMEOUT. */
export function bodyError(e: unknown, what: string): Error {
  if (isTollgateError(e)) return e;
  if ((e as { name?: unknown })?.name === 'AbortError') return e as Error;
  const code = errorCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  return new RegistryError(code && TIMEOUT_CODES.has(code) ? 'TIMEOUT' : 'NETWORK', `connection lost while reading ${what}${code ? ` (${code})` : ''}: ${detail}`, {
    cause: e,
  });
}
