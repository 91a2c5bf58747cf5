import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { VulnDbError, type EventSink } from '../../core/index.js';
import { mirrorPath } from '../mirror/walk.js';

/**
 * HTTP downloads for `db update`: one keep-alive undici Agent, per-request connect/header/body timeouts, bounded
 * retries with exponential backoff on network errors, 408/429/5xx (Retry-After honoured), redirects followed, and a
 * size limit per file so a misbehaving server cannot fill the disk. Files are written to the mirror layout.
 */
export interface DownloaderOptions {
  timeoutMs?: number;
  retries?: number;
  retryBaseMs?: number;
  maxRetryDelayMs?: number;
  /** Per file. OSV's npm archive is ~100 MB, NVD pages ~20 MB; 2 GiB leaves room without trusting the server. */
  maxBytes?: number;
  userAgent?: string;
  events?: EventSink;
  signal?: AbortSignal;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const PERMANENT = /^(ENOTFOUND|ERR_INVALID_URL|UND_ERR_INVALID_ARG)$|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID/;

/** The innermost error code (undici wraps socket errors in `cause`). */
function innermostCode(e: unknown): string | undefined {
  let code: string | undefined;
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') code = c;
  }
  return code;
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`HTTP ${status} from ${url}`);
  }
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class Downloader {
  private readonly agent: Agent;
  private readonly opts: Required<Omit<DownloaderOptions, 'events' | 'signal'>> & Pick<DownloaderOptions, 'events' | 'signal'>;

  constructor(opts: DownloaderOptions = {}) {
    this.opts = {
      timeoutMs: opts.timeoutMs ?? 60_000,
      retries: opts.retries ?? 4,
      retryBaseMs: opts.retryBaseMs ?? 500,
      maxRetryDelayMs: opts.maxRetryDelayMs ?? 30_000,
      maxBytes: opts.maxBytes ?? 2 * 1024 * 1024 * 1024,
      userAgent: opts.userAgent ?? 'tollgate',
      events: opts.events,
      signal: opts.signal,
    };
    this.agent = new Agent({ connectTimeout: this.opts.timeoutMs, headersTimeout: this.opts.timeoutMs, bodyTimeout: this.opts.timeoutMs, connections: 8 });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** GET with retries; `consume` reads the body of a 200 response (and is retried with it). */
  private async get<T>(url: string, headers: Record<string, string> | undefined, consume: (body: NodeJS.ReadableStream, length?: number) => Promise<T>): Promise<T> {
    let attempt = 0;
    for (;;) {
      this.opts.signal?.throwIfAborted();
      let delay: number | undefined;
      let reason: string;
      try {
        const res = await request(url, {
          method: 'GET',
          dispatcher: this.agent,
          headers: { 'user-agent': this.opts.userAgent, accept: '*/*', ...headers },
          maxRedirections: 5,
          signal: this.opts.signal,
        });
        if (res.statusCode === 200) {
          const length = Number(res.headers['content-length']);
          if (Number.isFinite(length) && length > this.opts.maxBytes) {
            await res.body.dump().catch(() => undefined);
            throw new VulnDbError('UPDATE_FAILED', `${url} is ${length} bytes, more than the limit of ${this.opts.maxBytes}`);
          }
          return await consume(res.body, Number.isFinite(length) ? length : undefined);
        }
        await res.body.dump().catch(() => undefined);
        if (!RETRYABLE_STATUS.has(res.statusCode)) throw new HttpStatusError(res.statusCode, url);
        reason = `HTTP ${res.statusCode}`;
        delay = retryAfterMs(res.headers['retry-after']);
      } catch (e) {
        if (e instanceof HttpStatusError || e instanceof VulnDbError) throw e;
        if (this.opts.signal?.aborted) throw e;
        const code = innermostCode(e);
        reason = code ? `${(e as Error).message} (${code})` : (e as Error).message;
        // A host that does not resolve or a certificate that does not verify will not get better by retrying.
        if (code && PERMANENT.test(code)) throw new VulnDbError('UPDATE_FAILED', `cannot download ${url}: ${reason}`, { cause: e });
      }
      if (attempt >= this.opts.retries) throw new VulnDbError('UPDATE_FAILED', `cannot download ${url}: ${reason} (after ${attempt + 1} attempts)`);
      attempt++;
      const backoff = Math.min(this.opts.maxRetryDelayMs, delay ?? this.opts.retryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      this.opts.events?.({ type: 'http-retry', url, attempt, delayMs: Math.round(backoff), reason });
      await sleep(backoff, undefined, { signal: this.opts.signal });
    }
  }

  /** Downloads `url` to the mirror-relative `rel` under `mirror`; returns the byte count. */
  async toFile(url: string, mirror: string, rel: string, headers?: Record<string, string>): Promise<{ bytes: number }> {
    const file = mirrorPath(mirror, rel);
    const max = this.opts.maxBytes;
    return this.get(url, headers, async (body) => {
      // Only once there is something to save: a 404 must not leave an empty folder that looks like a feed.
      await mkdir(path.dirname(file), { recursive: true });
      let bytes = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bytes += chunk.length;
          if (bytes > max) cb(new VulnDbError('UPDATE_FAILED', `${url} sends more than the limit of ${max} bytes`));
          else cb(null, chunk);
        },
      });
      try {
        await pipeline(body, limit, createWriteStream(file));
      } catch (e) {
        await rm(file, { force: true });
        throw e;
      }
      return { bytes };
    });
  }

  /** GETs and parses JSON (bounded to 256 MiB). */
  async json(url: string, headers?: Record<string, string>): Promise<unknown> {
    const max = Math.min(this.opts.maxBytes, 256 * 1024 * 1024);
    return this.get(url, headers, async (body) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const c of body as AsyncIterable<Buffer>) {
        bytes += c.length;
        if (bytes > max) throw new VulnDbError('UPDATE_FAILED', `${url} sends more than the limit of ${max} bytes`);
        chunks.push(c);
      }
      try {
        return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch (e) {
        throw new VulnDbError('UPDATE_FAILED', `${url} did not return JSON: ${(e as Error).message}`, { cause: e });
      }
    });
  }
}
