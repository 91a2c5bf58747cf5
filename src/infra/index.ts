export { JsonCache, defaultCacheDir } from './cache.js';
export { toolVersion } from './version.js';
export { lazyRequire } from './lazy-require.js';
export {
  KubernetesClient,
  KubernetesError,
  resolveKubernetesAccess,
  isNamespaceName,
  isObjectName,
  localObjectNames,
  SERVICE_ACCOUNT_DIR,
  type KubernetesAccess,
  type KubernetesErrorCode,
  type KubernetesOptions,
  type KubernetesSecret,
} from './kubernetes.js';
