import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { isTollgateError, type FactProvider } from '../core/index.js';
import {
  AdmissionController,
  AdmissionError,
  parseAdmissionReview,
  type AdmissionControllerOptions,
  type AuditRecord,
  type Endpoint,
  type FactProviderStats,
} from '../admission/index.js';
import type { AuditLog } from './audit.js';
import { FileWatch } from './file-watch.js';
import { Collected, CONTENT_TYPE, Counter, Histogram, MetricsRegistry } from './metrics.js';
import type { PolicyStore } from './policy-store.js';

/**
 * `tollgate webhook serve`: the admission webhook over HTTPS. `/validate` and `/mutate` take AdmissionReviews as
 * kube-apiserver POSTs them; `/healthz` (the process answers), `/readyz` (policies loaded, not shutting down) and
 * `/metrics` (Prometheus) are for the kubelet and the monitoring. The serving certificate and the policies are
 * re-read when their files change; a bad new certificate or policy is refused and the old one kept.
 */
export interface ServerLogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export interface WebhookServerOptions {
  policies: PolicyStore;
  tlsCertFile: string;
  tlsKeyFile: string;
  facts: FactProvider & { readonly stats?: FactProviderStats };
  /** Default 8443; 0 picks a free port. */
  port?: number;
  host?: string;
  /** The webhook's timeoutSeconds (default 10): facts are waited for until `marginMs` before it. */
  timeoutMs?: number;
  /** Default 1000 ms: time left for evaluation, the response and the network. */
  marginMs?: number;
  audit?: AuditLog;
  excludeNamespaces?: readonly string[];
  unmatched?: 'allow' | 'deny';
  namespaceLabels?: AdmissionControllerOptions['namespaceLabels'];
  /** Image pull secrets of the admitted pods (read through the Kubernetes API), tried before the webhook's own credentials. */
  pullSecrets?: AdmissionControllerOptions['pullSecrets'];
  /** Period of the stat check of the certificate and policy files (default 10 s). */
  reloadIntervalMs?: number;
  /** Largest request body (default 8 MiB: an AdmissionReview carries object and oldObject, each up to etcd's 1.5 MiB). */
  maxBodyBytes?: number;
  /** How long shutdown waits for requests in flight (default 10 s). */
  drainMs?: number;
  log?: (entry: ServerLogEntry) => void;
  now?: () => Date;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Go's time.Duration text, as kube-apiserver writes it in `?timeout=10s`. */
export function parseGoDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  return end === text.length && end > 0 ? total : undefined;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class WebhookServer {
  readonly metrics = new MetricsRegistry();
  private server: https.Server | undefined;
  private readonly controller: AdmissionController;
  private readonly watches: FileWatch[] = [];
  private shuttingDown = false;
  private inFlight = 0;
  private readonly decisions: Counter;
  private readonly skipped: Counter;
  private readonly badRequests: Counter;
  private readonly latency: Histogram;
  private readonly tlsReloads: Counter;
  private readonly policyReloads: Counter;
  private readonly log: (entry: ServerLogEntry) => void;

  constructor(private readonly options: WebhookServerOptions) {
    this.log = options.log ?? ((e) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`));
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.controller = new AdmissionController({
      policySet: () => options.policies.get(),
      facts: options.facts,
      deadlineMs: Math.max(100, timeoutMs - (options.marginMs ?? 1000)),
      ...(options.excludeNamespaces ? { excludeNamespaces: options.excludeNamespaces } : {}),
      ...(options.unmatched ? { unmatched: options.unmatched } : {}),
      ...(options.namespaceLabels ? { namespaceLabels: options.namespaceLabels } : {}),
      ...(options.pullSecrets ? { pullSecrets: options.pullSecrets } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const m = this.metrics;
    this.decisions = m.register(new Counter('tollgate_admission_decisions_total', 'Admission decisions by endpoint, result (allow/deny) and mode (enforce/warn/audit).'));
    this.skipped = m.register(new Counter('tollgate_admission_skipped_total', 'Requests admitted without evaluation, by reason (operation, kind, unchanged, excluded-namespace, ...).'));
    this.badRequests = m.register(new Counter('tollgate_admission_bad_requests_total', 'Requests answered with HTTP 4xx/5xx instead of an AdmissionReview, by code.'));
    this.latency = m.register(new Histogram('tollgate_admission_duration_seconds', 'Time to decide one AdmissionReview, by endpoint.', LATENCY_BUCKETS));
    const stats = () => options.facts.stats;
    m.register(
      new Collected('tollgate_cache_hits_total', 'Cache hits, by cache (facts: verification results per digest and policy version; tags: tag to digest).', 'counter', () => {
        const s = stats();
        return s ? [{ labels: { cache: 'facts' }, value: s.factHits }, { labels: { cache: 'tags' }, value: s.tagHits }] : [];
      }),
    );
    m.register(
      new Collected('tollgate_cache_misses_total', 'Cache misses, by cache.', 'counter', () => {
        const s = stats();
        return s ? [{ labels: { cache: 'facts' }, value: s.factMisses }, { labels: { cache: 'tags' }, value: s.tagMisses }] : [];
      }),
    );
    m.register(new Collected('tollgate_verifications_total', 'Image verifications run (cache misses that did the work).', 'counter', () => (stats() ? [{ value: stats()!.verifications }] : [])));
    m.register(new Collected('tollgate_verifications_coalesced_total', 'Callers that joined a verification already running for the same image.', 'counter', () => (stats() ? [{ value: stats()!.coalesced }] : [])));
    m.register(new Collected('tollgate_fact_timeouts_total', 'Images whose facts were not gathered before the deadline.', 'counter', () => (stats() ? [{ value: stats()!.timeouts }] : [])));
    m.register(
      new Collected('tollgate_registry_errors_total', 'Registry errors while gathering facts, by code.', 'counter', () =>
        [...(stats()?.registryErrors ?? new Map<string, number>())].map(([code, value]) => ({ labels: { code }, value })),
      ),
    );
    this.policyReloads = m.register(new Counter('tollgate_policy_reloads_total', 'Policy reloads, by result (success/failure).'));
    this.tlsReloads = m.register(new Counter('tollgate_tls_reloads_total', 'Serving certificate reloads, by result.'));
    m.register(new Collected('tollgate_policies_loaded', 'Policies in force.', 'gauge', () => (options.policies.loaded ? [{ value: options.policies.get().policies.length }] : [])));
    m.register(new Collected('tollgate_ready', '1 when the webhook is ready to serve.', 'gauge', () => [{ value: this.ready ? 1 : 0 }]));
  }

  get ready(): boolean {
    return this.options.policies.loaded && !this.shuttingDown && this.server !== undefined;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Loads policies and the certificate (problems here are the caller's: nothing is served), then listens. */
  async start(): Promise<{ port: number }> {
    if (!this.options.policies.loaded) {
      const r = await this.options.policies.load();
      for (const w of r.warnings) this.log({ level: 'warn', msg: `policy: ${w.file}:${w.line}: ${w.path ? `${w.path}: ` : ''}${w.message}` });
    }
    const tls = await this.readTls();
    const server = https.createServer({ ...tls, minVersion: 'TLSv1.2' }, (req, res) => void this.handle(req, res));
    // kube-apiserver keeps connections alive between calls; an idle one is dropped after this.
    server.keepAliveTimeout = 60_000;
    server.on('tlsClientError', () => {
      // A client that does not trust the certificate or speaks plain HTTP: nothing to answer.
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 8443, this.options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    await this.watch();
    this.log({ level: 'info', msg: 'webhook serving', port: this.port, policies: this.options.policies.get().policies.length, policyVersion: this.options.policies.get().version });
    return { port: this.port };
  }

  private async readTls(): Promise<{ cert: Buffer; key: Buffer }> {
    const [cert, key] = await Promise.all([readFile(this.options.tlsCertFile), readFile(this.options.tlsKeyFile)]);
    // Throws when they do not belong together (a certificate renewed before its key was written).
    createSecureContext({ cert, key });
    return { cert, key };
  }

  private async watch(): Promise<void> {
    const interval = this.options.reloadIntervalMs ?? 10_000;
    const tlsWatch = new FileWatch({
      paths: [this.options.tlsCertFile, this.options.tlsKeyFile],
      intervalMs: interval,
      onChange: async () => {
        try {
          const tls = await this.readTls();
          this.server?.setSecureContext({ ...tls, minVersion: 'TLSv1.2' });
          this.tlsReloads.inc({ result: 'success' });
          this.log({ level: 'info', msg: 'serving certificate reloaded' });
        } catch (e) {
          this.tlsReloads.inc({ result: 'failure' });
          throw e;
        }
      },
      onError: (e) => this.log({ level: 'warn', msg: `serving certificate not reloaded, the current one stays: ${(e as Error).message}` }),
    });
    const policyWatch = new FileWatch({
      paths: [this.options.policies.location],
      intervalMs: interval,
      onChange: async () => {
        const r = await this.options.policies.reload();
        if (r.ok) {
          this.policyReloads.inc({ result: 'success' });
          this.log({ level: 'info', msg: 'policies reloaded', policies: r.count, changed: r.changed, policyVersion: this.options.policies.get().version });
        } else {
          this.policyReloads.inc({ result: 'failure' });
          this.log({ level: 'error', msg: `the new policies are invalid; the previous ones stay in force: ${(r.error as Error).message}` });
        }
      },
      onError: (e) => this.log({ level: 'warn', msg: `policy watch: ${(e as Error).message}` }),
    });
    await tlsWatch.start();
    await policyWatch.start();
    this.watches.push(tlsWatch, policyWatch);
  }

  /** Looks at the watched files now (tests, and SIGHUP). */
  async checkFiles(): Promise<void> {
    for (const w of this.watches) await w.check();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      const url = new URL(req.url ?? '/', 'https://webhook');
      switch (url.pathname) {
        case '/healthz':
          return sendText(res, 200, 'ok\n');
        case '/readyz':
          return this.ready ? sendText(res, 200, 'ok\n') : sendText(res, 503, this.shuttingDown ? 'shutting down\n' : 'policies not loaded\n');
        case '/metrics':
          return sendText(res, 200, this.metrics.render(), CONTENT_TYPE);
        case '/validate':
        case '/mutate':
          return await this.review(req, res, url.pathname === '/validate' ? 'validate' : 'mutate', url);
        default:
          this.badRequests.inc({ code: '404' });
          return sendJson(res, 404, { error: `no such endpoint ${url.pathname} (/validate, /mutate, /healthz, /readyz, /metrics)` });
      }
    } catch (e) {
      // Never let one request take the process down: answer 500 and log it.
      this.badRequests.inc({ code: '500' });
      this.log({ level: 'error', msg: `internal error: ${(e as Error)?.stack ?? String(e)}` });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    } finally {
      this.inFlight--;
    }
  }

  private async review(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, url: URL): Promise<void> {
    if (req.method !== 'POST') {
      this.badRequests.inc({ code: '405' });
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, { error: `${endpoint}: use POST with an AdmissionReview` });
    }
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/json\b/i.test(type)) {
      this.badRequests.inc({ code: '415' });
      return sendJson(res, 415, { error: `content-type ${type} is not supported: send application/json` });
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.options.maxBodyBytes ?? 8 * 1024 * 1024);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        this.badRequests.inc({ code: '413' });
        return sendJson(res, 413, { error: 'the AdmissionReview is too large' });
      }
      throw e;
    }
    let review;
    try {
      review = parseAdmissionReview(body);
    } catch (e) {
      if (e instanceof AdmissionError) {
        this.badRequests.inc({ code: '400' });
        this.log({ level: 'warn', msg: `bad request on /${endpoint}: ${e.message}`, code: e.code });
        return sendJson(res, 400, { error: e.message, code: e.code });
      }
      throw e;
    }
    const started = performance.now();
    // kube-apiserver says how long it waits (`?timeout=10s`): stop gathering facts a margin before that.
    const asked = parseGoDuration(url.searchParams.get('timeout') ?? '');
    const deadlineMs = asked !== undefined ? Math.max(100, asked - (this.options.marginMs ?? 1000)) : undefined;
    const outcome = await this.controller.admit(review, endpoint, deadlineMs !== undefined ? { deadlineMs } : {});
    this.latency.observe((performance.now() - started) / 1000, { endpoint });
    this.record(outcome.audit);
    sendJson(res, 200, outcome.body);
  }

  private record(a: AuditRecord): void {
    if (a.skipped) this.skipped.inc({ endpoint: a.endpoint, reason: a.skipped });
    this.decisions.inc({ endpoint: a.endpoint, result: a.decision, mode: a.mode });
    try {
      this.options.audit?.write(a);
    } catch (e) {
      this.log({ level: 'error', msg: `audit log: ${(e as Error).message}` });
    }
  }

  /** Graceful shutdown: not ready any more, no new connections, requests in flight finish (up to drainMs). */
  async close(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const w of this.watches) w.close();
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + (this.options.drainMs ?? 10_000);
      while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.closeAllConnections();
      await closed;
    }
    await this.options.audit?.close();
    this.log({ level: 'info', msg: 'webhook stopped' });
  }
}

export function describeError(e: unknown): string {
  return isTollgateError(e) ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
}
