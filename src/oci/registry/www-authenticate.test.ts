import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWwwAuthenticate, splitScopes } from './www-authenticate.js';

// Headers as registries send them (distribution 2.8 ones measured in INFRA.md §1) and RFC 7235 examples.
const cases: { name: string; header: string | string[]; want: ReturnType<typeof parseWwwAuthenticate> }[] = [
  { name: 'basic (distribution htpasswd)', header: 'Basic realm="tollgate-test"', want: [{ scheme: 'basic', params: { realm: 'tollgate-test' } }] },
  {
    name: 'bearer without scope',
    header: 'Bearer realm="https://127.0.0.1:42087/token",service="tollgate-registry"',
    want: [{ scheme: 'bearer', params: { realm: 'https://127.0.0.1:42087/token', service: 'tollgate-registry' } }],
  },
  {
    name: 'bearer with a comma inside the quoted scope and an error',
    header: 'Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push",error="insufficient_scope"',
    want: [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull,push', error: 'insufficient_scope' } }],
  },
  {
    name: 'two challenges in one header, spaces around = and tokens unquoted',
    header: 'Newauth realm = "apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
    want: [
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ],
  },
  {
    name: 'several header lines',
    header: ['Basic realm="a"', 'Bearer realm="https://t/x",service=s'],
    want: [
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'https://t/x', service: 's' } },
    ],
  },
  {
    name: 'token68 and bare schemes',
    header: 'Negotiate, NTLM abc+/def==, Basic Realm="R"',
    want: [
      { scheme: 'negotiate', params: {} },
      { scheme: 'ntlm', params: {}, token68: 'abc+/def==' },
      { scheme: 'basic', params: { realm: 'R' } },
    ],
  },
  { name: 'empty', header: '', want: [] },
  { name: 'garbage does not throw', header: '=,,"x', want: [] },
  { name: 'unterminated quote', header: 'Bearer realm="https://t', want: [{ scheme: 'bearer', params: { realm: 'https://t' } }] },
];

describe('parseWwwAuthenticate', () => {
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(parseWwwAuthenticate(c.header), c.want));
  }
  test('undefined header', () => assert.deepEqual(parseWwwAuthenticate(undefined), []));
  test('splitScopes', () => {
    assert.deepEqual(splitScopes('repository:a:pull repository:b:pull,push'), ['repository:a:pull', 'repository:b:pull,push']);
    assert.deepEqual(splitScopes(undefined), []);
  });
});
