/**
 * Pull-secret parsing and kubelet's keyring matching. The match tables are kubelet's own test cases
 * (kubernetes/kubernetes pkg/credentialprovider/keyring_test.go: TestUrlsMatch, TestDockerKeyringForGlob,
 * TestKeyringMiss, TestKeyringMissWithDockerHubCredentials, TestKeyringHit*DockerHub, TestIsDefaultRegistryMatch),
 * with their expected answers as kubelet's tests state them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DockerKeyring, isDefaultRegistryMatch, keyringCredentials, keyringKey, parsePullSecret, urlsMatch } from './pull-secrets.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function keyringOf(configKey: string): DockerKeyring {
  const parsed = parsePullSecret(
    { type: 'kubernetes.io/dockercfg', data: new Map([['.dockercfg', Buffer.from(JSON.stringify({ [configKey]: { email: 'foo@bar.baz', auth: b64('foo:bar') } }))]]) },
    'pull secret t/t',
  );
  assert.deepEqual(parsed.problems, []);
  const k = new DockerKeyring();
  k.add(parsed.entries, 'pull secret t/t');
  return k;
}

describe('kubelet keyring matching (keyring_test.go)', () => {
  test('TestUrlsMatch', () => {
    const cases: [string, string, boolean][] = [
      ['*.kubernetes.io', 'prefix.kubernetes.io', true],
      ['prefix.*.io', 'prefix.kubernetes.io', true],
      ['prefix.kubernetes.*', 'prefix.kubernetes.io', true],
      ['*-good.kubernetes.io', 'prefix-good.kubernetes.io', true],
      ['*.kubernetes.io/blah', 'prefix.kubernetes.io/blah', true],
      ['prefix.*.io/foo', 'prefix.kubernetes.io/foo/bar', true],
      ['*.kubernetes.io:1111/blah', 'prefix.kubernetes.io:1111/blah', true],
      ['prefix.*.io:1111/foo', 'prefix.kubernetes.io:1111/foo/bar', true],
      ['*.kubernetes.io', 'kubernetes.io', false],
      ['*.*.kubernetes.io', 'prefix.kubernetes.io', false],
      ['*.*.kubernetes.io', 'kubernetes.io', false],
      ['kubernetes.io', 'kubernetes.com', false],
      ['k*.io', 'quay.io', false],
      ['*.kubernetes.io:1234/blah', 'prefix.kubernetes.io:1111/blah', false],
      ['prefix.*.io/foo', 'prefix.kubernetes.io:1111/foo/bar', false],
    ];
    for (const [glob, target, want] of cases) assert.equal(urlsMatch(glob, target), want, `${glob} vs ${target}`);
  });

  test('TestDockerKeyringForGlob: every key finds target/foo/bar with its credentials', () => {
    const cases: [string, string][] = [
      ['https://hello.kubernetes.io', 'hello.kubernetes.io'],
      ['https://*.docker.io', 'prefix.docker.io'],
      ['https://prefix.*.io', 'prefix.docker.io'],
      ['https://prefix.docker.*', 'prefix.docker.io'],
      ['https://*.docker.io/path', 'prefix.docker.io/path'],
      ['https://prefix.*.io/path', 'prefix.docker.io/path/subpath'],
      ['https://prefix.docker.*/path', 'prefix.docker.io/path'],
      ['https://*.docker.io:8888', 'prefix.docker.io:8888'],
      ['https://prefix.*.io:8888', 'prefix.docker.io:8888'],
      ['https://prefix.docker.*:8888', 'prefix.docker.io:8888'],
      ['https://*.docker.io/path:1111', 'prefix.docker.io/path:1111'],
      ['https://*.docker.io/v1/', 'prefix.docker.io/path:1111'],
      ['https://*.docker.io/v2/', 'prefix.docker.io/path:1111'],
      ['https://prefix.docker.*/path:1111', 'prefix.docker.io/path:1111'],
      ['prefix.docker.io:1111', 'prefix.docker.io:1111/path'],
      ['*.docker.io:1111', 'prefix.docker.io:1111/path'],
    ];
    for (const [key, target] of cases) {
      const found = keyringOf(key).lookup(`${target}/foo/bar`);
      assert.ok(found.length > 0, `${key} finds ${target}`);
      assert.deepEqual(found[0]!.credentials, { username: 'foo', password: 'bar' });
    }
  });

  test('TestKeyringMiss', () => {
    const cases: [string, string][] = [
      ['https://hello.kubernetes.io', 'world.mesos.org/foo/bar'],
      ['https://*.docker.com', 'prefix.docker.io'],
      ['https://suffix.*.io', 'prefix.docker.io'],
      ['https://prefix.docker.c*', 'prefix.docker.io'],
      ['https://prefix.*.io/path:1111', 'prefix.docker.io/path/subpath:1111'],
      ['suffix.*.io', 'prefix.docker.io'],
    ];
    for (const [key, lookup] of cases) assert.deepEqual(keyringOf(key).lookup(`${lookup}/foo/bar`), [], `${key} must not find ${lookup}`);
  });

  test('Docker Hub: https://index.docker.io/v1/ serves unqualified and docker.io names, nothing else', () => {
    const hub = keyringOf('https://index.docker.io/v1/');
    assert.deepEqual(hub.lookup('world.mesos.org/foo/bar'), []);
    for (const image of ['google/docker-registry', 'jenkins', 'index.docker.io/v1//google/docker-registry', 'docker.io/library/nginx']) {
      const found = hub.lookup(image);
      assert.equal(found.length, 1, image);
      assert.equal(found[0]!.credentials.username, 'foo');
    }
  });

  test('TestIsDefaultRegistryMatch', () => {
    const cases: [string, boolean][] = [
      ['foo/bar', true],
      ['docker.io/foo/bar', true],
      ['index.docker.io/foo/bar', true],
      ['foo', true],
      ['', false],
      ['registry.tld/foo/bar', false],
      ['registry:5000/foo/bar', false],
      ['myhostdocker.io/foo/bar', false],
    ];
    for (const [image, want] of cases) assert.equal(isDefaultRegistryMatch(image), want, image);
  });

  test('keys are normalised as BasicDockerKeyring.Add does; longer keys are tried first', () => {
    assert.equal(keyringKey('https://index.docker.io/v1/'), 'index.docker.io');
    assert.equal(keyringKey('registry.example.com:5000'), 'registry.example.com:5000');
    assert.equal(keyringKey('http://registry.example.com/v2/team'), 'registry.example.com/team');
    assert.equal(keyringKey('registry.example.com/'), 'registry.example.com');
    const k = new DockerKeyring();
    k.add(
      [
        { key: 'reg.example.com', credentials: { username: 'host', password: 'p1' } },
        { key: 'https://reg.example.com/team', credentials: { username: 'team', password: 'p2' } },
        { key: 'reg.example.com/other', credentials: { username: 'other', password: 'p3' } },
      ],
      'pull secret t/t',
    );
    assert.deepEqual(k.lookup('reg.example.com/team/app').map((c) => [c.credentials.username, c.key]), [
      ['team', 'reg.example.com/team'],
      ['host', 'reg.example.com'],
    ]);
  });

  test("the pod's keyring comes before its service account's; the same credentials once", () => {
    const pod = new DockerKeyring();
    pod.add([{ key: 'reg.example.com', credentials: { username: 'pod', password: 'x' } }], 'pull secret a/pod');
    const sa = new DockerKeyring();
    sa.add(
      [
        { key: 'reg.example.com/team', credentials: { username: 'sa', password: 'y' } },
        { key: 'reg.example.com', credentials: { username: 'pod', password: 'x' } },
      ],
      'pull secret a/sa (service account default)',
    );
    assert.deepEqual(keyringCredentials([pod, sa]).lookup('reg.example.com', 'team/app').map((c) => c.source), ['pull secret a/pod', 'pull secret a/sa (service account default)']);
  });
});

describe('parsePullSecret', () => {
  const secret = (type: string, field: string, value: unknown) => ({ type, data: new Map([[field, Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))]]) });

  test('dockerconfigjson: auth, username/password, identitytoken', () => {
    const r = parsePullSecret(
      secret('kubernetes.io/dockerconfigjson', '.dockerconfigjson', {
        auths: {
          'reg.example.com': { auth: b64('alice:pa:ss') },
          'https://index.docker.io/v1/': { username: 'bob', password: 'pw' },
          'ghcr.io': { identitytoken: 'refresh-me' },
        },
      }),
      'pull secret a/s',
    );
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.entries, [
      { key: 'reg.example.com', credentials: { username: 'alice', password: 'pa:ss' } },
      { key: 'https://index.docker.io/v1/', credentials: { username: 'bob', password: 'pw' } },
      { key: 'ghcr.io', credentials: { identityToken: 'refresh-me' } },
    ]);
  });

  test('dockercfg: the same entries without the auths wrapper', () => {
    const r = parsePullSecret(secret('kubernetes.io/dockercfg', '.dockercfg', { 'reg.example.com': { auth: b64('u:p'), email: 'e@x' } }), 'pull secret a/s');
    assert.deepEqual(r.entries, [{ key: 'reg.example.com', credentials: { username: 'u', password: 'p' } }]);
  });

  test('other types are not used; broken content is reported without quoting it', () => {
    assert.match(parsePullSecret(secret('Opaque', '.dockerconfigjson', { auths: {} }), 'pull secret a/s').problems[0]!, /of type Opaque, not kubernetes\.io\/dockerconfigjson/);
    // The field of the other type is not read (kubelet looks only at its type's key).
    assert.match(parsePullSecret(secret('kubernetes.io/dockerconfigjson', '.dockercfg', { x: {} }), 'pull secret a/s').problems[0]!, /has no \.dockerconfigjson/);
    const bad = parsePullSecret(secret('kubernetes.io/dockerconfigjson', '.dockerconfigjson', '{"auths": {"r": {"password": "hunter2-secret"'), 'pull secret a/s');
    assert.deepEqual(bad.problems, ['pull secret a/s: .dockerconfigjson is not valid JSON']);
    const noColon = parsePullSecret(secret('kubernetes.io/dockerconfigjson', '.dockerconfigjson', { auths: { r: { auth: b64('hunter2-secret') } } }), 'pull secret a/s');
    assert.deepEqual(noColon.entries, []);
    assert.deepEqual(noColon.problems, ['pull secret a/s: the "auth" of "r" is not base64 of user:password']);
    for (const p of [...bad.problems, ...noColon.problems]) assert.doesNotMatch(p, /hunter2/);
  });
});
