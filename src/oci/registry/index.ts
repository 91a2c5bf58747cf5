/** OCI distribution registry client: public API of src/oci/registry. */
export {
  RegistryClient,
  MAX_MANIFEST_BYTES,
  manifestMediaType,
  nextLink,
  type RegistryClientOptions,
  type ManifestResult,
  type ManifestHead,
  type BlobPushSource,
  type PushBlobResult,
} from './client.js';
export {
  CredentialStore,
  DOCKER_HUB_CONFIG_KEY,
  configKeyHost,
  credentialsFromAuths,
  helperServerUrl,
  runCredentialHelper,
  type Credentials,
  type CredentialStoreOptions,
  type DockerConfig,
} from './credentials.js';
export { classify, codeForStatus, isNotFound, parseErrorBody, type RegistryErrorEntry } from './errors.js';
export { parseWwwAuthenticate, splitScopes, type AuthChallenge } from './www-authenticate.js';
export { backoffDelay, parseRetryAfter, RETRYABLE_STATUS } from './transport.js';
export { mergeScopes, parseScope } from './auth.js';
