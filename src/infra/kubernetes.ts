import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as Undici from 'undici';
import type * as Yaml from 'yaml';
import { TollgateError } from '../core/index.js';
import { lazyRequire } from './lazy-require.js';

// Loaded on first use: every command imports src/infra, few talk to Kubernetes (~0.2 s of start-up otherwise).
const undici = lazyRequire<typeof Undici>('undici');
const yaml = lazyRequire<typeof Yaml>('yaml');

/**
 * The little Kubernetes API client Tollgate needs: find the API server and credentials as client-go does (kubeconfig
 * files, or a pod's service account, rest.InClusterConfig), and GET single objects (`/api/v1/...`) as JSON. Used by
 * `k8s://` signing keys (src/sign) and by the admission webhook (namespace labels, secretRef keys, image pull
 * secrets). No watch, no list, no writes.
 *
 * Responses may hold secrets: no response body, token or credential ever goes into an error message. Only the API's
 * own Status message (`secrets "x" is forbidden: …`, which names objects, never their data) is quoted.
 */

export type KubernetesErrorCode =
  /** Neither a kubeconfig nor a service account. */
  | 'NOT_CONFIGURED'
  /** A kubeconfig or service-account file that cannot be used. */
  | 'INVALID_CONFIG'
  /** Connection, TLS or timeout. */
  | 'UNREACHABLE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  /** Any other HTTP status. */
  | 'API_ERROR'
  /** Not JSON, not the expected kind, too large. */
  | 'MALFORMED_RESPONSE'
  /** A namespace or object name that is not a DNS-1123 name (it could change the request path). */
  | 'INVALID_NAME';

export class KubernetesError extends TollgateError {
  readonly domain = 'kubernetes';
  constructor(
    readonly code: KubernetesErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }
  /** The HTTP status of an API answer. */
  readonly status: number | undefined;
}

/** How to reach and authenticate to the API server. */
export interface KubernetesAccess {
  /** https://host:port, possibly with a path prefix (a proxy such as Rancher's). */
  server: string;
  /** PEM CA bundle that signs the API server's certificate; Node's roots when absent. */
  ca?: Buffer;
  insecureSkipTlsVerify?: boolean;
  /** Name to check the server certificate against instead of the URL's host (kubeconfig `tls-server-name`). */
  tlsServerName?: string;
  token?: string;
  /**
   * A file the bearer token is re-read from (the service account's projected token, kubeconfig `tokenFile`):
   * kubelet rotates projected tokens, so a long-running client must not keep the first one (client-go re-reads
   * it every minute, transport.NewCachedFileTokenSource).
   */
  tokenFile?: string;
  clientCert?: Buffer;
  clientKey?: Buffer;
  username?: string;
  password?: string;
  /** Where this came from, for messages: "kubeconfig /root/.kube/config (context kind-kind)" or "in-cluster service account". */
  origin: string;
  /** In-cluster: the pod's own namespace (service account `namespace` file). */
  namespace?: string;
}

export interface KubernetesOptions {
  /** Use this access instead of finding one. */
  access?: KubernetesAccess;
  /** Environment to read KUBECONFIG, HOME and KUBERNETES_SERVICE_HOST/PORT from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The service account folder of a pod. Default /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
  /**
   * Which configuration wins when both exist. `kubeconfig` (default) is cosign's order (a kubeconfig, and only
   * without one the service account); `in-cluster` is a controller's (the pod's service account when
   * KUBERNETES_SERVICE_HOST is set, else the kubeconfig), which is what the webhook uses.
   */
  prefer?: 'kubeconfig' | 'in-cluster';
  /** Connect, headers and body timeout of each API request. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A Secret is at most 1 MiB (etcd's limit); its JSON with base64 values stays well under this. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** How long a token read from a file is used before the file is read again (client-go: one minute). */
const TOKEN_FILE_REREAD_MS = 60_000;

// DNS-1123 label (namespaces) and subdomain (secret, service account names): what the API server accepts, and
// nothing that could change the request path.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function isNamespaceName(s: string): boolean {
  return NAMESPACE.test(s);
}

export function isObjectName(s: string): boolean {
  return OBJECT_NAME.test(s);
}

type Yaml = Record<string, unknown>;

function isRecord(v: unknown): v is Yaml {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function errnoCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'read error';
}

interface LoadedKubeconfig {
  file: string;
  doc: Yaml;
}

/** client-go's default loading rules: every file of KUBECONFIG (missing ones skipped), else ~/.kube/config. */
async function loadKubeconfigs(env: NodeJS.ProcessEnv): Promise<LoadedKubeconfig[]> {
  const list = env.KUBECONFIG ? env.KUBECONFIG.split(path.delimiter).filter(Boolean) : [path.join(env.HOME || os.homedir(), '.kube', 'config')];
  const seen = new Set<string>();
  const out: LoadedKubeconfig[] = [];
  for (const f of list) {
    const file = path.resolve(f);
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new KubernetesError('INVALID_CONFIG', `cannot read the kubeconfig ${file}: ${errnoCode(e)}`);
    }
    let doc: unknown;
    try {
      doc = yaml().parse(text);
    } catch {
      // The YAML parser quotes the input, and a kubeconfig holds credentials.
      throw new KubernetesError('INVALID_CONFIG', `the kubeconfig ${file} is not valid YAML`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc)) throw new KubernetesError('INVALID_CONFIG', `the kubeconfig ${file} is not a kubeconfig document`);
    out.push({ file, doc });
  }
  return out;
}

/** A named entry (`clusters[].cluster`, `users[].user`, `contexts[].context`); the first file that has it wins. */
function named(configs: LoadedKubeconfig[], list: string, item: string, name: string): { value: Yaml; file: string } | undefined {
  for (const c of configs) {
    const entries = c.doc[list];
    if (!Array.isArray(entries)) continue;
    for (const e of entries) {
      if (isRecord(e) && e.name === name && isRecord(e[item])) return { value: e[item], file: c.file };
    }
  }
  return undefined;
}

async function fileOrData(value: Yaml, fileKey: string, dataKey: string, base: string, what: string): Promise<Buffer | undefined> {
  const data = str(value[dataKey]);
  if (data) return Buffer.from(data, 'base64');
  const file = str(value[fileKey]);
  if (!file) return undefined;
  try {
    return await readFile(path.resolve(path.dirname(base), file));
  } catch (e) {
    throw new KubernetesError('INVALID_CONFIG', `${what}: cannot read ${fileKey} ${file}: ${errnoCode(e)}`);
  }
}

async function fromKubeconfig(configs: LoadedKubeconfig[]): Promise<KubernetesAccess | undefined> {
  const hasEntries = configs.some((c) => ['clusters', 'contexts', 'users'].some((k) => Array.isArray(c.doc[k]) && (c.doc[k] as unknown[]).length > 0));
  if (!hasEntries) return undefined; // clientcmd.IsEmptyConfig: cosign then tries the in-cluster configuration
  const current = configs.map((c) => str(c.doc['current-context'])).find(Boolean);
  const files = configs.map((c) => c.file).join(path.delimiter);
  if (!current) throw new KubernetesError('INVALID_CONFIG', `the kubeconfig ${files} has no current-context`);
  const where = `kubeconfig ${files} (context ${current})`;
  const context = named(configs, 'contexts', 'context', current);
  if (!context) throw new KubernetesError('INVALID_CONFIG', `${where}: the context ${current} is not defined`);
  const clusterName = str(context.value.cluster);
  const cluster = clusterName ? named(configs, 'clusters', 'cluster', clusterName) : undefined;
  if (!cluster) throw new KubernetesError('INVALID_CONFIG', `${where}: the cluster ${clusterName ?? '(none)'} is not defined`);
  const server = str(cluster.value.server);
  if (!server) throw new KubernetesError('INVALID_CONFIG', `${where}: the cluster ${clusterName} has no server`);
  const access: KubernetesAccess = { server, origin: where };
  const ca = await fileOrData(cluster.value, 'certificate-authority', 'certificate-authority-data', cluster.file, where);
  if (ca) access.ca = ca;
  if (cluster.value['insecure-skip-tls-verify'] === true) access.insecureSkipTlsVerify = true;
  const tlsServerName = str(cluster.value['tls-server-name']);
  if (tlsServerName) access.tlsServerName = tlsServerName;
  const namespace = str(context.value.namespace);
  if (namespace) access.namespace = namespace;
  const userName = str(context.value.user);
  const user = userName ? named(configs, 'users', 'user', userName) : undefined;
  if (user) {
    if (user.value.exec !== undefined || user.value['auth-provider'] !== undefined) {
      throw new KubernetesError(
        'INVALID_CONFIG',
        `${where}: the user ${userName} authenticates with an ${user.value.exec !== undefined ? 'exec' : 'auth-provider'} plugin, which Tollgate does not run; use a kubeconfig with a token or a client certificate`,
      );
    }
    const token = str(user.value.token);
    const tokenFile = str(user.value.tokenFile);
    if (token) access.token = token;
    else if (tokenFile) {
      const file = path.resolve(path.dirname(user.file), tokenFile);
      try {
        access.token = (await readFile(file, 'utf8')).trim();
        access.tokenFile = file;
      } catch (e) {
        throw new KubernetesError('INVALID_CONFIG', `${where}: cannot read tokenFile ${tokenFile}: ${errnoCode(e)}`);
      }
    }
    const cert = await fileOrData(user.value, 'client-certificate', 'client-certificate-data', user.file, where);
    const key = await fileOrData(user.value, 'client-key', 'client-key-data', user.file, where);
    if (cert) access.clientCert = cert;
    if (key) access.clientKey = key;
    const username = str(user.value.username);
    const password = typeof user.value.password === 'string' ? user.value.password : undefined;
    if (username && password !== undefined) {
      access.username = username;
      access.password = password;
    }
  }
  return access;
}

/** rest.InClusterConfig: KUBERNETES_SERVICE_HOST/PORT, the service account token and CA. */
async function fromServiceAccount(env: NodeJS.ProcessEnv, dir: string): Promise<KubernetesAccess | undefined> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  const tokenFile = path.join(dir, 'token');
  let token: string;
  try {
    token = (await readFile(tokenFile, 'utf8')).trim();
  } catch (e) {
    throw new KubernetesError('INVALID_CONFIG', `in-cluster Kubernetes access: cannot read the service account token in ${dir}: ${errnoCode(e)}`);
  }
  const access: KubernetesAccess = { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, token, tokenFile, origin: `in-cluster service account (${dir})` };
  // client-go only logs a missing CA file and goes on with the system roots.
  const ca = await readFile(path.join(dir, 'ca.crt')).catch(() => undefined);
  if (ca) access.ca = ca;
  const namespace = (await readFile(path.join(dir, 'namespace'), 'utf8').catch(() => '')).trim();
  if (namespace) access.namespace = namespace;
  return access;
}

/** The API server and credentials to use (see KubernetesOptions.prefer for the order). */
export async function resolveKubernetesAccess(options: KubernetesOptions = {}): Promise<KubernetesAccess> {
  if (options.access) return options.access;
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (options.prefer === 'in-cluster') {
    const inCluster = await fromServiceAccount(env, dir);
    if (inCluster) return inCluster;
  }
  const fromConfig = await fromKubeconfig(await loadKubeconfigs(env));
  if (fromConfig) return fromConfig;
  if (options.prefer !== 'in-cluster') {
    const inCluster = await fromServiceAccount(env, dir);
    if (inCluster) return inCluster;
  }
  throw new KubernetesError(
    'NOT_CONFIGURED',
    'no Kubernetes API configuration: set KUBECONFIG or create ~/.kube/config, or run in a pod with a service account (KUBERNETES_SERVICE_HOST)',
  );
}

/** The message of a Kubernetes Status object (`secrets "x" is forbidden: …`): the API's own words, never data. */
function statusMessage(body: Buffer): string | undefined {
  try {
    const doc = JSON.parse(body.toString('utf8')) as unknown;
    if (isRecord(doc) && doc.kind === 'Status' && typeof doc.message === 'string') return doc.message.slice(0, 500);
  } catch {
    // not JSON
  }
  return undefined;
}

/** The innermost error code (undici wraps socket and TLS errors in `cause`): ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT… */
function innerCode(e: unknown): string | undefined {
  let cur: unknown = e;
  let found: string | undefined;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') found = code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return found;
}

const STATUS_CODES: Record<number, KubernetesErrorCode> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };

/** A decoded v1 Secret: its type and `data` (key → bytes). */
export interface KubernetesSecret {
  type: string;
  data: Map<string, Buffer>;
}

/**
 * GETs objects from one API server over one connection pool. Create it with `KubernetesClient.connect()` (finds the
 * configuration) or with an access; `close()` it when done.
 */
export class KubernetesClient {
  private readonly agent: Undici.Agent;
  private readonly timeoutMs: number;
  private token: string | undefined;
  private tokenReadAt = 0;

  constructor(
    readonly access: KubernetesAccess,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.token = access.token;
    this.tokenReadAt = Date.now();
    this.agent = new (undici().Agent)({
      connect: {
        ...(access.ca ? { ca: access.ca } : {}),
        ...(access.clientCert ? { cert: access.clientCert } : {}),
        ...(access.clientKey ? { key: access.clientKey } : {}),
        ...(access.tlsServerName ? { servername: access.tlsServerName } : {}),
        rejectUnauthorized: !access.insecureSkipTlsVerify,
        timeout: this.timeoutMs,
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  static async connect(options: KubernetesOptions = {}): Promise<KubernetesClient> {
    return new KubernetesClient(await resolveKubernetesAccess(options), { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }

  private async bearer(): Promise<string | undefined> {
    const file = this.access.tokenFile;
    if (file && Date.now() - this.tokenReadAt >= TOKEN_FILE_REREAD_MS) {
      // A file that cannot be read now keeps the last token (client-go does the same).
      const fresh = await readFile(file, 'utf8').then((t) => t.trim(), () => undefined);
      if (fresh) this.token = fresh;
      this.tokenReadAt = Date.now();
    }
    return this.token;
  }

  private url(apiPath: string): string {
    const url = new URL(this.access.server);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KubernetesError('INVALID_CONFIG', `the Kubernetes server ${this.access.server} is not an http(s) URL`);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${apiPath}`;
    url.search = '';
    return url.toString();
  }

  /**
   * GET an API path (`/api/v1/namespaces/NS/secrets/NAME`) and parse the JSON object. `what` starts every error
   * message. Non-200 answers are KubernetesError with the code of the status (NOT_FOUND, FORBIDDEN, …) and the
   * API's Status message.
   */
  async getJson(apiPath: string, what: string, options: { signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'tollgate' };
    const token = await this.bearer();
    const a = this.access;
    if (token) headers.authorization = `Bearer ${token}`;
    else if (a.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${a.username}:${a.password ?? ''}`).toString('base64')}`;
    const url = this.url(apiPath);
    let res;
    try {
      res = await undici().request(url, { method: 'GET', headers, dispatcher: this.agent, maxRedirections: 0, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const code = innerCode(e);
      throw new KubernetesError('UNREACHABLE', `${what}: cannot reach the Kubernetes API at ${a.server} (${a.origin}): ${code ?? (e as Error).message}`, { cause: e });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        res.body.destroy();
        throw new KubernetesError('MALFORMED_RESPONSE', `${what}: the API response is larger than ${MAX_RESPONSE_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    if (res.statusCode !== 200) {
      const reason = statusMessage(body);
      throw new KubernetesError(STATUS_CODES[res.statusCode] ?? 'API_ERROR', `${what}: the Kubernetes API answered HTTP ${res.statusCode}${reason ? `: ${reason}` : ''} (${a.origin})`, {
        status: res.statusCode,
      });
    }
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      // JSON.parse quotes the input in its message, and the input may be a Secret.
      throw new KubernetesError('MALFORMED_RESPONSE', `${what}: the Kubernetes API did not answer with JSON`);
    }
    if (!isRecord(doc)) throw new KubernetesError('MALFORMED_RESPONSE', `${what}: the Kubernetes API did not answer with an object`);
    return doc;
  }

  /** GET /api/v1/namespaces/NS/secrets/NAME, `data` decoded. Values that are not base64 are MALFORMED_RESPONSE. */
  async getSecret(namespace: string, name: string, options: { signal?: AbortSignal; what?: string } = {}): Promise<KubernetesSecret> {
    const what = options.what ?? `secret ${namespace}/${name}`;
    checkNames(namespace, name, what);
    const doc = await this.getJson(`/api/v1/namespaces/${namespace}/secrets/${name}`, what, options);
    if (doc.kind !== 'Secret') throw new KubernetesError('MALFORMED_RESPONSE', `${what}: the Kubernetes API did not answer with a Secret`);
    const data = new Map<string, Buffer>();
    if (isRecord(doc.data)) {
      for (const [k, v] of Object.entries(doc.data)) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new KubernetesError('MALFORMED_RESPONSE', `${what}: the secret's ${k} is not base64`);
        data.set(k, Buffer.from(v, 'base64'));
      }
    }
    return { type: typeof doc.type === 'string' ? doc.type : 'Opaque', data };
  }

  /** GET /api/v1/namespaces/NS/serviceaccounts/NAME: the names of its `imagePullSecrets`. */
  async getServiceAccount(namespace: string, name: string, options: { signal?: AbortSignal } = {}): Promise<{ imagePullSecrets: string[] }> {
    const what = `service account ${namespace}/${name}`;
    checkNames(namespace, name, what);
    const doc = await this.getJson(`/api/v1/namespaces/${namespace}/serviceaccounts/${name}`, what, options);
    if (doc.kind !== 'ServiceAccount') throw new KubernetesError('MALFORMED_RESPONSE', `${what}: the Kubernetes API did not answer with a ServiceAccount`);
    return { imagePullSecrets: localObjectNames(doc.imagePullSecrets) };
  }

  /** GET /api/v1/namespaces/NAME: its labels. */
  async getNamespaceLabels(namespace: string, options: { signal?: AbortSignal } = {}): Promise<Record<string, string>> {
    const what = `namespace ${namespace}`;
    if (!isNamespaceName(namespace)) throw new KubernetesError('INVALID_NAME', `${what}: not a valid namespace name`);
    const doc = await this.getJson(`/api/v1/namespaces/${namespace}`, what, options);
    const meta = isRecord(doc.metadata) ? doc.metadata : {};
    const labels: Record<string, string> = {};
    if (isRecord(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') labels[k] = v;
    return labels;
  }
}

function checkNames(namespace: string, name: string, what: string): void {
  if (!isNamespaceName(namespace)) throw new KubernetesError('INVALID_NAME', `${what}: ${JSON.stringify(namespace)} is not a valid namespace name`);
  if (!isObjectName(name)) throw new KubernetesError('INVALID_NAME', `${what}: ${JSON.stringify(name)} is not a valid object name`);
}

/** `[{name: "a"}, {name: "b"}]` (v1.LocalObjectReference lists) → ["a", "b"]; entries without a name are skipped. */
export function localObjectNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const e of list) if (isRecord(e) && typeof e.name === 'string' && e.name !== '' && !out.includes(e.name)) out.push(e.name);
  return out;
}
