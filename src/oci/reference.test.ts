import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../core/index.js';
import { isValidDigest, makeReference, parseReference, withDigest } from './reference.js';

const D256 = `sha256:${'a'.repeat(64)}`;
const D512 = `sha512:${'0123456789abcdef'.repeat(8)}`;

// Expected normalisations follow distribution/reference's normalize_test.go / reference_test.go behaviour
// (what `docker pull` resolves the same strings to).
const valid: { input: string; registry: string; repository: string; tag?: string; digest?: string; apiHost: string; text: string }[] = [
  { input: 'alpine', registry: 'docker.io', repository: 'library/alpine', tag: 'latest', apiHost: 'registry-1.docker.io', text: 'docker.io/library/alpine:latest' },
  { input: 'alpine:3.19', registry: 'docker.io', repository: 'library/alpine', tag: '3.19', apiHost: 'registry-1.docker.io', text: 'docker.io/library/alpine:3.19' },
  { input: 'user/app', registry: 'docker.io', repository: 'user/app', tag: 'latest', apiHost: 'registry-1.docker.io', text: 'docker.io/user/app:latest' },
  { input: 'docker.io/alpine', registry: 'docker.io', repository: 'library/alpine', tag: 'latest', apiHost: 'registry-1.docker.io', text: 'docker.io/library/alpine:latest' },
  { input: 'index.docker.io/user/app:v1', registry: 'docker.io', repository: 'user/app', tag: 'v1', apiHost: 'registry-1.docker.io', text: 'docker.io/user/app:v1' },
  { input: 'localhost:5000/team/app:1.2', registry: 'localhost:5000', repository: 'team/app', tag: '1.2', apiHost: 'localhost:5000', text: 'localhost:5000/team/app:1.2' },
  { input: 'localhost/foo', registry: 'localhost', repository: 'foo', tag: 'latest', apiHost: 'localhost', text: 'localhost/foo:latest' },
  { input: 'foo:5000/bar', registry: 'foo:5000', repository: 'bar', tag: 'latest', apiHost: 'foo:5000', text: 'foo:5000/bar:latest' },
  { input: '[::1]:5000/x', registry: '[::1]:5000', repository: 'x', tag: 'latest', apiHost: '[::1]:5000', text: '[::1]:5000/x:latest' },
  { input: '127.0.0.1:41234/tollgate/small:v1', registry: '127.0.0.1:41234', repository: 'tollgate/small', tag: 'v1', apiHost: '127.0.0.1:41234', text: '127.0.0.1:41234/tollgate/small:v1' },
  { input: `registry.example.com/a/b@${D256}`, registry: 'registry.example.com', repository: 'a/b', digest: D256, apiHost: 'registry.example.com', text: `registry.example.com/a/b@${D256}` },
  { input: `registry.example.com/a/b:v2@${D256}`, registry: 'registry.example.com', repository: 'a/b', tag: 'v2', digest: D256, apiHost: 'registry.example.com', text: `registry.example.com/a/b:v2@${D256}` },
  { input: `alpine@${D512}`, registry: 'docker.io', repository: 'library/alpine', digest: D512, apiHost: 'registry-1.docker.io', text: `docker.io/library/alpine@${D512}` },
  { input: 'docker://quay.io/org/img:tag', registry: 'quay.io', repository: 'org/img', tag: 'tag', apiHost: 'quay.io', text: 'quay.io/org/img:tag' },
  { input: 'registry:ghcr.io/o/r', registry: 'ghcr.io', repository: 'o/r', tag: 'latest', apiHost: 'ghcr.io', text: 'ghcr.io/o/r:latest' },
  { input: 'a.b/c__d/e-f--g/h.i_j:T_a.g-1', registry: 'a.b', repository: 'c__d/e-f--g/h.i_j', tag: 'T_a.g-1', apiHost: 'a.b', text: 'a.b/c__d/e-f--g/h.i_j:T_a.g-1' },
  // An uppercase first component can only be a host (normalize.go treats it as a domain).
  { input: 'Example/app', registry: 'Example', repository: 'app', tag: 'latest', apiHost: 'Example', text: 'Example/app:latest' },
  { input: `x:${'t'.repeat(128)}`, registry: 'docker.io', repository: 'library/x', tag: 't'.repeat(128), apiHost: 'registry-1.docker.io', text: `docker.io/library/x:${'t'.repeat(128)}` },
];

const invalid: { input: string; why: RegExp }[] = [
  { input: '', why: /empty/ },
  { input: 'Alpine', why: /lowercase/ },
  { input: 'docker.io/User/app', why: /lowercase/ },
  { input: 'localhost:5000/Team/app', why: /lowercase/ },
  { input: 'alpine:', why: /tag/ },
  { input: 'alpine:.bad', why: /tag/ },
  { input: 'alpine:-bad', why: /tag/ },
  { input: `alpine:${'t'.repeat(129)}`, why: /128/ },
  { input: 'alpine@sha256:abc', why: /64 hex/ },
  { input: `alpine@sha256:${'A'.repeat(64)}`, why: /lowercase hex/ },
  { input: `alpine@md5:${'a'.repeat(32)}`, why: /unsupported digest algorithm/ },
  { input: 'alpine@', why: /digest/ },
  { input: `alpine@${'a'.repeat(64)}`, why: /digest/ },
  { input: 'a//b', why: /empty component/ },
  { input: 'a/b/', why: /empty component/ },
  { input: '/a', why: /empty component/ },
  { input: 'a-/b', why: /component/ },
  { input: 'a/_b', why: /component/ },
  { input: 'a/b...c', why: /component/ },
  { input: 'a b', why: /whitespace/ },
  { input: 'foo:5000:/bar', why: /registry host/ },
  { input: '-bad.com/x', why: /registry host/ },
  { input: '[zz::1]:5000/x', why: /registry host/ },
  { input: 'a'.repeat(64), why: /image ID/ },
  { input: `${'a'.repeat(250)}/bcdef`, why: /255/ },
  { input: 'docker://', why: /empty/ },
];

describe('parseReference', () => {
  for (const c of valid) {
    test(`accepts ${c.input.length > 60 ? `${c.input.slice(0, 60)}…` : c.input}`, () => {
      const ref = parseReference(c.input);
      assert.equal(ref.registry, c.registry);
      assert.equal(ref.repository, c.repository);
      assert.equal(ref.tag, c.tag);
      assert.equal(ref.digest, c.digest);
      assert.equal(ref.apiHost, c.apiHost);
      assert.equal(ref.toString(), c.text);
      assert.equal(`${ref}`, c.text);
      // Round trip: the full form parses to the same reference.
      assert.equal(parseReference(ref.toString()).toString(), c.text);
    });
  }
  for (const c of invalid) {
    test(`rejects ${JSON.stringify(c.input.length > 60 ? `${c.input.slice(0, 60)}…` : c.input)}`, () => {
      assert.throws(
        () => parseReference(c.input),
        (e: unknown) => e instanceof UsageError && e.code === 'INVALID_REFERENCE' && c.why.test(e.message),
      );
    });
  }
});

describe('reference helpers', () => {
  test('withDigest keeps the tag and sets the digest', () => {
    const ref = withDigest(parseReference('localhost:5000/a:v1'), D256);
    assert.equal(ref.toString(), `localhost:5000/a:v1@${D256}`);
  });
  test('makeReference maps docker.io to the API host', () => {
    assert.equal(makeReference({ registry: 'docker.io', repository: 'library/x', tag: 't' }).apiHost, 'registry-1.docker.io');
  });
  test('isValidDigest', () => {
    assert.equal(isValidDigest(D256), true);
    assert.equal(isValidDigest(D512), true);
    assert.equal(isValidDigest(`sha256:${'a'.repeat(63)}`), false);
    assert.equal(isValidDigest('sha256'), false);
  });
});
