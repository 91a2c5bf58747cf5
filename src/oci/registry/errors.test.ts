import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { RegistryError } from '../../core/index.js';
import { classify, errorFromResponse, isNotFound, parseErrorBody } from './errors.js';

// Error codes from the distribution spec (spec.md "Error Codes") and bodies as distribution 2.8 sends them.
describe('registry error bodies', () => {
  const cases: [number, string, RegistryError['code']][] = [
    [404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}', 'MANIFEST_UNKNOWN'],
    [404, '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}', 'BLOB_UNKNOWN'],
    [404, '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}', 'NOT_FOUND'],
    [403, '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}', 'DENIED'],
    [401, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', 'UNAUTHORIZED'],
    [429, '{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}', 'TOO_MANY_REQUESTS'],
    [400, '{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"}]}', 'PROTOCOL'],
    [404, '404 page not found', 'NOT_FOUND'],
    [502, '<html>bad gateway</html>', 'SERVER_ERROR'],
    [403, '', 'DENIED'],
  ];
  for (const [status, body, want] of cases) {
    test(`${status} ${body.slice(0, 40)}`, async () => {
      assert.equal(classify(status, parseErrorBody(Buffer.from(body))), want);
      const e = await errorFromResponse({ status, headers: {}, body: Readable.from([Buffer.from(body)]), url: 'https://r/v2/' }, 'cannot fetch x');
      assert.equal(e.code, want);
      assert.equal(e.status, status);
      assert.match(e.message, /^cannot fetch x: HTTP \d+/);
    });
  }
  test('isNotFound', () => {
    assert.equal(isNotFound(new RegistryError('MANIFEST_UNKNOWN', 'x')), true);
    assert.equal(isNotFound(new RegistryError('DENIED', 'x')), false);
    assert.equal(isNotFound(new Error('x')), false);
  });
  test('malformed entries are skipped', () => {
    assert.deepEqual(parseErrorBody(Buffer.from('{"errors":[null,{"code":5},{"code":"DENIED"}]}')), [{ code: 'DENIED' }]);
    assert.deepEqual(parseErrorBody(Buffer.from('{"errors":"x"}')), []);
  });
});
