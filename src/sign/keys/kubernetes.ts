import { SignError, UsageError } from '../../core/index.js';
import { isNamespaceName, isObjectName, KubernetesClient, KubernetesError, resolveKubernetesAccess as resolveAccess, type KubernetesAccess, type KubernetesOptions } from '../../infra/index.js';

/**
 * Reading a key pair from a Kubernetes secret (`k8s://namespace/name`), as cosign does
 * (sigstore/cosign pkg/cosign/kubernetes): GET /api/v1/namespaces/NS/secrets/NAME, whose `data` holds
 * `cosign.key`, `cosign.password` and `cosign.pub` (base64). The API is found the way cosign's client-go
 * configuration finds it: the kubeconfig files (KUBECONFIG, else ~/.kube/config) and their current context, and
 * only when there is no kubeconfig at all the pod's service account (rest.InClusterConfig). The client itself is
 * src/infra's (shared with the admission webhook); this file maps its errors to SignError.
 *
 * The secret's content is key material: no response body, token or key ever goes into an error.
 */

export type { KubernetesAccess, KubernetesOptions };

export const K8S_SCHEME = 'k8s://';

export interface SecretRef {
  namespace: string;
  name: string;
  ref: string;
}

/** `k8s://namespace/name` (cosign's parseRef: exactly two parts). */
export function parseK8sRef(ref: string): SecretRef {
  const parts = ref.slice(K8S_SCHEME.length).split('/');
  if (!ref.startsWith(K8S_SCHEME) || parts.length !== 2 || !isNamespaceName(parts[0]!) || !isObjectName(parts[1]!)) {
    throw new UsageError('INVALID_REFERENCE', `${JSON.stringify(ref)}: a Kubernetes key reference is k8s://<namespace>/<secret name>`);
  }
  return { namespace: parts[0]!, name: parts[1]!, ref };
}

function asSignError(e: unknown): unknown {
  return e instanceof KubernetesError ? new SignError('KEY_UNAVAILABLE', e.message, { cause: e }) : e;
}

/** The API server and credentials cosign would use (kubeconfig first, then the pod's service account). */
export async function resolveKubernetesAccess(options: KubernetesOptions = {}): Promise<KubernetesAccess> {
  try {
    return await resolveAccess({ ...options, prefer: 'kubeconfig' });
  } catch (e) {
    throw asSignError(e);
  }
}

/**
 * The `data` of a Kubernetes secret, decoded (key → bytes). A missing secret is SignError KEY_NOT_FOUND; an API
 * that cannot be reached or refuses is KEY_UNAVAILABLE with the API's reason.
 */
export async function readSecret(ref: string, options: KubernetesOptions = {}): Promise<Map<string, Buffer>> {
  const secret = parseK8sRef(ref);
  const access = await resolveKubernetesAccess(options);
  const client = new KubernetesClient(access, { ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
  try {
    const { data } = await client.getSecret(secret.namespace, secret.name, { what: ref, ...(options.signal ? { signal: options.signal } : {}) });
    return data;
  } catch (e) {
    if (e instanceof KubernetesError && e.code === 'NOT_FOUND') {
      throw new SignError('KEY_NOT_FOUND', `${ref}: secret ${JSON.stringify(secret.name)} not found in namespace ${JSON.stringify(secret.namespace)} (${access.origin})`, { cause: e });
    }
    throw asSignError(e);
  } finally {
    await client.close();
  }
}
