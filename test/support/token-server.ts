import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A Docker-style token server for tests (distribution docs/spec/auth/token.md, jwt.md): answers
 * `GET /token?service=..&scope=..(repeatable)` with `{"token","access_token","expires_in","issued_at"}`, where the
 * token is an ES256 JWT whose header carries the signing certificate (`x5c`) that the registry trusts through
 * `auth.token.rootcertbundle`. Distribution 2.8 only parses a string `aud` (INFRA.md §1).
 *
 * `POST /token` with grant_type=refresh_token (OAuth2, distribution docs/spec/auth/oauth.md) accepts the
 * `refreshTokens` given in the options, as Docker's identity tokens.
 *
 * Access: users with the right Basic password get the pull/push/delete actions they ask for (pull only for
 * `pullOnlyUsers`); anonymous callers get pull on `publicRepositories` and nothing else; a wrong password is 401.
 */
export interface TokenServerOptions {
  signingKeyFile: string;
  signingCertFile: string;
  tlsKeyFile: string;
  tlsCertFile: string;
  issuer: string;
  service: string;
  users: Record<string, string>;
  pullOnlyUsers?: string[];
  publicRepositories?: string[];
  /** OAuth2 refresh tokens ("identity tokens") → user, for `POST /token` grant_type=refresh_token (oauth.md). */
  refreshTokens?: Record<string, string>;
  expiresIn?: number;
}

export interface TokenRequestRecord {
  user: string | undefined;
  scopes: string[];
  status: number;
}

export interface TokenServer {
  /** The realm to configure in the registry: https://127.0.0.1:PORT/token */
  realm: string;
  port: number;
  /** Tokens issued so far (successful answers). */
  readonly issued: number;
  readonly requests: readonly TokenRequestRecord[];
  close(): Promise<void>;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function signJwt(key: KeyObject, certDerBase64: string, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [certDerBase64] }));
  const payload = b64url(JSON.stringify(claims));
  // JWS ES256 wants the raw r||s signature (RFC 7518 §3.4), not DER.
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${b64url(signature)}`;
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const [signingKeyPem, signingCertPem, tlsKey, tlsCert] = await Promise.all([
    readFile(options.signingKeyFile, 'utf8'),
    readFile(options.signingCertFile, 'utf8'),
    readFile(options.tlsKeyFile),
    readFile(options.tlsCertFile),
  ]);
  const key = createPrivateKey(signingKeyPem);
  const certDer = new X509Certificate(signingCertPem).raw.toString('base64');
  const requests: TokenRequestRecord[] = [];
  let issued = 0;

  const server: Server = createServer({ key: tlsKey, cert: tlsCert }, (req, res) => {
    if (req.method === 'POST') {
      let form = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (form += d.slice(0, 65536)));
      req.on('end', () => handle(req.url ?? '/', new URLSearchParams(form), req.headers.authorization, res));
      return;
    }
    handle(req.url ?? '/', undefined, req.headers.authorization, res);
  });

  function handle(path: string, form: URLSearchParams | undefined, authorization: string | undefined, res: ServerResponse): void {
    const url = new URL(path, 'https://localhost');
    // GET: repeated scope parameters; POST (OAuth2): one space-separated scope field.
    const scopes = form ? (form.get('scope') ?? '').split(' ').filter((x) => x !== '') : url.searchParams.getAll('scope');
    const reply = (status: number, body: unknown, user: string | undefined) => {
      requests.push({ user, scopes, status });
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 401 ? { 'www-authenticate': 'Basic realm="tollgate-token"' } : {}) });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') {
      reply(404, { errors: [{ code: 'NOT_FOUND', message: 'no such endpoint' }] }, undefined);
      return;
    }
    let user: string | undefined;
    if (form) {
      const refresh = form.get('refresh_token') ?? '';
      const owner = options.refreshTokens?.[refresh];
      if (form.get('grant_type') !== 'refresh_token' || owner === undefined) {
        reply(401, { error: 'invalid_grant' }, undefined);
        return;
      }
      user = owner;
    } else {
      const basic = parseBasic(authorization);
      if (authorization !== undefined && (!basic || options.users[basic.user] !== basic.password)) {
        reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }, basic?.user);
        return;
      }
      user = basic?.user;
    }
    const access: { type: string; name: string; actions: string[] }[] = [];
    for (const scope of scopes) {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first <= 0 || last === first) continue;
      const type = scope.slice(0, first);
      const name = scope.slice(first + 1, last);
      const requested = scope.slice(last + 1).split(',');
      if (type !== 'repository') continue;
      let allowed: string[];
      if (user === undefined) allowed = options.publicRepositories?.includes(name) ? ['pull'] : [];
      else if (options.pullOnlyUsers?.includes(user)) allowed = ['pull'];
      else allowed = ['pull', 'push', 'delete'];
      const actions = requested.filter((a) => allowed.includes(a));
      const existing = access.find((a) => a.name === name);
      if (existing) existing.actions = [...new Set([...existing.actions, ...actions])];
      else access.push({ type, name, actions });
    }
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = options.expiresIn ?? 300;
    const token = signJwt(key, certDer, {
      iss: options.issuer,
      sub: user ?? '',
      aud: options.service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    issued++;
    reply(200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() }, user);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `https://127.0.0.1:${port}/token`,
    port,
    get issued() {
      return issued;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
