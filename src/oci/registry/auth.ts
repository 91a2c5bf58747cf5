import { RegistryError } from '../../core/index.js';
import type { CredentialStore, Credentials } from './credentials.js';
import { errorFromResponse } from './errors.js';
import { discard, readBody, type HttpTransport } from './transport.js';
import { splitScopes, type AuthChallenge } from './www-authenticate.js';

/**
 * Registry authentication: Basic (RFC 7617) and the distribution token flow
 * (distribution/docs/spec/auth/token.md, oauth.md). Tokens are cached per registry host and scope set until
 * they expire, shared by concurrent requests, and refreshed once when the registry rejects them.
 */

/** What one request needs: where, on whose behalf, and which scopes ("repository:<name>:pull,push"). */
export interface AuthContext {
  /** Registry name as in the reference ("docker.io"); keys the credentials. */
  registry: string;
  /** API host ("registry-1.docker.io"); keys challenges and tokens. */
  host: string;
  repository: string;
  scopes: string[];
}

export interface Authorization {
  header: string;
  kind: 'basic' | 'bearer';
  /** A token fetched for this very request (a rejection then is final, not a stale cache entry). */
  fresh: boolean;
  /** Username the authorization was made with, for messages; undefined when anonymous. */
  username?: string;
  tokenKey?: string;
}

interface CachedToken {
  key: string;
  token: string;
  expiresAt: number;
  grants: Map<string, Set<string>>;
}

/** Default token lifetime when the server omits expires_in (token.md: "defaults to 60 seconds"). */
const DEFAULT_EXPIRES_IN_S = 60;
const MAX_TOKEN_RESPONSE = 1024 * 1024;

export function parseScope(scope: string): { resource: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return { resource: scope.slice(0, last), actions: scope.slice(last + 1).split(',').filter((a) => a !== '') };
}

function grantsOf(scopes: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of scopes) {
    const p = parseScope(s);
    if (!p) continue;
    const set = out.get(p.resource) ?? new Set<string>();
    for (const a of p.actions) set.add(a);
    out.set(p.resource, set);
  }
  return out;
}

function covers(grants: Map<string, Set<string>>, needed: readonly string[]): boolean {
  for (const s of needed) {
    const p = parseScope(s);
    if (!p) continue;
    const have = grants.get(p.resource);
    if (!have) return false;
    if (have.has('*')) continue;
    for (const a of p.actions) if (!have.has(a)) return false;
  }
  return true;
}

/** Merges scopes on the same resource: ["repository:a:pull", "repository:a:push"] → ["repository:a:pull,push"]. */
export function mergeScopes(scopes: readonly string[]): string[] {
  const grants = grantsOf(scopes);
  return [...grants.entries()].map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`).sort();
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export interface AuthenticatorOptions {
  insecure?: boolean;
  clock?: () => number;
  /** OAuth2 client_id sent with refresh-token grants. */
  clientId?: string;
}

export class Authenticator {
  private readonly challenges = new Map<string, AuthChallenge>();
  private readonly tokens = new Map<string, CachedToken[]>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  private readonly clock: () => number;
  /** How many tokens were fetched from token servers (diagnostics and tests). */
  tokensFetched = 0;

  constructor(
    private readonly transport: HttpTransport,
    private readonly credentials: CredentialStore,
    private readonly options: AuthenticatorOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Remembers the challenge a host answered with (from the /v2/ probe or any 401). */
  noteChallenges(host: string, challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
    const chosen = challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ?? challenges.find((c) => c.scheme === 'basic');
    if (chosen) this.challenges.set(host, chosen);
    return chosen;
  }

  /** The Authorization to send up front, when the host's scheme is known (may fetch a token). */
  async authorizationFor(ctx: AuthContext): Promise<Authorization | undefined> {
    const challenge = this.challenges.get(ctx.host);
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const creds = await this.credentials.get(ctx.registry);
      return creds?.username !== undefined && creds.password !== undefined ? basicAuthorization(creds) : undefined;
    }
    const cached = this.cachedToken(ctx.host, ctx.scopes);
    if (cached) return { header: `Bearer ${cached.token}`, kind: 'bearer', fresh: false, tokenKey: cached.key, ...(await this.username(ctx)) };
    return this.bearer(ctx, challenge, ctx.scopes);
  }

  /**
   * Called after a 401. Returns the Authorization to retry with, or throws UNAUTHORIZED / DENIED when retrying
   * cannot help (no credentials, rejected credentials, a fresh token that still lacks the scope).
   */
  async onUnauthorized(ctx: AuthContext, challenges: readonly AuthChallenge[], previous: Authorization | undefined): Promise<Authorization> {
    const challenge = this.noteChallenges(ctx.host, challenges);
    if (!challenge) {
      const schemes = challenges.map((c) => c.scheme).join(', ') || 'none';
      throw new RegistryError('UNAUTHORIZED', `${ctx.host} requires authentication for ${ctx.repository} with an unsupported scheme (${schemes})`, {
        status: 401,
      });
    }
    const creds = await this.credentials.get(ctx.registry);
    if (challenge.scheme === 'basic') {
      if (creds?.username === undefined || creds.password === undefined) throw this.noCredentials(ctx, creds);
      if (previous?.kind === 'basic') throw this.rejected(ctx, creds);
      return basicAuthorization(creds);
    }
    const challengeScopes = splitScopes(challenge.params.scope);
    const insufficient = challenge.params.error === 'insufficient_scope';
    const wanted = mergeScopes([...ctx.scopes, ...challengeScopes]);
    if (previous?.kind === 'bearer' && previous.tokenKey) this.forget(ctx.host, previous.tokenKey);
    if (previous?.kind === 'bearer' && previous.fresh) {
      // A token fetched just now was refused. Ask once more only if the registry names a scope we did not request.
      const previousScopes = previous.tokenKey?.split('|')[2]?.split(' ') ?? [];
      if (!(insufficient && !covers(grantsOf(previousScopes), challengeScopes))) {
        if (creds?.username === undefined && creds?.identityToken === undefined) throw this.noCredentials(ctx, creds);
        throw new RegistryError(
          'DENIED',
          `${ctx.host}: ${describeUser(creds)} is not granted ${wanted.join(' ')} (repository ${ctx.repository})`,
          { status: 401 },
        );
      }
    }
    return this.bearer(ctx, challenge, wanted);
  }

  private async username(ctx: AuthContext): Promise<{ username?: string }> {
    const creds = await this.credentials.get(ctx.registry);
    return creds?.username !== undefined ? { username: creds.username } : {};
  }

  private cachedToken(host: string, scopes: readonly string[]): CachedToken | undefined {
    const list = this.tokens.get(host);
    if (!list) return undefined;
    const now = this.clock();
    const live = list.filter((t) => t.expiresAt > now);
    if (live.length !== list.length) this.tokens.set(host, live);
    return live.find((t) => covers(t.grants, scopes));
  }

  private forget(host: string, key: string): void {
    const list = this.tokens.get(host);
    if (list) this.tokens.set(host, list.filter((t) => t.key !== key));
  }

  private async bearer(ctx: AuthContext, challenge: AuthChallenge, scopes: readonly string[]): Promise<Authorization> {
    const realm = challenge.params.realm ?? '';
    const service = challenge.params.service ?? '';
    const merged = mergeScopes(scopes);
    const key = `${realm}|${service}|${merged.join(' ')}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchToken(ctx, realm, service, merged, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const token = await pending;
    return { header: `Bearer ${token.token}`, kind: 'bearer', fresh: true, tokenKey: token.key, ...(await this.username(ctx)) };
  }

  private async fetchToken(ctx: AuthContext, realm: string, service: string, scopes: string[], key: string): Promise<CachedToken> {
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new RegistryError('PROTOCOL', `${ctx.host} sent a Bearer challenge with an invalid realm ${JSON.stringify(realm)}`);
    }
    const creds = await this.credentials.get(ctx.registry);
    const hasSecret = creds?.password !== undefined || creds?.identityToken !== undefined;
    if (hasSecret && realmUrl.protocol !== 'https:' && !this.options.insecure && !isLoopbackHost(realmUrl.hostname)) {
      throw new RegistryError('PROTOCOL', `refusing to send credentials for ${ctx.host} to the plain-HTTP token realm ${realmUrl.origin}`);
    }
    const where = `token server ${realmUrl.origin}${realmUrl.pathname} for ${ctx.host}`;
    let res;
    if (creds?.identityToken !== undefined) {
      // OAuth2 refresh-token grant (distribution docs/spec/auth/oauth.md).
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        service,
        client_id: this.options.clientId ?? 'tollgate',
        refresh_token: creds.identityToken,
      });
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      res = await this.transport.send({
        method: 'POST',
        url: realmUrl.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
      });
    } else {
      const url = new URL(realmUrl);
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.username !== undefined && creds.password !== undefined) headers.authorization = basicAuthorization(creds).header;
      res = await this.transport.send({ method: 'GET', url: url.toString(), headers });
    }
    if (res.status === 401 || res.status === 403) {
      await discard(res);
      if (!hasSecret) throw this.noCredentials(ctx, creds);
      throw this.rejected(ctx, creds);
    }
    if (res.status !== 200) throw await errorFromResponse(res, where);
    const bytes = await readBody(res.body, MAX_TOKEN_RESPONSE, () => new RegistryError('PROTOCOL', `${where}: response larger than 1 MiB`));
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new RegistryError('PROTOCOL', `${where}: the response is not JSON`);
    }
    const body = (json && typeof json === 'object' ? json : {}) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') throw new RegistryError('PROTOCOL', `${where}: the response has no token`);
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S;
    // Renew a little early so a token does not expire between the check and the registry's use of it.
    const margin = Math.min(10_000, expiresIn * 100);
    const entry: CachedToken = { key, token, expiresAt: this.clock() + expiresIn * 1000 - margin, grants: grantsOf(scopes) };
    this.tokensFetched++;
    const list = this.tokens.get(ctx.host) ?? [];
    list.push(entry);
    this.tokens.set(ctx.host, list);
    return entry;
  }

  private noCredentials(ctx: AuthContext, creds: Credentials | undefined): RegistryError {
    const extra = creds ? '' : ' (no credentials found: pass --username/--password, set TOLLGATE_USERNAME/TOLLGATE_PASSWORD or run docker login)';
    return new RegistryError('UNAUTHORIZED', `${ctx.host}: authentication required for repository ${ctx.repository}${extra}`, { status: 401 });
  }

  private rejected(ctx: AuthContext, creds: Credentials | undefined): RegistryError {
    return new RegistryError('UNAUTHORIZED', `${ctx.host} rejected the credentials of ${describeUser(creds)} (repository ${ctx.repository})`, {
      status: 401,
    });
  }
}

function describeUser(creds: Credentials | undefined): string {
  if (!creds) return 'anonymous access';
  if (creds.username !== undefined) return `user ${JSON.stringify(creds.username)}`;
  if (creds.identityToken !== undefined) return 'the identity token';
  return 'anonymous access';
}

export function basicAuthorization(creds: Credentials): Authorization {
  const header = `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`, 'utf8').toString('base64')}`;
  return { header, kind: 'basic', fresh: true, ...(creds.username !== undefined ? { username: creds.username } : {}) };
}
