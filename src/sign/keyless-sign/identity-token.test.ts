import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../core/index.js';
import { parseIdentityToken } from './identity-token.js';

// Tokens written out by hand: base64url(JSON header) . base64url(JSON claims) . signature (any base64url here: the
// signature is Fulcio's to check, not Tollgate's).
const seg = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const jwt = (claims: unknown, header: unknown = { alg: 'RS256', typ: 'JWT' }, sig = 'c2lnbmF0dXJl') => `${seg(header)}.${seg(claims)}.${sig}`;

test('sub identity (workload tokens: GitHub Actions, SPIFFE…)', () => {
  const token = jwt({ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:acme/app:ref:refs/heads/main', aud: 'sigstore', exp: 2000000000 });
  const t = parseIdentityToken(token, '--identity-token');
  assert.equal(t.issuer, 'https://token.actions.githubusercontent.com');
  assert.equal(t.subject, 'repo:acme/app:ref:refs/heads/main');
  assert.equal(t.expiresAt?.toISOString(), '2033-05-18T03:33:20.000Z');
  assert.equal(t.token, token);
});

test('a verified email wins over sub, as Fulcio binds the email (sigstore-js extractJWTSubject)', () => {
  const t = parseIdentityToken(`  ${jwt({ iss: 'https://accounts.google.com', sub: '1234567890', email: 'dev@example.com', email_verified: true })}\n`, 'SIGSTORE_ID_TOKEN');
  assert.equal(t.subject, 'dev@example.com');
  assert.equal(t.expiresAt, undefined);
});

const BAD: [string, string, RegExp][] = [
  ['empty', '', /it is empty/],
  ['two parts', `${seg({ alg: 'RS256' })}.${seg({ iss: 'x', sub: 'y' })}`, /3 dot-separated parts, this has 2/],
  ['payload not base64url', `${seg({ alg: 'RS256' })}.a+b/.sig`, /payload is not base64url/],
  ['payload not JSON', `${seg({ alg: 'RS256' })}.${seg('not json')}.sig`, /payload is not JSON/],
  ['payload an array', `${seg({ alg: 'RS256' })}.${seg([1])}.sig`, /payload is not a JSON object/],
  ['unsigned (alg none)', jwt({ iss: 'https://i', sub: 's' }, { alg: 'none' }), /not signed/],
  ['no signature', jwt({ iss: 'https://i', sub: 's' }, undefined, ''), /no signature/],
  ['no iss', jwt({ sub: 's' }), /no "iss"/],
  ['unverified email', jwt({ iss: 'https://i', email: 'dev@example.com' }), /dev@example.com is not verified/],
  ['neither email nor sub', jwt({ iss: 'https://i', aud: 'sigstore' }), /neither an "email" nor a "sub"/],
];

for (const [name, token, message] of BAD) {
  test(`malformed token: ${name} → UsageError naming where it came from, never the token`, () => {
    assert.throws(
      () => parseIdentityToken(token, '--identity-token'),
      (e: unknown) => {
        assert.ok(e instanceof UsageError);
        assert.equal(e.code, 'INVALID_ARGUMENT');
        assert.match(e.message, /^the identity token from --identity-token is not a usable OIDC token: /);
        assert.match(e.message, message);
        if (token.length > 8) assert.ok(!e.message.includes(token));
        return true;
      },
    );
  });
}
