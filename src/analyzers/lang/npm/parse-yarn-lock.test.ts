import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import { parseYarnLock } from './parse-yarn-lock.js';

const ids = (r: ReturnType<typeof parseYarnLock>) => r.packages.map((p) => `${p.name}@${p.version}`).sort();

describe('parseYarnLock classic (v1)', () => {
  const text = [
    '# yarn lockfile v1',
    '',
    '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":',
    '  version "7.10.4"',
    '  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.10.4.tgz#abc"',
    '  integrity sha512-xyz',
    '  dependencies:',
    '    "@babel/highlight" "^7.10.4"',
    '    missing "^1"',
    '',
    '"@babel/highlight@^7.10.4":',
    '  version "7.10.4"',
    '',
    'foo-debug@npm:debug@^4.3:',
    '  version "4.3.4"',
    '',
    'polyfill@^1.5.1:',
    '  version "1.5.2"',
    '  resolved "https://registry.example/@4lolo%2fresize-observer-polyfill/-/resize-observer-polyfill-1.5.2.tgz"',
    '',
    '"should-type@https://github.com/shouldjs/type.git#1.3.0":',
    '  version "1.3.0"',
    '',
    '"local@file:vendor/local.tgz":',
    '  version "0.0.1"',
    '',
    '"ws@link:./ws":',
    '  version "0.0.0"',
    '',
    '"jquery@^3.6.0":',
    '  "version" "3.6.0"',
    '',
  ].join('\r\n');
  const r = parseYarnLock(text);

  test('entries, aliases by real name (key or tarball URL), remote kept, local left out', () => {
    assert.deepEqual(ids(r), ['@4lolo/resize-observer-polyfill@1.5.2', '@babel/code-frame@7.10.4', '@babel/highlight@7.10.4', 'debug@4.3.4', 'jquery@3.6.0', 'should-type@1.3.0']);
    assert.deepEqual(r.warnings, []);
  });

  test('dependencies resolved through the descriptors; resolved and integrity kept', () => {
    const cf = r.packages.find((p) => p.name === '@babel/code-frame')!;
    assert.deepEqual(cf.dependsOn, ['@babel/highlight@7.10.4']);
    assert.equal(cf.integrity, 'sha512-xyz');
  });

  test('unknown protocol and garbage lines: warnings, no crash', () => {
    const bad = parseYarnLock('asap@unsupported:~2.0.6:\n  version "2.0.6"\n\nnot a key line\n  version\n');
    assert.deepEqual(bad.packages, []);
    assert.equal(bad.warnings.length, 2);
  });
});

describe('parseYarnLock berry (v2+)', () => {
  const text = [
    '__metadata:',
    '  version: 6',
    '',
    '"debug@npm:^4.1.0, debug@npm:^4.3.4":',
    '  version: 4.3.4',
    '  resolution: "debug@npm:4.3.4"',
    '  dependencies:',
    '    ms: 2.1.2',
    '',
    '"ms@npm:2.1.2":',
    '  version: 2.1.2',
    '  resolution: "ms@npm:2.1.2"',
    '',
    '"ms@npm:2.1.2":',
    '  version: 2.1.2',
    '  resolution: "ms@npm:2.1.2"',
    '',
    '"alias@npm:real@1.10":',
    '  version: 1.10',
    '  resolution: "real@npm:1.10"',
    '',
    '"resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>":',
    '  version: 1.22.1',
    '  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1&hash=07638b"',
    '',
    '"app@workspace:.":',
    '  version: 0.0.0-use.local',
    '  resolution: "app@workspace:."',
    '',
  ].join('\n');

  test('npm entries (duplicates tolerated, versions kept as strings), workspace and patch left out', () => {
    const r = parseYarnLock(text);
    assert.deepEqual(ids(r), ['debug@4.3.4', 'ms@2.1.2', 'real@1.10']);
    assert.deepEqual(r.packages.find((p) => p.name === 'debug')!.dependsOn, ['ms@2.1.2']);
  });

  test('broken YAML is a typed error', () => {
    assert.throws(() => parseYarnLock('__metadata:\n  version: 6\n"x": ['), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE');
  });
});
