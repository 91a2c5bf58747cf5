import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { SignError, UsageError } from '../../core/index.js';

/**
 * Reading a key pair from a Kubernetes secret (`k8s://namespace/name`), as cosign does
 * (sigstore/cosign pkg/cosign/kubernetes): GET /api/v1/namespaces/NS/secrets/NAME, whose `data` holds
 * `cosign.key`, `cosign.password` and `cosign.pub` (base64). The API is found the way cosign's client-go
 * configuration finds it: the kubeconfig files (KUBECONFIG, else ~/.kube/config) and their current context, and
 * only when there is no kubeconfig at all the pod's service account (rest.InClusterConfig).
 *
 * The secret's content is key material: no response body, token or key ever goes into an error.
 */

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
  clientCert?: Buffer;
  clientKey?: Buffer;
  username?: string;
  password?: string;
  /** Where this came from, for messages: "kubeconfig /root/.kube/config (context kind-kind)" or "in-cluster service account". */
  origin: string;
}

export interface KubernetesOptions {
  /** Use this access instead of finding one. */
  access?: KubernetesAccess;
  /** Environment to read KUBECONFIG, HOME and KUBERNETES_SERVICE_HOST/PORT from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The service account folder of a pod. Default /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
  /** Connect, headers and body timeout of the API request. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const K8S_SCHEME = 'k8s://';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A secret is at most 1 MiB (etcd's limit); its JSON with base64 values stays well under this. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
// DNS-1123 label (namespaces) and subdomain (secret names): what the API server accepts, and nothing that could
// change the request path.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface SecretRef {
  namespace: string;
  name: string;
  ref: string;
}

/** `k8s://namespace/name` (cosign's parseRef: exactly two parts). */
export function parseK8sRef(ref: string): SecretRef {
  const parts = ref.slice(K8S_SCHEME.length).split('/');
  if (!ref.startsWith(K8S_SCHEME) || parts.length !== 2 || !NAMESPACE.test(parts[0]!) || !SECRET_NAME.test(parts[1]!)) {
    throw new UsageError('INVALID_REFERENCE', `${JSON.stringify(ref)}: a Kubernetes key reference is k8s://<namespace>/<secret name>`);
  }
  return { namespace: parts[0]!, name: parts[1]!, ref };
}

type Yaml = Record<string, unknown>;

function isRecord(v: unknown): v is Yaml {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
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
      throw new SignError('KEY_UNAVAILABLE', `cannot read the kubeconfig ${file}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch {
      // The YAML parser quotes the input, and a kubeconfig holds credentials.
      throw new SignError('KEY_UNAVAILABLE', `the kubeconfig ${file} is not valid YAML`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc)) throw new SignError('KEY_UNAVAILABLE', `the kubeconfig ${file} is not a kubeconfig document`);
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
    throw new SignError('KEY_UNAVAILABLE', `${what}: cannot read ${fileKey} ${file}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`);
  }
}

async function fromKubeconfig(configs: LoadedKubeconfig[]): Promise<KubernetesAccess | undefined> {
  const hasEntries = configs.some((c) => ['clusters', 'contexts', 'users'].some((k) => Array.isArray(c.doc[k]) && (c.doc[k] as unknown[]).length > 0));
  if (!hasEntries) return undefined; // clientcmd.IsEmptyConfig: cosign then tries the in-cluster configuration
  const current = configs.map((c) => str(c.doc['current-context'])).find(Boolean);
  const files = configs.map((c) => c.file).join(path.delimiter);
  if (!current) throw new SignError('KEY_UNAVAILABLE', `the kubeconfig ${files} has no current-context`);
  const where = `kubeconfig ${files} (context ${current})`;
  const context = named(configs, 'contexts', 'context', current);
  if (!context) throw new SignError('KEY_UNAVAILABLE', `${where}: the context ${current} is not defined`);
  const clusterName = str(context.value.cluster);
  const cluster = clusterName ? named(configs, 'clusters', 'cluster', clusterName) : undefined;
  if (!cluster) throw new SignError('KEY_UNAVAILABLE', `${where}: the cluster ${clusterName ?? '(none)'} is not defined`);
  const server = str(cluster.value.server);
  if (!server) throw new SignError('KEY_UNAVAILABLE', `${where}: the cluster ${clusterName} has no server`);
  const access: KubernetesAccess = { server, origin: where };
  const ca = await fileOrData(cluster.value, 'certificate-authority', 'certificate-authority-data', cluster.file, where);
  if (ca) access.ca = ca;
  if (cluster.value['insecure-skip-tls-verify'] === true) access.insecureSkipTlsVerify = true;
  const tlsServerName = str(cluster.value['tls-server-name']);
  if (tlsServerName) access.tlsServerName = tlsServerName;
  const userName = str(context.value.user);
  const user = userName ? named(configs, 'users', 'user', userName) : undefined;
  if (user) {
    if (user.value.exec !== undefined || user.value['auth-provider'] !== undefined) {
      throw new SignError(
        'KEY_UNAVAILABLE',
        `${where}: the user ${userName} authenticates with an ${user.value.exec !== undefined ? 'exec' : 'auth-provider'} plugin, which Tollgate does not run; use a kubeconfig with a token or a client certificate`,
      );
    }
    const token = str(user.value.token);
    const tokenFile = str(user.value.tokenFile);
    if (token) access.token = token;
    else if (tokenFile) {
      try {
        access.token = (await readFile(path.resolve(path.dirname(user.file), tokenFile), 'utf8')).trim();
      } catch (e) {
        throw new SignError('KEY_UNAVAILABLE', `${where}: cannot read tokenFile ${tokenFile}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`);
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
  let token: string;
  try {
    token = (await readFile(path.join(dir, 'token'), 'utf8')).trim();
  } catch (e) {
    throw new SignError('KEY_UNAVAILABLE', `in-cluster Kubernetes access: cannot read the service account token in ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`);
  }
  const access: KubernetesAccess = { server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, token, origin: `in-cluster service account (${dir})` };
  // client-go only logs a missing CA file and goes on with the system roots.
  const ca = await readFile(path.join(dir, 'ca.crt')).catch(() => undefined);
  if (ca) access.ca = ca;
  return access;
}

/** The API server and credentials cosign would use (kubeconfig first, then the pod's service account). */
export async function resolveKubernetesAccess(options: KubernetesOptions = {}): Promise<KubernetesAccess> {
  if (options.access) return options.access;
  const env = options.env ?? process.env;
  const fromConfig = await fromKubeconfig(await loadKubeconfigs(env));
  if (fromConfig) return fromConfig;
  const inCluster = await fromServiceAccount(env, options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  if (inCluster) return inCluster;
  throw new SignError(
    'KEY_UNAVAILABLE',
    'no Kubernetes API configuration: set KUBECONFIG or create ~/.kube/config, or run in a pod with a service account (KUBERNETES_SERVICE_HOST)',
  );
}

function apiUrl(server: string, secret: SecretRef): string {
  const url = new URL(server);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SignError('KEY_UNAVAILABLE', `the Kubernetes server ${server} is not an http(s) URL`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/namespaces/${secret.namespace}/secrets/${secret.name}`;
  url.search = '';
  return url.toString();
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

async function readBody(body: AsyncIterable<Buffer>, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) throw new SignError('KEY_UNAVAILABLE', `${what}: the API response is larger than ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The `data` of a Kubernetes secret, decoded (key → bytes). A missing secret is SignError KEY_NOT_FOUND; an API
 * that cannot be reached or refuses is KEY_UNAVAILABLE with the API's reason.
 */
export async function readSecret(ref: string, options: KubernetesOptions = {}): Promise<Map<string, Buffer>> {
  const secret = parseK8sRef(ref);
  const access = await resolveKubernetesAccess(options);
  const timeout = options.timeoutMs ?? 30_000;
  const agent = new Agent({
    connect: {
      ...(access.ca ? { ca: access.ca } : {}),
      ...(access.clientCert ? { cert: access.clientCert } : {}),
      ...(access.clientKey ? { key: access.clientKey } : {}),
      ...(access.tlsServerName ? { servername: access.tlsServerName } : {}),
      rejectUnauthorized: !access.insecureSkipTlsVerify,
      timeout,
    },
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'tollgate' };
  if (access.token) headers.authorization = `Bearer ${access.token}`;
  else if (access.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${access.username}:${access.password ?? ''}`).toString('base64')}`;
  const url = apiUrl(access.server, secret);
  try {
    let res;
    try {
      res = await request(url, { method: 'GET', headers, dispatcher: agent, maxRedirections: 0, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const code = innerCode(e);
      throw new SignError('KEY_UNAVAILABLE', `${ref}: cannot reach the Kubernetes API at ${access.server} (${access.origin}): ${code ?? (e as Error).message}`);
    }
    const body = await readBody(res.body, ref);
    if (res.statusCode === 404) {
      throw new SignError('KEY_NOT_FOUND', `${ref}: secret ${JSON.stringify(secret.name)} not found in namespace ${JSON.stringify(secret.namespace)} (${access.origin})`);
    }
    if (res.statusCode !== 200) {
      const reason = statusMessage(body);
      throw new SignError('KEY_UNAVAILABLE', `${ref}: the Kubernetes API answered HTTP ${res.statusCode}${reason ? `: ${reason}` : ''} (${access.origin})`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch {
      throw new SignError('KEY_UNAVAILABLE', `${ref}: the Kubernetes API did not answer with JSON`);
    }
    if (!isRecord(doc) || doc.kind !== 'Secret') throw new SignError('KEY_UNAVAILABLE', `${ref}: the Kubernetes API did not answer with a Secret`);
    const data = new Map<string, Buffer>();
    if (isRecord(doc.data)) {
      for (const [k, v] of Object.entries(doc.data)) {
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new SignError('KEY_UNAVAILABLE', `${ref}: the secret's ${k} is not base64`);
        data.set(k, Buffer.from(v, 'base64'));
      }
    }
    return data;
  } finally {
    await agent.close().catch(() => undefined);
  }
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
