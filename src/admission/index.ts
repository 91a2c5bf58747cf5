/** Public API of src/admission: AdmissionReview handling, image extraction, digest pinning, the live fact provider. */
export { AdmissionError, type AdmissionErrorCode } from './errors.js';
export {
  parseAdmissionReview,
  reviewResponse,
  shortWarnings,
  ADMISSION_API_VERSIONS,
  MAX_WARNINGS,
  MAX_WARNING_LENGTH,
  type AdmissionApiVersion,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReview,
  type AdmissionReviewResponse,
  type GroupVersionKind,
} from './review.js';
export { objectImages, objectPodSpec, changedImages, type RequestImages } from './images.js';
export { pinPatch, encodePatch, type JsonPatchOperation, type ImagePin } from './patch.js';
export { TtlLruCache, SingleFlight } from './cache.js';
export { LiveFactProvider, type LiveFactProviderOptions, type FactProviderStats, type GatherOptions, type PooledRegistry } from './facts.js';
export { AdmissionController, type AdmissionControllerOptions, type AdmissionOutcome, type AuditRecord, type Endpoint, type PolicySet, type SkipReason } from './admit.js';
export { inClusterApi, kubernetesApi, SERVICE_ACCOUNT_DIR, type InClusterApi, type InClusterOptions } from './kubernetes.js';
export {
  PullSecretResolver,
  DockerKeyring,
  parsePullSecret,
  keyringKey,
  urlsMatch,
  isDefaultRegistryMatch,
  keyringCredentials,
  DOCKER_CONFIG_JSON_TYPE,
  DOCKER_CFG_TYPE,
  type PullCredential,
  type PullCredentials,
  type PullSecretApi,
  type PullSecretResolverOptions,
  type PodPullCredentials,
  type ParsedPullSecret,
} from './pull-secrets.js';
export { loadVerificationTrust, type VerificationTrust, type VerificationTrustOptions } from './trust-config.js';
