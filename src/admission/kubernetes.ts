import { createPublicKey } from 'node:crypto';
import { KubernetesClient, SERVICE_ACCOUNT_DIR, type KubernetesOptions, type KubernetesSecret } from '../infra/index.js';
import { TtlLruCache } from './cache.js';

/**
 * The little of the Kubernetes API the webhook reads, through src/infra's client: a namespace's labels (for
 * policies with a namespaceSelector), the public keys in a Secret (key authorities with `secretRef`), and for image
 * pull secrets a Secret and a ServiceAccount. In a cluster it authenticates with the pod's service account (token and
 * CA under /var/run/secrets/kubernetes.io/serviceaccount, the API at KUBERNETES_SERVICE_HOST:PORT); outside, with
 * the kubeconfig. Labels and keys are cached for a minute: namespaces are relabelled and keys rotated rarely, and
 * every pod creation would otherwise cost API calls. Pull secrets are cached by their reader (pull-secrets.ts).
 */
export { SERVICE_ACCOUNT_DIR };

export interface InClusterOptions {
  env?: NodeJS.ProcessEnv;
  serviceAccountDir?: string;
  cacheTtlMs?: number;
  /** Per API request (default 10 s: the webhook's whole deadline). */
  timeoutMs?: number;
}

export interface InClusterApi {
  /** The webhook's own namespace (where `secretRef`s without a namespace are looked up). */
  namespace: string;
  /** Where the API and its credentials came from, for messages. */
  origin: string;
  namespaceLabels(namespace: string, signal: AbortSignal): Promise<Record<string, string>>;
  /** Every PEM public key among the Secret's values. */
  secretPublicKeys(ref: { name: string; namespace?: string }): Promise<string[]>;
  /** An image pull Secret, uncached (pull-secrets.ts has its own cache); messages call it "pull secret NS/NAME". */
  secret(namespace: string, name: string, signal?: AbortSignal): Promise<KubernetesSecret>;
  /** A ServiceAccount's imagePullSecrets, uncached. */
  serviceAccount(namespace: string, name: string, signal?: AbortSignal): Promise<{ imagePullSecrets: string[] }>;
  close(): Promise<void>;
}

/** Undefined when not running in a cluster (no KUBERNETES_SERVICE_HOST). */
export async function inClusterApi(options: InClusterOptions = {}): Promise<InClusterApi | undefined> {
  const env = options.env ?? process.env;
  if (!env.KUBERNETES_SERVICE_HOST) return undefined;
  return kubernetesApi({ ...options, env });
}

/**
 * The API as a controller finds it: the pod's service account when KUBERNETES_SERVICE_HOST is set, else the
 * kubeconfig (KUBECONFIG, ~/.kube/config). Throws KubernetesError NOT_CONFIGURED when there is neither.
 */
export async function kubernetesApi(options: InClusterOptions & Pick<KubernetesOptions, 'access'> = {}): Promise<InClusterApi> {
  const client = await KubernetesClient.connect({
    prefer: 'in-cluster',
    ...(options.env ? { env: options.env } : {}),
    ...(options.serviceAccountDir ? { serviceAccountDir: options.serviceAccountDir } : {}),
    ...(options.access ? { access: options.access } : {}),
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  const namespace = client.access.namespace ?? 'tollgate';
  const ttl = options.cacheTtlMs ?? 60_000;
  const labels = new TtlLruCache<string, Record<string, string>>(1000);
  const keys = new TtlLruCache<string, string[]>(1000);
  return {
    namespace,
    origin: client.access.origin,
    async namespaceLabels(ns, signal) {
      const hit = labels.get(ns);
      if (hit) return hit;
      const l = await client.getNamespaceLabels(ns, { signal });
      labels.set(ns, l, ttl);
      return l;
    },
    async secretPublicKeys(ref) {
      const ns = ref.namespace ?? namespace;
      const hit = keys.get(`${ns}/${ref.name}`);
      if (hit) return hit;
      const { data } = await client.getSecret(ns, ref.name);
      const found: string[] = [];
      for (const value of data.values()) {
        const text = value.toString('utf8');
        if (!/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(text)) continue;
        try {
          createPublicKey(text);
          found.push(text);
        } catch {
          // Not a key after all (a certificate chain, a password): not ours to use.
        }
      }
      if (found.length === 0) throw new Error(`secret ${ns}/${ref.name} holds no PEM public key`);
      keys.set(`${ns}/${ref.name}`, found, ttl);
      return found;
    },
    secret: (ns, name, signal) => client.getSecret(ns, name, { ...(signal ? { signal } : {}), what: `pull secret ${ns}/${name}` }),
    serviceAccount: (ns, name, signal) => client.getServiceAccount(ns, name, signal ? { signal } : {}),
    close: () => client.close(),
  };
}
