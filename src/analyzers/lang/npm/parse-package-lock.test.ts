import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import { parsePackageLock } from './parse-package-lock.js';

const ids = (r: ReturnType<typeof parsePackageLock>) => r.packages.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`).sort();

describe('parsePackageLock v2/v3', () => {
  const lock = {
    lockfileVersion: 3,
    packages: {
      '': { name: 'root', version: '1.0.0', workspaces: ['packages/*'], dependencies: { a: '^1' } },
      'node_modules/a': { version: '1.0.0', license: 'MIT', dependencies: { b: '*' }, resolved: 'https://r/a-1.0.0.tgz', integrity: 'sha512-a' },
      'node_modules/b': { version: '2.0.0', dev: true },
      'node_modules/a/node_modules/b': { version: '1.0.0' },
      'node_modules/alias': { name: 'real', version: '3.0.0', devOptional: true },
      'node_modules/@s/c': { version: '1.0.0', peer: true, dependencies: { a: '*' } },
      'node_modules/ws': { resolved: 'packages/ws', link: true },
      'packages/ws': { name: 'ws', version: '0.1.0', dependencies: { b: '*' } },
      'packages/ws/node_modules/b': { version: '3.0.0', dev: true },
      'node_modules/local': { version: 'file:../local' },
    },
  };
  const r = parsePackageLock(JSON.stringify(lock));

  test('packages under node_modules only; root, links and workspace members left out; aliases by real name', () => {
    assert.deepEqual(ids(r), ['@s/c@1.0.0', 'a@1.0.0', 'b@1.0.0', 'b@2.0.0 dev', 'b@3.0.0 dev', 'real@3.0.0']);
    assert.deepEqual(r.warnings, []);
  });

  test('dependsOn resolves the nearest node_modules first; metadata kept', () => {
    const a = r.packages.find((p) => p.name === 'a')!;
    assert.deepEqual(a.dependsOn, ['b@1.0.0']);
    assert.deepEqual([a.licenses, a.resolved, a.integrity], [['MIT'], 'https://r/a-1.0.0.tgz', 'sha512-a']);
    assert.deepEqual(r.packages.find((p) => p.name === '@s/c')!.dependsOn, ['a@1.0.0']);
  });

  test('the same version installed twice is dev only if every copy is', () => {
    const twice = parsePackageLock(
      JSON.stringify({ lockfileVersion: 2, packages: { 'node_modules/x': { version: '1.0.0', dev: true }, 'node_modules/y/node_modules/x': { version: '1.0.0' } } }),
    );
    assert.deepEqual(ids(twice), ['x@1.0.0']);
  });
});

describe('parsePackageLock v1', () => {
  test('nested tree, requires resolved in the own scope first, dev inherited, npm: aliases', () => {
    const r = parsePackageLock(
      JSON.stringify({
        lockfileVersion: 1,
        dependencies: {
          a: { version: '1.0.0', requires: { b: '^1', c: '*' }, dependencies: { b: { version: '1.5.0' } } },
          b: { version: '2.0.0' },
          c: { version: 'npm:real-c@3.0.0' },
          d: { version: '1.0.0', dev: true, dependencies: { e: { version: '1.0.0' } } },
          f: { version: 'file:../f' },
        },
      }),
    );
    assert.deepEqual(ids(r), ['a@1.0.0', 'b@1.5.0', 'b@2.0.0', 'd@1.0.0 dev', 'e@1.0.0 dev', 'real-c@3.0.0']);
    assert.deepEqual(r.packages.find((p) => p.name === 'a')!.dependsOn, ['b@1.5.0', 'real-c@3.0.0']);
  });

  test('unsupported or broken documents', () => {
    assert.throws(() => parsePackageLock('[1]'), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE');
    assert.throws(() => parsePackageLock('{"lockfileVersion": "x"}'), (e: unknown) => e instanceof AnalysisError && e.code === 'UNSUPPORTED_FORMAT');
    assert.deepEqual(parsePackageLock('{"lockfileVersion": 3}').packages, []);
  });
});
