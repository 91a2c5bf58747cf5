/** Public API of src/server: the admission webhook's HTTPS server, its certificates, metrics and audit log. */
export { WebhookServer, parseGoDuration, describeError, type WebhookServerOptions, type ServerLogEntry } from './server.js';
export { PolicyStore, loadPolicies, policySetVersion, type PolicyLoad } from './policy-store.js';
export { AuditLog } from './audit.js';
export { FileWatch, type FileWatchOptions } from './file-watch.js';
export { MetricsRegistry, Counter, Histogram, Collected, CONTENT_TYPE } from './metrics.js';
export { createWebhookCerts, writeWebhookCerts, serviceDnsNames, CERT_FILES, type WebhookCerts, type WebhookCertsOptions } from './certs.js';
