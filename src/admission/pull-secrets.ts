import { isTollgateError, type EventSink } from '../core/index.js';
import { KubernetesError, localObjectNames, type KubernetesSecret } from '../infra/index.js';
import type { Credentials } from '../oci/index.js';
import { SingleFlight, TtlLruCache } from './cache.js';

/**
 * Image pull secrets, read and matched as kubelet does, so that the webhook can reach what the pod will pull:
 *
 * - secrets of type `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`, `{"auths": {...}}`) and
 *   `kubernetes.io/dockercfg` (`.dockercfg`, the same map without the `auths` wrapper); other types are ignored
 *   (kubernetes/kubernetes pkg/credentialprovider/secrets/secrets.go MakeDockerKeyring);
 * - each entry gives credentials from `auth` (base64 of user:password), or `username`/`password`, and
 *   `identitytoken`; its key may carry a scheme, a port, a path (`https://index.docker.io/v1/` is Docker Hub);
 * - keys are normalised and matched to `registry/repository` as BasicDockerKeyring.Add/Lookup do
 *   (pkg/credentialprovider/keyring.go): scheme dropped, a `/v1/` or `/v2/` path means the host alone; globs in host
 *   labels (`*.azurecr.io`), the same number of labels, the same port, the key's path a prefix of the image's path;
 *   keys tried in reverse lexical order (longer, more specific keys first); Docker Hub images fall back to the
 *   `index.docker.io` key.
 *
 * Secret contents never appear in a message: problems name the secret and the entry's key, nothing else.
 */

/** One credential that may be used for an image, and where it came from (for messages: never the secret's content). */
export interface PullCredential {
  credentials: Credentials;
  /** "pull secret apps/regcred" or "pull secret apps/regcred (service account apps/builder)". */
  source: string;
  /** The config key that matched ("registry.example.com/team"). */
  key: string;
}

/** The credentials one admission request may use, per image, in the order they are tried. */
export interface PullCredentials {
  lookup(registry: string, repository: string): PullCredential[];
}

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CFG_TYPE = 'kubernetes.io/dockercfg';
const DEFAULT_REGISTRY_HOST = 'index.docker.io';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface ParsedPullSecret {
  /** Config key → credentials, in the secret's order. */
  entries: { key: string; credentials: Credentials }[];
  /** Why the secret or some of its entries are not used (no content quoted). */
  problems: string[];
}

/** The registry credentials of a dockerconfigjson or dockercfg Secret (pure). `label` names it in problems. */
export function parsePullSecret(secret: KubernetesSecret, label: string): ParsedPullSecret {
  const problems: string[] = [];
  let field: string;
  if (secret.type === DOCKER_CONFIG_JSON_TYPE) field = '.dockerconfigjson';
  else if (secret.type === DOCKER_CFG_TYPE) field = '.dockercfg';
  else return { entries: [], problems: [`${label} is of type ${secret.type}, not ${DOCKER_CONFIG_JSON_TYPE} or ${DOCKER_CFG_TYPE}: not used`] };
  const bytes = secret.data.get(field);
  if (!bytes || bytes.length === 0) return { entries: [], problems: [`${label} has no ${field}`] };
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    // Never the parser's message: it quotes the input.
    return { entries: [], problems: [`${label}: ${field} is not valid JSON`] };
  }
  const map = field === '.dockerconfigjson' ? (isObject(doc) ? doc.auths : undefined) : doc;
  if (!isObject(map)) return { entries: [], problems: [`${label}: ${field} has no ${field === '.dockerconfigjson' ? '"auths" object' : 'registry map'}`] };
  const entries: ParsedPullSecret['entries'] = [];
  for (const [key, entry] of Object.entries(map)) {
    if (!isObject(entry)) {
      problems.push(`${label}: the entry ${JSON.stringify(key)} is not an object`);
      continue;
    }
    const c: Credentials = {};
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      // kubelet's decodeDockerConfigFieldAuth: base64 (standard) of "user:password", split at the first colon.
      const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(entry.auth) ? Buffer.from(entry.auth, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon < 0) {
        problems.push(`${label}: the "auth" of ${JSON.stringify(key)} is not base64 of user:password`);
        continue;
      }
      c.username = decoded.slice(0, colon);
      c.password = decoded.slice(colon + 1);
    } else {
      if (typeof entry.username === 'string' && entry.username !== '') c.username = entry.username;
      if (typeof entry.password === 'string') c.password = entry.password;
    }
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') c.identityToken = entry.identitytoken;
    if (c.username === undefined && c.identityToken === undefined) {
      problems.push(`${label}: the entry ${JSON.stringify(key)} has no credentials`);
      continue;
    }
    entries.push({ key, credentials: c });
  }
  return { entries, problems };
}

interface SchemelessUrl {
  hostname: string;
  port: string;
  path: string;
}

/** Go's url.Parse of "dummy://" + s as kubelet's ParseSchemelessURL uses it: host[:port] up to the first '/', then the path. */
function parseSchemeless(s: string): SchemelessUrl {
  const slash = s.indexOf('/');
  const host = slash < 0 ? s : s.slice(0, slash);
  const path = slash < 0 ? '' : s.slice(slash);
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(host);
  return { hostname: (m?.[1] ?? host).replace(/^\[|\]$/g, ''), port: m?.[2] ?? '', path };
}

/** filepath.Match for one host label: `*` any run, `?` one character, `[...]` a class, `\` escapes. */
function globMatch(pattern: string, text: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]!}`;
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false; // filepath.ErrBadPattern: no match
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`).test(text);
  } catch {
    return false;
  }
}

/** kubelet's URLsMatch: same port, same number of host labels each matching its glob, the key's path a prefix. */
export function urlsMatch(glob: string, target: string): boolean {
  const g = parseSchemeless(glob);
  const t = parseSchemeless(target);
  if (g.port !== t.port) return false;
  const gl = g.hostname.split('.');
  const tl = t.hostname.split('.');
  if (gl.length !== tl.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  return gl.every((p, i) => globMatch(p, tl[i]!));
}

/** BasicDockerKeyring.Add's key: scheme dropped, a /v1/ or /v2/ path prefix dropped, "host" or "host/path". */
export function keyringKey(configKey: string): string {
  let value = configKey;
  if (!value.startsWith('https://') && !value.startsWith('http://')) value = `https://${value}`;
  const rest = value.slice(value.indexOf('://') + 3);
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  let path = slash < 0 ? '' : rest.slice(slash).replace(/[?#].*$/, '');
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path.length > 0 && path !== '/' ? host + path : host;
}

/** kubelet's isDefaultRegistryMatch: an image that is pulled from Docker Hub by the shape of its name. */
export function isDefaultRegistryMatch(image: string): boolean {
  const parts = image.split('/');
  const first = parts[0] ?? '';
  if (first === '') return false;
  if (parts.length === 1) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first) && first !== 'localhost';
}

/** kubelet's BasicDockerKeyring: credentials by normalised key, looked up most specific first. */
export class DockerKeyring {
  private readonly creds = new Map<string, PullCredential[]>();
  private index: string[] = [];

  add(entries: readonly { key: string; credentials: Credentials }[], source: string): void {
    for (const e of entries) {
      const key = keyringKey(e.key);
      const list = this.creds.get(key) ?? [];
      list.push({ credentials: e.credentials, source, key });
      this.creds.set(key, list);
      if (!this.index.includes(key)) this.index.push(key);
    }
    // sort.Sort(sort.Reverse(sort.StringSlice(index))): Go compares strings bytewise.
    this.index = [...this.index].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  }

  get size(): number {
    return this.index.length;
  }

  /** `image` is "registry/repository" (docker.io/library/nginx), as kubelet's ParseImageName gives it. */
  lookup(image: string): PullCredential[] {
    const out: PullCredential[] = [];
    for (const k of this.index) if (urlsMatch(k, image)) out.push(...(this.creds.get(k) ?? []));
    if (out.length > 0) return out;
    if (isDefaultRegistryMatch(image)) return [...(this.creds.get(DEFAULT_REGISTRY_HOST) ?? [])];
    return [];
  }
}

/** The credentials of a pod's own pull secrets, then those of its service account's (duplicates once). */
export function keyringCredentials(keyrings: readonly DockerKeyring[]): PullCredentials {
  return {
    lookup(registry, repository) {
      const image = `${registry}/${repository}`;
      const seen = new Set<string>();
      const out: PullCredential[] = [];
      for (const k of keyrings) {
        for (const c of k.lookup(image)) {
          const id = JSON.stringify([c.credentials.username, c.credentials.password, c.credentials.identityToken]);
          if (seen.has(id)) continue;
          seen.add(id);
          out.push(c);
        }
      }
      return out;
    },
  };
}

/** What the resolver reads through the API (src/admission/kubernetes.ts's InClusterApi has it). */
export interface PullSecretApi {
  secret(namespace: string, name: string, signal?: AbortSignal): Promise<KubernetesSecret>;
  serviceAccount(namespace: string, name: string, signal?: AbortSignal): Promise<{ imagePullSecrets: string[] }>;
}

export interface PullSecretResolverOptions {
  /** How long a secret or service account read is used (default 60 s). */
  ttlMs?: number;
  /** How long "not found" and "forbidden" are remembered (default the smaller of ttlMs and 10 s). */
  negativeTtlMs?: number;
  /** Secrets and service accounts kept (default 1000). */
  maxEntries?: number;
  /** Read the pod's service account's imagePullSecrets too (default true). */
  serviceAccounts?: boolean;
  events?: EventSink;
}

export interface PodPullCredentials {
  credentials: PullCredentials;
  /** `ns/name` of every pull secret that was consulted (usable or not). */
  secrets: string[];
  /** Secrets that could not be read or used: the request goes on without them, as kubelet's pull does. */
  warnings: string[];
}

type Cached<T> = { value: T } | { warning: string };

/**
 * Reads the pull secrets of a pod (its `imagePullSecrets`, then its service account's) through the API, caching each
 * Secret and ServiceAccount briefly. A secret that is missing, forbidden or unusable is skipped with a warning
 * event, never an error (kubelet: "Unable to retrieve some image pull secrets … attempting to pull the image may not
 * succeed").
 */
export class PullSecretResolver {
  private readonly cache: TtlLruCache<string, Cached<ParsedPullSecret | string[]>>;
  private readonly flights = new SingleFlight<string, Cached<ParsedPullSecret | string[]>>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  /** API reads so far (tests and metrics). */
  reads = 0;

  constructor(
    private readonly api: PullSecretApi,
    private readonly options: PullSecretResolverOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? Math.min(this.ttlMs, 10_000);
    this.cache = new TtlLruCache(options.maxEntries ?? 1000);
  }

  /** `podSpec` is the Pod's spec or a workload's pod template spec. */
  async forPod(namespace: string, podSpec: unknown, signal?: AbortSignal): Promise<PodPullCredentials> {
    const spec = isObject(podSpec) ? podSpec : {};
    const warnings: string[] = [];
    const secrets: string[] = [];
    const podKeyring = new DockerKeyring();
    const saKeyring = new DockerKeyring();
    const own = localObjectNames(spec.imagePullSecrets);
    for (const name of own) await this.addSecret(podKeyring, namespace, name, `pull secret ${namespace}/${name}`, secrets, warnings, signal);
    if (this.options.serviceAccounts !== false) {
      // spec.serviceAccount is the deprecated alias; the ServiceAccount admission plugin defaults both to "default".
      const sa = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? spec.serviceAccountName : typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : 'default';
      const names = await this.read(`sa\u0000${namespace}/${sa}`, `service account ${namespace}/${sa}`, async () => (await this.api.serviceAccount(namespace, sa, signal)).imagePullSecrets);
      if ('warning' in names) warnings.push(names.warning);
      else {
        for (const name of names.value as string[]) {
          if (own.includes(name)) continue;
          await this.addSecret(saKeyring, namespace, name, `pull secret ${namespace}/${name} (service account ${sa})`, secrets, warnings, signal);
        }
      }
    }
    return { credentials: keyringCredentials([podKeyring, saKeyring]), secrets, warnings };
  }

  private async addSecret(keyring: DockerKeyring, ns: string, name: string, label: string, secrets: string[], warnings: string[], signal?: AbortSignal): Promise<void> {
    secrets.push(`${ns}/${name}`);
    const r = await this.read(`secret\u0000${ns}/${name}`, `pull secret ${ns}/${name}`, async () => parsePullSecret(await this.api.secret(ns, name, signal), `pull secret ${ns}/${name}`));
    if ('warning' in r) {
      warnings.push(r.warning);
      return;
    }
    const parsed = r.value as ParsedPullSecret;
    warnings.push(...parsed.problems);
    keyring.add(parsed.entries, label);
  }

  /** A cached read; failures become warnings (emitted once per fetch, not per cache hit). */
  private async read<T extends ParsedPullSecret | string[]>(key: string, what: string, fetch: () => Promise<T>): Promise<Cached<T>> {
    const hit = this.cache.get(key);
    if (hit) return hit as Cached<T>;
    return (await this.flights.run(key, async () => {
      this.reads++;
      let r: Cached<ParsedPullSecret | string[]>;
      let ttl = this.ttlMs;
      try {
        const value = await fetch();
        r = { value };
        if (!Array.isArray(value)) for (const p of value.problems) this.options.events?.({ type: 'warning', code: 'PULL_SECRET_UNUSABLE', message: p });
      } catch (e) {
        const code = e instanceof KubernetesError ? e.code : isTollgateError(e) ? e.code : 'ERROR';
        // KubernetesError messages carry only the API's Status text; anything else is reduced to its code.
        const why = e instanceof KubernetesError ? e.message : `${what}: cannot be read (${(e as Error)?.name === 'AbortError' ? 'aborted' : code})`;
        const skipped = key.startsWith('sa\u0000') ? 'its imagePullSecrets are not used' : 'skipped, as kubelet skips pull secrets it cannot read';
        r = { warning: `${why}; ${skipped}` };
        this.options.events?.({ type: 'warning', code: 'PULL_SECRET_UNAVAILABLE', message: r.warning });
        // Absent and forbidden are answers (remembered briefly); a network failure or timeout is not remembered.
        if (!(e instanceof KubernetesError) || !['NOT_FOUND', 'FORBIDDEN', 'UNAUTHORIZED', 'INVALID_NAME'].includes(e.code)) ttl = 0;
        else ttl = this.negativeTtlMs;
      }
      this.cache.set(key, r, ttl);
      return r;
    })) as Cached<T>;
  }
}
