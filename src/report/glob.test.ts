import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../core/index.js';
import { globToRegExp } from './glob.js';

// Cases follow doublestar's documented semantics (github.com/bmatcuk/doublestar README, "Patterns").
const cases: [pattern: string, path: string, matches: boolean][] = [
  ['usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA', 'usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA', true],
  ['/usr/lib/x', 'usr/lib/x', true],
  ['usr/*/x', 'usr/lib/x', true],
  ['usr/*/x', 'usr/lib/a/x', false],
  ['usr/**/x', 'usr/x', true],
  ['usr/**/x', 'usr/lib/a/x', true],
  ['**/package-lock.json', 'package-lock.json', true],
  ['**/package-lock.json', 'app/web/package-lock.json', true],
  ['**/package-lock.json', 'app/web/package-lock.json.bak', false],
  ['app/**', 'app/node_modules/minimist/package.json', true],
  ['app/**', 'application/x', false],
  ['*.jar', 'lib/a.jar', false],
  ['lib/?.jar', 'lib/a.jar', true],
  ['lib/?.jar', 'lib/ab.jar', false],
  ['lib/[ab].jar', 'lib/b.jar', true],
  ['lib/[!ab].jar', 'lib/b.jar', false],
  ['lib/[a-c].jar', 'lib/c.jar', true],
  ['{app,srv}/package.json', 'srv/package.json', true],
  ['{app,srv}/package.json', 'opt/package.json', false],
  ['a.b', 'axb', false],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'axb', false],
];

test('doublestar patterns', () => {
  for (const [pattern, p, expected] of cases) assert.equal(globToRegExp(pattern, 'test').test(p), expected, `${pattern} ~ ${p}`);
});

test('malformed patterns are configuration errors naming where', () => {
  for (const bad of ['lib/[ab.jar', '{a,b/x', 'trailing\\']) {
    assert.throws(
      () => globToRegExp(bad, '.trivyignore.yaml: vulnerabilities[0]'),
      (e: unknown) => e instanceof UsageError && e.code === 'INVALID_CONFIG' && e.message.startsWith('.trivyignore.yaml: vulnerabilities[0]'),
      bad,
    );
  }
});
