import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { RegistryError } from '../../core/index.js';
import { Authenticator, mergeScopes, parseScope, type AuthContext } from './auth.js';
import { CredentialStore } from './credentials.js';
import type { HttpRequest, HttpResponse, HttpTransport } from './transport.js';
import { parseWwwAuthenticate } from './www-authenticate.js';

/** Stands in for the network: answers token requests as a token server would (token.md). */
class StubTokenServer {
  requests: URL[] = [];
  authorizations: (string | undefined)[] = [];
  reply: (url: URL) => { status: number; body: unknown } = () => ({ status: 200, body: { token: `t${this.requests.length}`, expires_in: 300 } });
  async send(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    this.requests.push(url);
    this.authorizations.push(req.headers?.authorization);
    await new Promise((r) => setImmediate(r));
    const { status, body } = this.reply(url);
    return { status, headers: {}, body: Readable.from([Buffer.from(JSON.stringify(body))]), url: req.url };
  }
}

const challenge = parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="reg"');
const ctx = (scopes: string[]): AuthContext => ({ registry: 'reg.example', host: 'reg.example', repository: 'a/b', scopes });

function setup(creds?: { username: string; password: string }) {
  const server = new StubTokenServer();
  let now = 1_000_000;
  const auth = new Authenticator(server as unknown as HttpTransport, new CredentialStore(creds, { dockerConfigDir: '/nonexistent' }), {
    clock: () => now,
  });
  auth.noteChallenges('reg.example', challenge);
  return { server, auth, advance: (ms: number) => (now += ms) };
}

describe('scopes', () => {
  test('parseScope keeps colons of the resource', () => {
    assert.deepEqual(parseScope('repository:a/b:pull,push'), { resource: 'repository:a/b', actions: ['pull', 'push'] });
    assert.deepEqual(parseScope('registry:catalog:*'), { resource: 'registry:catalog', actions: ['*'] });
    assert.equal(parseScope('nonsense'), undefined);
  });
  test('mergeScopes unions actions per resource', () => {
    assert.deepEqual(mergeScopes(['repository:a:push', 'repository:a:pull', 'repository:b:pull']), ['repository:a:pull,push', 'repository:b:pull']);
  });
});

describe('Authenticator (bearer)', () => {
  test('one token per scope set, reused until it expires (expires_in, renewed early)', async () => {
    const { server, auth, advance } = setup({ username: 'u', password: 'p' });
    const a = await auth.authorizationFor(ctx(['repository:a/b:pull']));
    const b = await auth.authorizationFor(ctx(['repository:a/b:pull']));
    assert.equal(a?.header, 'Bearer t1');
    assert.equal(b?.header, 'Bearer t1');
    assert.equal(b?.fresh, false);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]!.searchParams.get('service'), 'reg');
    assert.deepEqual(server.requests[0]!.searchParams.getAll('scope'), ['repository:a/b:pull']);
    assert.equal(server.authorizations[0], `Basic ${Buffer.from('u:p').toString('base64')}`);
    advance(289_000); // 300 s minus the 10 s safety margin is still ahead
    assert.equal((await auth.authorizationFor(ctx(['repository:a/b:pull'])))?.header, 'Bearer t1');
    advance(2_000);
    assert.equal((await auth.authorizationFor(ctx(['repository:a/b:pull'])))?.header, 'Bearer t2');
  });

  test('a push token also serves pulls; concurrent requests share one fetch', async () => {
    const { server, auth } = setup({ username: 'u', password: 'p' });
    const all = await Promise.all(Array.from({ length: 5 }, () => auth.authorizationFor(ctx(['repository:a/b:pull,push']))));
    assert.equal(new Set(all.map((x) => x?.header)).size, 1);
    assert.equal((await auth.authorizationFor(ctx(['repository:a/b:pull'])))?.header, 'Bearer t1');
    assert.equal(server.requests.length, 1);
  });

  test('missing expires_in defaults to 60 s; access_token is accepted', async () => {
    const { server, auth, advance } = setup();
    server.reply = () => ({ status: 200, body: { access_token: `at${server.requests.length}` } });
    assert.equal((await auth.authorizationFor(ctx(['repository:a/b:pull'])))?.header, 'Bearer at1');
    assert.equal(server.authorizations[0], undefined); // anonymous
    advance(53_000); // renewal margin: 10 % of the lifetime, at most 10 s
    assert.equal((await auth.authorizationFor(ctx(['repository:a/b:pull'])))?.header, 'Bearer at1');
    advance(2_000);
    assert.equal((await auth.authorizationFor(ctx(['repository:a/b:pull'])))?.header, 'Bearer at2');
  });

  test('a rejected cached token is refreshed once; a rejected fresh one is final', async () => {
    const { server, auth } = setup({ username: 'u', password: 'p' });
    const c = ctx(['repository:a/b:pull']);
    await auth.authorizationFor(c);
    const cached = await auth.authorizationFor(c);
    const again = await auth.onUnauthorized(c, challenge, cached);
    assert.equal(again.header, 'Bearer t2');
    assert.equal(again.fresh, true);
    await assert.rejects(auth.onUnauthorized(c, challenge, again), (e: unknown) => e instanceof RegistryError && e.code === 'DENIED');
    assert.equal(server.requests.length, 2);
  });

  test('insufficient_scope naming a new scope asks for the union', async () => {
    const { server, auth } = setup({ username: 'u', password: 'p' });
    const c = ctx(['repository:a/b:pull']);
    const first = await auth.authorizationFor(c);
    const wider = parseWwwAuthenticate(
      'Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:delete",error="insufficient_scope"',
    );
    const next = await auth.onUnauthorized(c, wider, first);
    assert.equal(next.header, 'Bearer t2');
    assert.deepEqual(server.requests[1]!.searchParams.getAll('scope'), ['repository:a/b:delete,pull']);
  });

  test('anonymous callers whose token is refused get UNAUTHORIZED, not DENIED', async () => {
    const { auth } = setup();
    const c = ctx(['repository:a/b:pull']);
    const first = await auth.authorizationFor(c);
    await assert.rejects(auth.onUnauthorized(c, challenge, first), (e: unknown) => e instanceof RegistryError && e.code === 'UNAUTHORIZED');
  });

  test('token server 401 with credentials → UNAUTHORIZED naming the user only', async () => {
    const { server, auth } = setup({ username: 'u', password: 'hunter2' });
    server.reply = () => ({ status: 401, body: {} });
    await assert.rejects(
      auth.authorizationFor(ctx(['repository:a/b:pull'])),
      (e: unknown) => e instanceof RegistryError && e.code === 'UNAUTHORIZED' && /"u"/.test(e.message) && !e.message.includes('hunter2'),
    );
  });

  test('a response without a token is a protocol error', async () => {
    const { server, auth } = setup();
    server.reply = () => ({ status: 200, body: { nothing: true } });
    await assert.rejects(auth.authorizationFor(ctx(['repository:a/b:pull'])), (e: unknown) => e instanceof RegistryError && e.code === 'PROTOCOL');
  });
});

describe('Authenticator (basic)', () => {
  test('sends credentials after a Basic challenge and fails when they are refused', async () => {
    const server = new StubTokenServer();
    const auth = new Authenticator(server as unknown as HttpTransport, new CredentialStore({ username: 'u', password: 'p' }, { dockerConfigDir: '/x' }));
    const c = ctx(['repository:a/b:pull']);
    assert.equal(await auth.authorizationFor(c), undefined);
    const basic = await auth.onUnauthorized(c, parseWwwAuthenticate('Basic realm="r"'), undefined);
    assert.equal(basic.header, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal((await auth.authorizationFor(c))?.header, basic.header);
    await assert.rejects(auth.onUnauthorized(c, parseWwwAuthenticate('Basic realm="r"'), basic), (e: unknown) => e instanceof RegistryError && e.code === 'UNAUTHORIZED');
    assert.equal(server.requests.length, 0);
  });
  test('an unknown scheme is UNAUTHORIZED', async () => {
    const auth = new Authenticator(new StubTokenServer() as unknown as HttpTransport, new CredentialStore(undefined, { dockerConfigDir: '/x' }));
    await assert.rejects(auth.onUnauthorized(ctx([]), parseWwwAuthenticate('Negotiate'), undefined), (e: unknown) => e instanceof RegistryError && e.code === 'UNAUTHORIZED');
  });
});
