import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError, isTollgateError } from '../../core/index.js';
import { inClusterApi, kubernetesApi, LiveFactProvider, loadVerificationTrust, PullSecretResolver, type InClusterApi } from '../../admission/index.js';
import { RegistryClient, type Credentials } from '../../oci/index.js';
import { scan } from '../../scan/index.js';
import type { SignRegistry } from '../../sign/index.js';
import { AuditLog, createWebhookCerts, parseGoDuration, PolicyStore, WebhookServer, writeWebhookCerts } from '../../server/index.js';
import { exitCodeFor, ExitCode } from '../exit-codes.js';
import { createOutput } from '../output.js';
import type { RegistryCliOptions } from '../registry-options.js';

export interface WebhookServeCliOptions extends RegistryCliOptions {
  policy?: string;
  tlsCert?: string;
  tlsKey?: string;
  port?: string;
  host?: string;
  auditLog?: string;
  timeout?: string;
  cacheTtl?: string;
  negativeCacheTtl?: string;
  tagCacheTtl?: string;
  cacheSize?: string;
  reloadInterval?: string;
  excludeNamespaces?: string;
  unmatched?: string;
  dockerConfig?: string;
  /** Use the admitted pods' image pull secrets (default: when running in a cluster). */
  pullSecrets?: boolean;
  pullSecretTtl?: string;
  db?: string;
  /** Keyless: the default Sigstore trusted root (else $TOLLGATE_TRUSTED_ROOT, else the cached public-good root). */
  trustedRoot?: string;
  /** Keyless: `NAME=FILE` trusted roots for `trustRootRef: NAME`. */
  trustRoot?: string[];
  /** Notation: the trust store folder (x509/{ca,signingAuthority,tsa}/<name>/). */
  notationTrustStore?: string;
  cacheDir?: string;
  quiet?: boolean;
  debug?: boolean;
}

function durationMs(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  // Plain numbers are seconds, as in timeoutSeconds.
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseGoDuration(text);
  if (ms === undefined || !(ms > 0)) throw new UsageError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(text)} is not a duration (500ms, 10s, 5m, 1h, or seconds)`);
  return Math.round(ms);
}

function positiveInt(text: string | undefined, flag: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(text)} is not a whole number from 0 to ${max}`);
  return n;
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError('INVALID_ARGUMENT', `${flag} is required`);
  return value;
}

/** `tollgate webhook serve`: runs until SIGTERM (graceful: in-flight requests finish), then exits 0. */
export async function runWebhookServe(opts: WebhookServeCliOptions): Promise<number> {
  const out = createOutput(opts);
  let client: RegistryClient | undefined;
  let server: WebhookServer | undefined;
  let cluster: InClusterApi | undefined;
  let facts: LiveFactProvider | undefined;
  try {
    const policy = required(opts.policy, '--policy');
    const tlsCert = required(opts.tlsCert, '--tls-cert');
    const tlsKey = required(opts.tlsKey, '--tls-key');
    const port = positiveInt(opts.port, '--port', 8443, 65535);
    const timeoutMs = durationMs(opts.timeout, '--timeout', 10_000);
    if (timeoutMs > 30_000) throw new UsageError('INVALID_ARGUMENT', '--timeout is at most 30s (the largest timeoutSeconds Kubernetes accepts)');
    const unmatched = opts.unmatched ?? 'allow';
    if (unmatched !== 'allow' && unmatched !== 'deny') throw new UsageError('INVALID_ARGUMENT', `--unmatched must be allow or deny, not ${JSON.stringify(unmatched)}`);
    const username = opts.username ?? process.env.TOLLGATE_USERNAME;
    const password = opts.password ?? process.env.TOLLGATE_PASSWORD;
    if ((username === undefined) !== (password === undefined)) throw new UsageError('INVALID_ARGUMENT', 'give both --username and --password, or neither');
    const caFile = opts.caFile ?? process.env.SSL_CERT_FILE;
    const pullSecretTtlMs = durationMs(opts.pullSecretTtl, '--pull-secret-ttl', 60_000);
    const trust = await loadVerificationTrust({
      ...(opts.trustedRoot !== undefined ? { trustedRoot: opts.trustedRoot } : {}),
      ...(opts.trustRoot ? { trustRoots: opts.trustRoot } : {}),
      ...(opts.notationTrustStore !== undefined ? { notationTrustStore: opts.notationTrustStore } : {}),
      ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
      events: out.events,
    });
    // Registry calls must fit in the webhook's deadline: short per-request timeout, two quick retries.
    const transport = {
      ...(opts.insecure ? { insecure: true } : {}),
      ...(caFile ? { caFile } : {}),
      timeoutMs: Math.max(1000, timeoutMs - 2000),
      retries: 2,
      retryBaseMs: 100,
      maxRetryDelayMs: 1000,
      events: out.events,
    };
    client = new RegistryClient({
      ...(username !== undefined && password !== undefined ? { credentials: { username, password } } : {}),
      ...(opts.dockerConfig ? { dockerConfigDir: opts.dockerConfig } : {}),
      ...transport,
    });
    const registry = client;
    const store = new PolicyStore(policy);
    const db = opts.db;
    // In a cluster: namespace labels (namespaceSelector policies), secretRef keys and image pull secrets, with the
    // service account. Outside, --pull-secrets reads pull secrets with the kubeconfig.
    const inCluster = Boolean(process.env.KUBERNETES_SERVICE_HOST);
    const usePullSecrets = opts.pullSecrets ?? inCluster;
    if (usePullSecrets && !inCluster) {
      try {
        cluster = await kubernetesApi();
      } catch (e) {
        if (isTollgateError(e) && e.domain === 'kubernetes') throw new UsageError('INVALID_CONFIG', `--pull-secrets: ${e.message}`, { cause: e });
        throw e;
      }
    } else {
      cluster = await inClusterApi();
    }
    const api = cluster;
    /** A client for one pull secret's credentials: the same transport, those credentials and nothing else. */
    const registryFor = (c: Credentials): RegistryClient | string => {
      // The registry client takes a user and a password; an OAuth2 identity token needs the refresh-token grant.
      if (c.identityToken !== undefined || c.username === undefined) return 'identity-token credentials are not supported for pull secrets yet';
      return new RegistryClient({ credentials: { username: c.username, password: c.password ?? '' }, ...transport });
    };
    facts = new LiveFactProvider({
      registry,
      policyVersion: () => store.get().version,
      ttlMs: durationMs(opts.cacheTtl, '--cache-ttl', 5 * 60_000),
      negativeTtlMs: durationMs(opts.negativeCacheTtl, '--negative-cache-ttl', 10_000),
      tagTtlMs: durationMs(opts.tagCacheTtl, '--tag-cache-ttl', 30_000),
      maxEntries: positiveInt(opts.cacheSize, '--cache-size', 10_000) || 1,
      ...trust,
      ...(db
        ? {
            // The image is read with the client that reached it (a pull secret's, or the webhook's own).
            scanImage: (image: string, signal: AbortSignal, reachedWith: SignRegistry) => scan(image, { db, registry: () => reachedWith, signal, events: out.events }),
            scanSbom: async (sbom: unknown) => {
              const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-sbom-'));
              try {
                const file = path.join(dir, 'sbom.json');
                await writeFile(file, JSON.stringify(sbom));
                return await scan(`sbom:${file}`, { db, events: out.events });
              } finally {
                await rm(dir, { recursive: true, force: true });
              }
            },
          }
        : {}),
      ...(api ? { secretKeys: (ref: { name: string; namespace?: string }) => api.secretPublicKeys(ref) } : {}),
      ...(api && usePullSecrets ? { registryFor } : {}),
      events: out.events,
    });
    server = new WebhookServer({
      policies: store,
      tlsCertFile: tlsCert,
      tlsKeyFile: tlsKey,
      facts,
      ...(api && usePullSecrets ? { pullSecrets: new PullSecretResolver(api, { ttlMs: pullSecretTtlMs, events: out.events }) } : {}),
      port,
      ...(opts.host ? { host: opts.host } : {}),
      timeoutMs,
      ...(opts.auditLog ? { audit: new AuditLog(opts.auditLog) } : {}),
      excludeNamespaces: (opts.excludeNamespaces ?? 'kube-system').split(',').map((s) => s.trim()).filter(Boolean),
      unmatched,
      ...(api ? { namespaceLabels: (ns: string, signal: AbortSignal) => api.namespaceLabels(ns, signal) } : {}),
      reloadIntervalMs: durationMs(opts.reloadInterval, '--reload-interval', 10_000),
    });
    const running = server;
    const { port: bound } = await running.start();
    if (!opts.quiet) {
      out.info(`tollgate webhook listening on https://${opts.host ?? '0.0.0.0'}:${bound} (/validate, /mutate, /healthz, /readyz, /metrics)`);
      if (api && usePullSecrets) out.info(`image pull secrets are read through the Kubernetes API (${api.origin})`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGTERM', stop);
        process.off('SIGHUP', hup);
        void running.close().then(resolve, resolve);
      };
      const hup = () => void running.checkFiles();
      process.once('SIGTERM', stop);
      process.on('SIGHUP', hup);
    });
    out.done();
    return ExitCode.ok;
  } catch (e) {
    await server?.close().catch(() => undefined);
    out.error(e);
    return exitCodeFor(e);
  } finally {
    await facts?.close();
    await cluster?.close();
    await client?.close();
  }
}

export interface WebhookCertsCliOptions {
  service?: string;
  namespace?: string;
  out?: string;
  days?: string;
  force?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** `tollgate webhook certs`: writes ca.crt, ca.key, tls.crt, tls.key; prints the caBundle (base64) on stdout. */
export async function runWebhookCerts(opts: WebhookCertsCliOptions): Promise<number> {
  const out = createOutput(opts);
  try {
    const service = required(opts.service, '--service');
    const namespace = required(opts.namespace, '--namespace');
    const days = positiveInt(opts.days, '--days', 365);
    const certs = createWebhookCerts({ service, namespace, days, caDays: Math.max(3650, days) });
    const files = await writeWebhookCerts(opts.out ?? '.', certs, { force: opts.force ?? false });
    if (!opts.quiet) {
      out.info(
        [
          `wrote ${files.caCert}, ${files.caKey} (0600), ${files.tlsCert}, ${files.tlsKey} (0600)`,
          `serving certificate for ${certs.dnsNames.join(', ')}, valid ${days} days`,
          `create the Secret:  kubectl -n ${namespace} create secret tls ${service}-tls --cert=${files.tlsCert} --key=${files.tlsKey}`,
          'caBundle for the webhook configurations (stdout):',
        ].join('\n'),
      );
    }
    await out.result(`${certs.caBundle}\n`);
    out.done();
    return ExitCode.ok;
  } catch (e) {
    out.error(e);
    return exitCodeFor(e);
  }
}
