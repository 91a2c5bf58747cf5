import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryError, UsageError } from '../../core/index.js';

/**
 * Registry credentials: explicit ones, or Docker's config.json (`auths`, `credHelpers`, `credsStore`) as written
 * by `docker login` (docker/cli: cli/config/configfile/file.go, credentials/native_store.go) and the
 * docker-credential-helpers protocol (`docker-credential-<name> get`, server URL on stdin, JSON on stdout).
 */
export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token ("identitytoken" in config.json, or a helper answering Username "<token>"). */
  identityToken?: string;
}

/** The config.json key Docker uses for Docker Hub. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export interface CredentialStoreOptions {
  /** Directory holding config.json. Default: $DOCKER_CONFIG, else ~/.docker. */
  dockerConfigDir?: string;
  /** Timeout for a credential helper run. Default 10 s. */
  helperTimeoutMs?: number;
  /** Environment for helpers (PATH lookup). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Host part of a config.json key: "https://host:port/v1/" → "host:port" (configfile.go convertToHostname). */
export function configKeyHost(key: string): string {
  let k = key.trim();
  k = k.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  return k.toLowerCase();
}

function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_ALIASES.has(registry.toLowerCase());
}

/** The server URL handed to credential helpers and used as key by `docker login`. */
export function helperServerUrl(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB_CONFIG_KEY : registry;
}

function hostMatches(key: string, registry: string): boolean {
  const host = configKeyHost(key);
  if (isDockerHub(registry)) return DOCKER_HUB_ALIASES.has(host);
  return host === registry.toLowerCase();
}

/** Finds the `auths` entry of a registry and decodes it (pure). */
export function credentialsFromAuths(config: DockerConfig, registry: string, configPath = 'config.json'): Credentials | undefined {
  const auths = config.auths ?? {};
  const keys = Object.keys(auths);
  // An exact key wins over a normalised match (docker/cli GetAuthConfig does the same).
  const exact = isDockerHub(registry) ? DOCKER_HUB_CONFIG_KEY : registry;
  const key = keys.includes(exact) ? exact : keys.find((k) => hostMatches(k, registry));
  if (key === undefined) return undefined;
  const entry = auths[key];
  if (!entry || typeof entry !== 'object') return undefined;
  const out: Credentials = {};
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new UsageError('INVALID_CONFIG', `${configPath}: the "auth" of ${key} is not base64 of "user:password"`);
    }
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1);
  } else {
    if (typeof entry.username === 'string' && entry.username !== '') out.username = entry.username;
    if (typeof entry.password === 'string' && entry.password !== '') out.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') out.identityToken = entry.identitytoken;
  return out.username !== undefined || out.identityToken !== undefined ? out : undefined;
}

/** Runs `docker-credential-<helper> get`. Undefined when the helper has no credentials for the server. */
export async function runCredentialHelper(
  helper: string,
  serverUrl: string,
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    throw new RegistryError('CREDENTIAL_HELPER', `invalid credential helper name ${JSON.stringify(helper)}`);
  }
  const program = `docker-credential-${helper}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { code, stdout, stderr, error, timedOut } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    error?: NodeJS.ErrnoException;
    timedOut: boolean;
  }>((resolve) => {
    const child = spawn(program, ['get'], { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    const cap = 1024 * 1024;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < cap) out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < cap) err += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, stdout: out, stderr: err, error: e, timedOut });
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, stdout: out, stderr: err, timedOut });
    });
    child.stdin.on('error', () => {
      // The helper may exit without reading stdin; its exit status tells what happened.
    });
    child.stdin.end(serverUrl);
  });
  if (error) {
    if (error.code === 'ENOENT') {
      throw new RegistryError('CREDENTIAL_HELPER', `credential helper ${program} is not installed (not found on PATH)`, { cause: error });
    }
    throw new RegistryError('CREDENTIAL_HELPER', `cannot run credential helper ${program}: ${error.message}`, { cause: error });
  }
  if (timedOut) throw new RegistryError('CREDENTIAL_HELPER', `credential helper ${program} did not answer within ${timeoutMs} ms`);
  if (code !== 0) {
    // docker-credential-helpers: errCredentialsNotFound = "credentials not found in native keychain".
    if (/credentials not found/i.test(stdout) || /credentials not found/i.test(stderr)) return undefined;
    const why = (stdout.trim() || stderr.trim()).split('\n')[0]?.slice(0, 200) ?? '';
    throw new RegistryError('CREDENTIAL_HELPER', `credential helper ${program} failed for ${serverUrl} (exit ${code})${why ? `: ${why}` : ''}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new RegistryError('CREDENTIAL_HELPER', `credential helper ${program} printed something that is not JSON`);
  }
  if (!parsed || typeof parsed !== 'object') throw new RegistryError('CREDENTIAL_HELPER', `credential helper ${program} printed no object`);
  const { Username, Secret } = parsed as { Username?: unknown; Secret?: unknown };
  if (typeof Secret !== 'string' || Secret === '') return undefined;
  if (Username === '<token>') return { identityToken: Secret };
  return { username: typeof Username === 'string' ? Username : '', password: Secret };
}

/**
 * Resolves credentials per registry: explicit ones win; then `credHelpers[registry]`, `credsStore`, and the
 * `auths` entry. Results (including "none") are cached for the life of the store.
 */
export class CredentialStore {
  private readonly cache = new Map<string, Promise<Credentials | undefined>>();
  private configPromise: Promise<{ config: DockerConfig; path: string } | undefined> | undefined;

  constructor(
    private readonly explicit: Credentials | undefined,
    private readonly options: CredentialStoreOptions = {},
  ) {}

  get(registry: string): Promise<Credentials | undefined> {
    let p = this.cache.get(registry);
    if (!p) {
      p = this.resolve(registry);
      this.cache.set(registry, p);
      // A failure (e.g. a helper timing out) is not remembered.
      p.catch(() => this.cache.delete(registry));
    }
    return p;
  }

  private configDir(): string {
    const env = this.options.env ?? process.env;
    return this.options.dockerConfigDir ?? env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
  }

  private loadConfig(): Promise<{ config: DockerConfig; path: string } | undefined> {
    this.configPromise ??= (async () => {
      const file = path.join(this.configDir(), 'config.json');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw new UsageError('INVALID_CONFIG', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new UsageError('INVALID_CONFIG', `${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new UsageError('INVALID_CONFIG', `${file} is not a JSON object`);
      }
      return { config: value as DockerConfig, path: file };
    })();
    return this.configPromise;
  }

  private async resolve(registry: string): Promise<Credentials | undefined> {
    if (this.explicit && (this.explicit.username !== undefined || this.explicit.identityToken !== undefined)) return this.explicit;
    const loaded = await this.loadConfig();
    if (!loaded) return undefined;
    const { config } = loaded;
    const helperOptions = { timeoutMs: this.options.helperTimeoutMs, env: this.options.env };
    const serverUrl = helperServerUrl(registry);
    const helpers = config.credHelpers && typeof config.credHelpers === 'object' ? config.credHelpers : {};
    const helperKey = Object.keys(helpers).find((k) => hostMatches(k, registry));
    const helper = helperKey !== undefined ? helpers[helperKey] : undefined;
    if (typeof helper === 'string' && helper !== '') return runCredentialHelper(helper, serverUrl, helperOptions);
    if (typeof config.credsStore === 'string' && config.credsStore !== '') {
      const fromStore = await runCredentialHelper(config.credsStore, serverUrl, helperOptions);
      if (fromStore) return fromStore;
    }
    return credentialsFromAuths(config, registry, loaded.path);
  }
}
