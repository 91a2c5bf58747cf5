/**
 * Authentication failures and permissions against real registries (htpasswd + TLS, bearer token + TLS), and
 * credentials read from a Docker config dir (auths, credHelpers with a helper script on PATH).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegistryError } from '../../src/core/index.js';
import { parseReference } from '../../src/oci/reference.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/oci/registry/index.js';
import { buildTestImage, startRegistry, TEST_REFRESH_TOKEN, type TestImage, type TestRegistry } from '../support/registry.js';

const WRONG = 'not-the-password-42';

function isRegistryError(code: RegistryError['code'], ...mustMention: string[]) {
  return (e: unknown): boolean => {
    if (!(e instanceof RegistryError)) return false;
    assert.equal(e.code, code, e.message);
    for (const m of mustMention) assert.ok(e.message.includes(m), `"${e.message}" should mention ${m}`);
    // Secrets never appear in messages.
    assert.ok(!e.message.includes(WRONG) && !e.message.includes('s3cret') && !e.message.includes('pw2'), e.message);
    return true;
  };
}

async function pushImage(client: RegistryClient, refText: string, image: TestImage, tag: string): Promise<void> {
  const ref = parseReference(refText);
  for (const b of [image.config, ...image.layers]) await client.pushBlob(ref, b.bytes);
  await client.putManifest(ref, tag, image.manifest.bytes, image.manifest.mediaType);
}

describe('basic auth + TLS', () => {
  let reg: TestRegistry;
  const clients: RegistryClient[] = [];
  const make = (o: Partial<RegistryClientOptions>) => {
    const c = new RegistryClient({ caFile: reg.caFile, dockerConfigDir: reg.dir, retries: 0, ...o });
    clients.push(c);
    return c;
  };
  before(async () => {
    reg = await startRegistry({ auth: 'basic' });
    await pushImage(make({ credentials: { username: 'alice', password: 's3cret' } }), `${reg.host}/team/app:v1`, buildTestImage(), 'v1');
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await reg?.stop();
  });

  test('no credentials → UNAUTHORIZED naming registry and repository', async () => {
    await assert.rejects(make({}).getManifest(parseReference(`${reg.host}/team/app:v1`)), isRegistryError('UNAUTHORIZED', reg.host, 'team/app'));
  });
  test('wrong password → UNAUTHORIZED naming the user, not the password', async () => {
    await assert.rejects(
      make({ credentials: { username: 'alice', password: WRONG } }).getManifest(parseReference(`${reg.host}/team/app:v1`)),
      isRegistryError('UNAUTHORIZED', reg.host, 'team/app', 'alice'),
    );
  });
  test('a second user with the right password reads', async () => {
    const got = await make({ credentials: { username: 'bob', password: 'pw2' } }).getManifest(parseReference(`${reg.host}/team/app:v1`));
    assert.equal(got.digest, buildTestImage().manifest.digest);
  });
  test('an untrusted certificate is a TLS error (no silent fallback to plain HTTP)', async () => {
    const c = new RegistryClient({ dockerConfigDir: reg.dir, retries: 0, credentials: { username: 'alice', password: 's3cret' } });
    clients.push(c);
    await assert.rejects(c.getManifest(parseReference(`${reg.host}/team/app:v1`)), isRegistryError('TLS'));
  });
  test('insecure skips certificate verification', async () => {
    const c = make({ caFile: undefined, insecure: true, credentials: { username: 'alice', password: 's3cret' } });
    assert.equal((await c.getManifest(parseReference(`${reg.host}/team/app:v1`))).digest, buildTestImage().manifest.digest);
  });
});

describe('bearer token auth + TLS', () => {
  let reg: TestRegistry;
  const clients: RegistryClient[] = [];
  const make = (o: Partial<RegistryClientOptions>) => {
    const c = new RegistryClient({ caFile: reg.caFile, dockerConfigDir: reg.dir, retries: 0, ...o });
    clients.push(c);
    return c;
  };
  before(async () => {
    reg = await startRegistry({ auth: 'token', publicRepositories: ['public/app'] });
    const alice = make({ credentials: { username: 'alice', password: 's3cret' } });
    await pushImage(alice, `${reg.host}/private/app:v1`, buildTestImage(), 'v1');
    await pushImage(alice, `${reg.host}/public/app:v1`, buildTestImage(), 'v1');
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await reg?.stop();
  });

  test('anonymous pull of a public repository works', async () => {
    const c = make({});
    const got = await c.getManifest(parseReference(`${reg.host}/public/app:v1`));
    assert.equal(got.digest, buildTestImage().manifest.digest);
    assert.equal(reg.tokenServer!.requests.at(-1)?.user, undefined);
  });
  test('anonymous pull of a private repository → UNAUTHORIZED', async () => {
    await assert.rejects(make({}).getManifest(parseReference(`${reg.host}/private/app:v1`)), isRegistryError('UNAUTHORIZED', reg.host, 'private/app'));
  });
  test('anonymous push to a public repository → UNAUTHORIZED', async () => {
    await assert.rejects(make({}).pushBlob(parseReference(`${reg.host}/public/app:v2`), Buffer.from('x')), isRegistryError('UNAUTHORIZED', 'public/app'));
  });
  test('wrong password → UNAUTHORIZED (the token server refuses it)', async () => {
    const before = reg.tokenServer!.issued;
    await assert.rejects(
      make({ credentials: { username: 'alice', password: WRONG } }).getManifest(parseReference(`${reg.host}/private/app:v1`)),
      isRegistryError('UNAUTHORIZED', reg.host, 'alice'),
    );
    assert.equal(reg.tokenServer!.issued, before);
    assert.equal(reg.tokenServer!.requests.at(-1)?.status, 401);
  });
  test('a pull-only user can pull but pushing is DENIED', async () => {
    const bob = make({ credentials: { username: 'bob', password: 'pw2' } });
    const ref = parseReference(`${reg.host}/private/app:v1`);
    assert.equal((await bob.getManifest(ref)).digest, buildTestImage().manifest.digest);
    await assert.rejects(bob.pushBlob(ref, Buffer.from('bob was here')), isRegistryError('DENIED', 'bob', 'private/app'));
  });
  test('a wider scope later gets a new token; the narrower cached one keeps serving pulls', async () => {
    const alice = make({ credentials: { username: 'alice', password: 's3cret' } });
    const ref = parseReference(`${reg.host}/private/app:v1`);
    const start = reg.tokenServer!.issued;
    await alice.getManifest(ref);
    await alice.getManifest(ref);
    assert.equal(reg.tokenServer!.issued - start, 1);
    await alice.pushBlob(ref, Buffer.from(`alice ${Date.now()}`));
    assert.equal(reg.tokenServer!.issued - start, 2);
    await alice.getManifest(ref);
    assert.equal(reg.tokenServer!.issued - start, 2);
    const pushRequest = reg.tokenServer!.requests.filter((r) => r.status === 200).at(-1);
    assert.deepEqual(pushRequest?.scopes, ['repository:private/app:pull,push']);
  });
  test('an identity token from docker config is exchanged with the OAuth2 refresh-token grant', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-idtoken-'));
    try {
      await writeFile(
        path.join(dir, 'config.json'),
        JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('<token>:').toString('base64'), identitytoken: TEST_REFRESH_TOKEN } } }),
      );
      const got = await make({ dockerConfigDir: dir }).getManifest(parseReference(`${reg.host}/private/app:v1`));
      assert.equal(got.digest, buildTestImage().manifest.digest);
      assert.deepEqual(reg.tokenServer!.requests.at(-1), { user: 'alice', scopes: ['repository:private/app:pull'], status: 200 });
      await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: { [reg.host]: { identitytoken: 'revoked' } } }));
      await assert.rejects(make({ dockerConfigDir: dir }).getManifest(parseReference(`${reg.host}/private/app:v1`)), isRegistryError('UNAUTHORIZED', 'identity token'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('credentials from a Docker config dir', () => {
  let reg: TestRegistry;
  let tmp: string;
  const clients: RegistryClient[] = [];
  const make = (o: Partial<RegistryClientOptions>) => {
    const c = new RegistryClient({ caFile: reg.caFile, retries: 0, ...o });
    clients.push(c);
    return c;
  };
  const ref = () => parseReference(`${reg.host}/team/app:v1`);
  const writeConfig = async (name: string, config: unknown): Promise<string> => {
    const dir = path.join(tmp, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  };

  before(async () => {
    reg = await startRegistry({ auth: 'basic' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tollgate-dockercfg-'));
    await pushImage(make({ credentials: { username: 'alice', password: 's3cret' } }), ref().toString(), buildTestImage(), 'v1');
    // A credential helper as docker-credential-helpers define it: `get`, server URL on stdin, JSON on stdout.
    const bin = path.join(tmp, 'bin');
    await mkdir(bin);
    const helper = path.join(bin, 'docker-credential-tgtest');
    await writeFile(
      helper,
      [
        '#!/bin/sh',
        '[ "$1" = get ] || exit 3',
        'read -r server',
        `echo "$server" >> "${path.join(tmp, 'helper-calls.log')}"`,
        `if [ "$server" = "${reg.host}" ]; then printf '{"ServerURL":"%s","Username":"bob","Secret":"pw2"}' "$server"; exit 0; fi`,
        'echo "credentials not found in native keychain"; exit 1',
        '',
      ].join('\n'),
    );
    await chmod(helper, 0o755);
    const broken = path.join(bin, 'docker-credential-tgbroken');
    await writeFile(broken, '#!/bin/sh\necho "keychain locked" >&2; exit 2\n');
    await chmod(broken, 0o755);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await reg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  const env = () => ({ ...process.env, PATH: `${path.join(tmp, 'bin')}:${process.env.PATH ?? ''}` });

  test('auths with base64 "auth"', async () => {
    const dir = await writeConfig('auths', { auths: { [reg.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } });
    assert.equal((await make({ dockerConfigDir: dir }).getManifest(ref())).digest, buildTestImage().manifest.digest);
  });
  test('auths keyed by URL with username/password fields', async () => {
    const dir = await writeConfig('auths-url', { auths: { [`https://${reg.host}/v2/`]: { username: 'bob', password: 'pw2' } } });
    assert.equal((await make({ dockerConfigDir: dir }).getManifest(ref())).digest, buildTestImage().manifest.digest);
  });
  test('DOCKER_CONFIG from the environment is used by default', async () => {
    const dir = await writeConfig('env', { auths: { [reg.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } });
    assert.equal((await make({ env: { ...process.env, DOCKER_CONFIG: dir } }).getManifest(ref())).digest, buildTestImage().manifest.digest);
  });
  test('explicit credentials win over the config', async () => {
    const dir = await writeConfig('explicit', { auths: { [reg.host]: { auth: Buffer.from(`alice:${WRONG}`).toString('base64') } } });
    const c = make({ dockerConfigDir: dir, credentials: { username: 'alice', password: 's3cret' } });
    assert.equal((await c.getManifest(ref())).digest, buildTestImage().manifest.digest);
    await assert.rejects(make({ dockerConfigDir: dir }).getManifest(ref()), isRegistryError('UNAUTHORIZED', 'alice'));
  });
  test('credHelpers runs docker-credential-<name> from PATH', async () => {
    const dir = await writeConfig('helper', {
      auths: { [reg.host]: { auth: Buffer.from(`alice:${WRONG}`).toString('base64') } },
      credHelpers: { [reg.host]: 'tgtest' },
    });
    assert.equal((await make({ dockerConfigDir: dir, env: env() }).getManifest(ref())).digest, buildTestImage().manifest.digest);
  });
  test('credsStore is used when no credHelpers entry matches', async () => {
    const dir = await writeConfig('store', { credsStore: 'tgtest', credHelpers: { 'other.example': 'tgbroken' } });
    assert.equal((await make({ dockerConfigDir: dir, env: env() }).getManifest(ref())).digest, buildTestImage().manifest.digest);
  });
  test('a helper without credentials for the server means anonymous', async () => {
    const other = await startRegistry({ auth: 'basic' });
    try {
      const dir = await writeConfig('helper-miss', { credHelpers: { [other.host]: 'tgtest' } });
      const c = make({ dockerConfigDir: dir, env: env(), caFile: other.caFile });
      await assert.rejects(c.getManifest(parseReference(`${other.host}/team/app:v1`)), isRegistryError('UNAUTHORIZED', 'no credentials'));
    } finally {
      await other.stop();
    }
  });
  test('a missing helper is a clean CREDENTIAL_HELPER error', async () => {
    const dir = await writeConfig('helper-missing', { credHelpers: { [reg.host]: 'tg-not-installed' } });
    await assert.rejects(make({ dockerConfigDir: dir, env: env() }).getManifest(ref()), isRegistryError('CREDENTIAL_HELPER', 'docker-credential-tg-not-installed'));
  });
  test('a failing helper is a clean CREDENTIAL_HELPER error', async () => {
    const dir = await writeConfig('helper-broken', { credHelpers: { [reg.host]: 'tgbroken' } });
    await assert.rejects(make({ dockerConfigDir: dir, env: env() }).getManifest(ref()), isRegistryError('CREDENTIAL_HELPER', 'keychain locked'));
  });
  test('a malformed config.json is a usage error', async () => {
    const dir = path.join(tmp, 'bad');
    await mkdir(dir);
    await writeFile(path.join(dir, 'config.json'), '{"auths": ');
    await assert.rejects(make({ dockerConfigDir: dir }).getManifest(ref()), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'INVALID_CONFIG');
  });
});
