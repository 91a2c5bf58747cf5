import { UsageError, type EventSink } from '../core/index.js';
import { RegistryClient, type RegistryReader } from '../oci/index.js';

export interface RegistryCliOptions {
  username?: string;
  password?: string;
  insecure?: boolean;
  caFile?: string;
  platform?: string;
}

/**
 * Registry access as Docker users expect it: --username/--password or TOLLGATE_USERNAME/TOLLGATE_PASSWORD, else the
 * docker config ($DOCKER_CONFIG or ~/.docker), TLS trust extended by --ca-file or SSL_CERT_FILE.
 */
export function registryFactory(opts: RegistryCliOptions, events: EventSink, env: NodeJS.ProcessEnv = process.env): () => RegistryReader {
  const username = opts.username ?? env.TOLLGATE_USERNAME;
  const password = opts.password ?? env.TOLLGATE_PASSWORD;
  if ((username === undefined) !== (password === undefined)) {
    throw new UsageError('INVALID_ARGUMENT', 'give both a user name and a password (--username/--password or TOLLGATE_USERNAME/TOLLGATE_PASSWORD), or neither');
  }
  const caFile = opts.caFile ?? env.SSL_CERT_FILE;
  let client: RegistryClient | undefined;
  return () =>
    (client ??= new RegistryClient({
      ...(username !== undefined && password !== undefined ? { credentials: { username, password } } : {}),
      ...(opts.insecure ? { insecure: true } : {}),
      ...(caFile ? { caFile } : {}),
      events,
    }));
}
