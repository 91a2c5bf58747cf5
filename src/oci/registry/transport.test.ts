import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, isCertificateError, isNotTlsError, isRetryableNetworkError, parseRetryAfter } from './transport.js';

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  const cases: [string | undefined, number | undefined][] = [
    ['0', 0],
    ['7', 7000],
    [' 120 ', 120_000],
    ['Thu, 26 Nov 2026 12:00:30 GMT', 30_000],
    ['Thu, 26 Nov 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    [undefined, undefined],
  ];
  for (const [value, want] of cases) test(String(value), () => assert.equal(parseRetryAfter(value, now), want));
});

describe('backoffDelay', () => {
  test('doubles per attempt, half fixed and half jitter, capped', () => {
    assert.equal(backoffDelay(1, 100, 10_000, () => 0), 50);
    assert.equal(backoffDelay(1, 100, 10_000, () => 1), 100);
    assert.equal(backoffDelay(3, 100, 10_000, () => 0), 200);
    assert.equal(backoffDelay(3, 100, 10_000, () => 1), 400);
    assert.equal(backoffDelay(30, 100, 10_000, () => 1), 10_000);
    assert.equal(backoffDelay(30, 100, 10_000, () => 0), 5_000);
  });
});

describe('network error classification', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  test('undici wraps the socket error in cause', () => {
    const wrapped = Object.assign(new TypeError('fetch failed'), { cause: err('ECONNRESET') });
    assert.equal(isRetryableNetworkError(wrapped), true);
  });
  test('certificate problems are not retryable and not "not TLS"', () => {
    const e = err('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate');
    assert.equal(isCertificateError(e), true);
    assert.equal(isRetryableNetworkError(e), false);
    assert.equal(isNotTlsError(e), false);
    assert.equal(isCertificateError(err('ERR_TLS_CERT_ALTNAME_INVALID')), true);
  });
  test('a plain-HTTP server answering a ClientHello', () => {
    assert.equal(isNotTlsError(err('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number')), true);
    assert.equal(isNotTlsError(err('ERR_SSL_PACKET_LENGTH_TOO_LONG')), true);
    assert.equal(isNotTlsError(err('ENOTFOUND')), false);
  });
});
