import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import { parsePnpmLock } from './parse-pnpm-lock.js';

const ids = (r: ReturnType<typeof parsePnpmLock>) => r.packages.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}`).sort();

describe('parsePnpmLock', () => {
  test('v5: "/name/version_peer" paths, registry-prefixed paths, dev field', () => {
    const r = parsePnpmLock(
      [
        'lockfileVersion: 5.4',
        'dependencies:',
        '  acorn-jsx: 5.3.2_acorn@8.8.0',
        'packages:',
        '  /acorn/8.8.0:',
        '    resolution: {integrity: sha512-a}',
        '    dev: false',
        '  /acorn-jsx/5.3.2_acorn@8.8.0:',
        '    dependencies:',
        '      acorn: 8.8.0',
        '    dev: false',
        '  /@babel/core/7.0.0:',
        '    dev: true',
        '  registry.npmjs.org/lodash/4.17.10:',
        '    dev: false',
      ].join('\n'),
    );
    assert.deepEqual(ids(r), ['@babel/core@7.0.0 dev', 'acorn-jsx@5.3.2', 'acorn@8.8.0', 'lodash@4.17.10']);
    assert.deepEqual(r.packages.find((p) => p.name === 'acorn-jsx')!.dependsOn, ['acorn@8.8.0']);
    assert.equal(r.packages.find((p) => p.name === 'acorn')!.integrity, 'sha512-a');
  });

  test('v6: "/name@version(peer)" paths, name/version fields of tarball entries, local folders without version', () => {
    const r = parsePnpmLock(
      [
        "lockfileVersion: '6.0'",
        'packages:',
        '  /@testing-library/react@13.4.0(react@18.2.0):',
        '    dependencies:',
        '      react: 18.2.0',
        '    dev: false',
        '  /react@18.2.0:',
        '    dev: false',
        "  '@github.com/debug-js/debug/tarball/4.3.4':",
        '    resolution: {tarball: https://github.com/debug-js/debug/tarball/4.3.4}',
        '    name: debug',
        '    version: 4.3.4',
        '    dev: false',
        '  file:pkg1:',
        '    resolution: {directory: pkg1, type: directory}',
        '    dev: false',
      ].join('\n'),
    );
    assert.deepEqual(ids(r), ['@testing-library/react@13.4.0', 'debug@4.3.4', 'react@18.2.0']);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.packages.find((p) => p.name === 'debug')!.resolved, 'https://github.com/debug-js/debug/tarball/4.3.4');
  });

  test('v9: snapshots carry dependencies; dev = reached only from devDependencies; env document skipped', () => {
    const r = parsePnpmLock(
      [
        "lockfileVersion: '9.0'",
        'importers:',
        '  .:',
        '    packageManagerDependencies:',
        '      pnpm: {specifier: ^9, version: 9.0.0}',
        'packages:',
        '  pnpm@9.0.0: {}',
        '---',
        "lockfileVersion: '9.0'",
        'importers:',
        '  .:',
        '    dependencies:',
        '      a: {specifier: ^1, version: 1.0.0(p@1.0.0)}',
        '      ws: {specifier: workspace:*, version: link:packages/ws}',
        '    devDependencies:',
        '      d: {specifier: ^1, version: 1.0.0}',
        '  packages/ws:',
        '    dependencies:',
        '      alias: {specifier: npm:real@2, version: real@2.0.0}',
        'packages:',
        '  a@1.0.0: {}',
        '  p@1.0.0: {}',
        '  d@1.0.0: {}',
        '  shared@1.0.0: {}',
        '  real@2.0.0: {}',
        'snapshots:',
        '  a@1.0.0(p@1.0.0):',
        '    dependencies:',
        '      shared: 1.0.0',
        '  p@1.0.0: {}',
        '  d@1.0.0:',
        '    dependencies:',
        '      shared: 1.0.0',
        '  shared@1.0.0: {}',
        '  real@2.0.0: {}',
      ].join('\n'),
    );
    assert.deepEqual(ids(r), ['a@1.0.0', 'd@1.0.0 dev', 'p@1.0.0', 'real@2.0.0', 'shared@1.0.0']);
    assert.deepEqual(r.packages.find((p) => p.name === 'a')!.dependsOn, ['shared@1.0.0']);
  });

  test('unsupported version, broken YAML, alias bombs: typed errors', () => {
    const isAnalysis = (code: string) => (e: unknown) => e instanceof AnalysisError && e.code === code;
    assert.throws(() => parsePnpmLock("lockfileVersion: '3.0'\npackages: {}"), isAnalysis('UNSUPPORTED_FORMAT'));
    assert.throws(() => parsePnpmLock('lockfileVersion: [unclosed'), isAnalysis('MALFORMED_FILE'));
    const bomb = ["lockfileVersion: '9.0'", 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 10; i++) bomb.push(`${'bcdefghijk'[i]}: &${'bcdefghijk'[i]} [${Array(10).fill(`*${'abcdefghijk'[i]}`).join(', ')}]`);
    assert.throws(() => parsePnpmLock(bomb.join('\n')));
  });
});
