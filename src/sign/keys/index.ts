/** Keys: cosign's key files and key references (file, env://, k8s://), turned into Signers and trusted keys. */
export {
  generateKeyPair,
  importKeyPair,
  type GenerateKeyPairOptions,
  type ImportKeyPairOptions,
  type KeyPairWriteOptions,
  type KeyPairFiles,
  type KeyType,
} from './key-pair.js';
export {
  loadPrivateKey,
  loadPublicKeys,
  publicKeyFromPem,
  signerFromPem,
  ENV_SCHEME,
  PUBLIC_KEY_EXTENSIONS,
  type KeyBackend,
  type KeyRefOptions,
  type LoadPrivateKeyOptions,
  type PasswordSource,
} from './load-keys.js';
export {
  encryptPrivateKey,
  decryptPrivateKey,
  SIGSTORE_PRIVATE_KEY_PEM_TYPE,
  COSIGN_PRIVATE_KEY_PEM_TYPE,
  SCRYPT_PARAMS,
  type ScryptParams,
  type ScryptStrength,
  type EncryptedKeyInfo,
} from './encrypted-key.js';
export { KeySigner, keyAlgorithm, type KeyAlgorithm } from './key-signer.js';
export { K8S_SCHEME, parseK8sRef, readSecret, resolveKubernetesAccess, type KubernetesAccess, type KubernetesOptions } from './kubernetes.js';
export { decodePemBlocks, encodePem, type PemBlock } from './pem.js';
