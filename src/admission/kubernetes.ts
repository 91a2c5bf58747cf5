import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { TtlLruCache } from './cache.js';

/**
 * The little of the Kubernetes API the webhook reads when it runs in a cluster, with the pod's service account (the
 * in-cluster config of client-go: token and CA under /var/run/secrets/kubernetes.io/serviceaccount, the API at
 * KUBERNETES_SERVICE_HOST:PORT): a namespace's labels (for policies with a namespaceSelector) and the public keys in
 * a Secret (key authorities with `secretRef`). Answers are cached for a minute: namespaces are relabelled and keys
 * rotated rarely, and every pod creation would otherwise cost API calls.
 */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  env?: NodeJS.ProcessEnv;
  serviceAccountDir?: string;
  cacheTtlMs?: number;
}

export interface InClusterApi {
  /** The webhook's own namespace (where `secretRef`s without a namespace are looked up). */
  namespace: string;
  namespaceLabels(namespace: string, signal: AbortSignal): Promise<Record<string, string>>;
  /** Every PEM public key among the Secret's values. */
  secretPublicKeys(ref: { name: string; namespace?: string }): Promise<string[]>;
}

/** Undefined when not running in a cluster (no KUBERNETES_SERVICE_HOST). */
export async function inClusterApi(options: InClusterOptions = {}): Promise<InClusterApi | undefined> {
  const env = options.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) return undefined;
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const ttl = options.cacheTtlMs ?? 60_000;
  const ca = await readFile(`${dir}/ca.crt`);
  const namespace = (await readFile(`${dir}/namespace`, 'utf8').catch(() => 'tollgate')).trim();
  const cache = new TtlLruCache<string, unknown>(1000);

  const get = async (path: string, signal?: AbortSignal): Promise<unknown> => {
    const hit = cache.get(path);
    if (hit !== undefined) return hit;
    // The token is re-read each time: kubelet rotates projected service-account tokens.
    const token = (await readFile(`${dir}/token`, 'utf8')).trim();
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.get(
        { host: host.includes(':') ? `[${host}]` : host, port, path, ca, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, ...(signal ? { signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`GET ${path}: HTTP ${res.statusCode}`))));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
    });
    const json = JSON.parse(body) as unknown;
    cache.set(path, json, ttl);
    return json;
  };

  return {
    namespace,
    async namespaceLabels(ns, signal) {
      const o = (await get(`/api/v1/namespaces/${encodeURIComponent(ns)}`, signal)) as { metadata?: { labels?: Record<string, string> } };
      return o.metadata?.labels ?? {};
    },
    async secretPublicKeys(ref) {
      const ns = ref.namespace ?? namespace;
      const o = (await get(`/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(ref.name)}`)) as { data?: Record<string, string> };
      const keys: string[] = [];
      for (const value of Object.values(o.data ?? {})) {
        const text = Buffer.from(value, 'base64').toString('utf8');
        if (!/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(text)) continue;
        try {
          createPublicKey(text);
          keys.push(text);
        } catch {
          // Not a key after all (a certificate chain, a password): not ours to use.
        }
      }
      if (keys.length === 0) throw new Error(`secret ${ns}/${ref.name} holds no PEM public key`);
      return keys;
    },
  };
}
