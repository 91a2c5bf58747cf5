import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../core/index.js';
import { configKeyHost, credentialsFromAuths, helperServerUrl } from './credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('docker config.json auths', () => {
  test('key normalisation (docker/cli convertToHostname)', () => {
    assert.equal(configKeyHost('https://index.docker.io/v1/'), 'index.docker.io');
    assert.equal(configKeyHost('http://Registry.Example:5000/v2/'), 'registry.example:5000');
    assert.equal(configKeyHost('127.0.0.1:5000'), '127.0.0.1:5000');
  });
  test('Docker Hub uses the legacy index key', () => {
    const config = { auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') } } };
    assert.deepEqual(credentialsFromAuths(config, 'docker.io'), { username: 'hubuser', password: 'hubpass' });
    assert.equal(helperServerUrl('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(helperServerUrl('ghcr.io'), 'ghcr.io');
  });
  test('a password may contain colons', () => {
    assert.deepEqual(credentialsFromAuths({ auths: { 'r.example': { auth: b64('u:p:a:ss') } } }, 'r.example'), { username: 'u', password: 'p:a:ss' });
  });
  test('exact key wins over a normalised one', () => {
    const config = { auths: { 'https://r.example/v1/': { auth: b64('a:1') }, 'r.example': { auth: b64('b:2') } } };
    assert.deepEqual(credentialsFromAuths(config, 'r.example'), { username: 'b', password: '2' });
  });
  test('username/password fields and identity tokens', () => {
    assert.deepEqual(credentialsFromAuths({ auths: { 'r.example': { username: 'x', password: 'y' } } }, 'r.example'), { username: 'x', password: 'y' });
    assert.deepEqual(credentialsFromAuths({ auths: { 'r.example': { auth: b64('<token>:'), identitytoken: 'refresh' } } }, 'r.example'), {
      username: '<token>',
      password: '',
      identityToken: 'refresh',
    });
  });
  test('no entry, empty entry, other registry', () => {
    assert.equal(credentialsFromAuths({}, 'r.example'), undefined);
    assert.equal(credentialsFromAuths({ auths: { 'r.example': {} } }, 'r.example'), undefined);
    assert.equal(credentialsFromAuths({ auths: { 'other.example': { auth: b64('a:b') } } }, 'r.example'), undefined);
    assert.equal(credentialsFromAuths({ auths: { 'r.example:5000': { auth: b64('a:b') } } }, 'r.example'), undefined);
  });
  test('an auth value without a colon is a config error', () => {
    assert.throws(() => credentialsFromAuths({ auths: { 'r.example': { auth: b64('nocolon') } } }, 'r.example'), UsageError);
  });
});
