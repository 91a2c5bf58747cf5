import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzer, isInstalledPackageJson, lockFormatOf, npmPurl } from './index.js';
import { resolveNodeModule } from './lock-record.js';

describe('npm analyzer paths', () => {
  const installed: [string, boolean][] = [
    ['node_modules/a/package.json', true],
    ['app/node_modules/@babel/parser/package.json', true],
    ['usr/lib/node_modules/npm/node_modules/semver/package.json', true],
    ['app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json', true],
    ['package.json', false],
    ['app/package.json', false],
    ['node_modules/a/lib/package.json', false],
    ['node_modules/@scope/package.json', false],
    ['node_modules/.pnpm/package.json', false],
    ['xnode_modules/a/package.json', false],
    ['node_modules/a/package.jsonx', false],
  ];
  for (const [path, want] of installed) test(`installed ${path} → ${want}`, () => assert.equal(isInstalledPackageJson(path), want));

  const locks: [string, string | undefined][] = [
    ['package-lock.json', 'package-lock'],
    ['app/npm-shrinkwrap.json', 'package-lock'],
    ['app/yarn.lock', 'yarn'],
    ['srv/pnpm-lock.yaml', 'pnpm'],
    ['app/node_modules/x/package-lock.json', undefined],
    ['node_modules/.package-lock.json', undefined],
    ['app/my-yarn.lock', undefined],
  ];
  for (const [path, want] of locks) test(`lockfile ${path} → ${want}`, () => assert.equal(lockFormatOf(path), want));

  test('required() combines both', () => {
    assert.equal(analyzer.required('a/node_modules/b/package.json'), true);
    assert.equal(analyzer.required('a/yarn.lock'), true);
    assert.equal(analyzer.required('a/b/c.js'), false);
  });
});

test('npmPurl: scope as namespace (purl spec PURL-TYPES npm)', () => {
  assert.equal(npmPurl('@types/node', '20.1.0'), 'pkg:npm/%40types/node@20.1.0');
  assert.equal(npmPurl('lodash', '4.17.21'), 'pkg:npm/lodash@4.17.21');
});

test('resolveNodeModule: nearest node_modules first, then each ancestor', () => {
  const have = new Set(['node_modules/b', 'app/node_modules/b', 'app/node_modules/a/node_modules/c']);
  const exists = (p: string) => have.has(p);
  assert.equal(resolveNodeModule('app/node_modules/a', 'c', exists), 'app/node_modules/a/node_modules/c');
  assert.equal(resolveNodeModule('app/node_modules/a', 'b', exists), 'app/node_modules/b');
  assert.equal(resolveNodeModule('other/node_modules/@s/x', 'b', exists), 'node_modules/b');
  assert.equal(resolveNodeModule('app/node_modules/a', 'zzz', exists), undefined);
});

test('lockfiles inside Debian node module directories are not projects', () => {
  assert.equal(lockFormatOf('usr/share/nodejs/postcss/pnpm-lock.yaml'), undefined);
  assert.equal(lockFormatOf('usr/lib/nodejs/foo/package-lock.json'), undefined);
  assert.equal(lockFormatOf('srv/app/pnpm-lock.yaml'), 'pnpm');
});
