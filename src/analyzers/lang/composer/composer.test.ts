import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError, type FileEntry } from '../../../core/index.js';
import { analyzer, composerPurl, parseComposerInstalled, parseComposerLock } from './index.js';
import { licenseExpression } from './parse-composer.js';

const file = (path: string, content: string): FileEntry => ({ path, size: content.length, mode: 0o100644, content: Buffer.from(content) });

const pkg = (name: string, version: string, extra: Record<string, unknown> = {}) => ({ name, version, ...extra });

describe('composer parsers', () => {
  test('installed.json v1 (array): no dev information', () => {
    const r = parseComposerInstalled(JSON.stringify([pkg('Behat/Mink', 'v1.8.1', { license: 'MIT', type: 'library' })]));
    assert.deepEqual(r.packages, [{ name: 'behat/mink', version: 'v1.8.1', licenses: ['MIT'], type: 'library', require: [] }]);
  });

  test('installed.json v2: dev-package-names flags dev; platform requirements are not dependencies', () => {
    const doc = {
      packages: [
        pkg('a/a', '1.0.0', { require: { php: '>=8', 'ext-json': '*', 'b/b': '^2', 'composer-plugin-api': '^2' } }),
        pkg('b/b', '2.0.0', { license: ['MIT', 'GPL-2.0-only'] }),
      ],
      dev: true,
      'dev-package-names': ['b/b'],
    };
    const r = parseComposerInstalled(JSON.stringify(doc));
    assert.deepEqual(
      r.packages.map((p) => [p.name, p.dev, p.require, p.licenses]),
      [
        ['a/a', false, ['b/b'], []],
        ['b/b', true, [], ['MIT', 'GPL-2.0-only']],
      ],
    );
  });

  test('composer.lock: packages and packages-dev', () => {
    const r = parseComposerLock(JSON.stringify({ packages: [pkg('a/a', '1.0.0')], 'packages-dev': [pkg('c/c', 'dev-main')] }));
    assert.deepEqual(r.packages.map((p) => [p.name, p.version, p.dev]), [
      ['a/a', '1.0.0', false],
      ['c/c', 'dev-main', true],
    ]);
  });

  test('entries without name or version are skipped with a warning', () => {
    const r = parseComposerLock(JSON.stringify({ packages: [{ version: '1' }, pkg('a/a', ''), 42, pkg('ok/ok', '1')], 'packages-dev': 'nope' }));
    assert.deepEqual(r.packages.map((p) => p.name), ['ok/ok']);
    assert.equal(r.warnings.length, 4);
  });

  test('invalid JSON, wrong top-level types: MALFORMED_FILE; deep nesting: a warning', () => {
    const malformed = (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE';
    assert.throws(() => parseComposerLock('{"packages": ['), malformed);
    assert.throws(() => parseComposerLock('[]'), malformed);
    assert.throws(() => parseComposerInstalled('"x"'), malformed);
    // A deeply nested document neither crashes nor recurses in our code: the inner arrays are just not packages.
    const deep = parseComposerInstalled(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    assert.deepEqual(deep, { packages: [], warnings: ['packages[0] is not an object; ignored'] });
  });
});

describe('licenseExpression', () => {
  const cases: [string, string][] = [
    ['MIT', 'MIT'],
    [' BSD-3-Clause ', 'BSD-3-Clause'],
    ['MIT or BSD-2-Clause', 'MIT OR BSD-2-Clause'],
    ['(LGPL-2.1-only or GPL-3.0-or-later)', 'LGPL-2.1-only OR GPL-3.0-or-later'],
    ['Apache-2.0 and MIT', 'Apache-2.0 AND MIT'],
    ['proprietary', 'proprietary'],
    ['Oracle', 'Oracle'],
  ];
  for (const [input, want] of cases) test(JSON.stringify(input), () => assert.equal(licenseExpression(input), want));
});

describe('composer analyzer', () => {
  test('required', () => {
    for (const p of ['app/vendor/composer/installed.json', 'vendor/composer/installed.json', 'app/composer.lock', 'composer.lock'])
      assert.ok(analyzer.required(p), p);
    for (const p of ['app/vendor/composer/installed.php', 'app/myvendor/composer/installed.json', 'app/vendor/guzzle/guzzle/composer.lock', 'app/composer.json'])
      assert.ok(!analyzer.required(p), p);
  });

  test('purl: vendor is the namespace, version as written', () => {
    assert.equal(composerPurl('behat/mink', 'v1.8.1'), 'pkg:composer/behat/mink@v1.8.1');
  });

  test('dependsOn lists required packages present in the same file', async () => {
    const lock = { packages: [pkg('a/a', '1.0.0', { require: { 'b/b': '^2', 'x/missing': '*' }, type: 'library' }), pkg('b/b', '2.0.0')], 'packages-dev': [pkg('d/d', '1')] };
    const fact = (await analyzer.analyze(file('app/composer.lock', JSON.stringify(lock))))!;
    const out = analyzer.merge({ final: [{ path: 'app/composer.lock', layer: 0, fact }], history: [{ path: 'app/composer.lock', layer: 0, fact }] });
    const a = out.packages!.find((p) => p.name === 'a/a')!;
    assert.deepEqual(a.dependsOn, ['pkg:composer/b/b@2.0.0']);
    assert.deepEqual(a.metadata, { kind: 'composer', packageType: 'library' });
    assert.equal(a.evidence, 'declared');
    assert.equal(a.dev, undefined);
    assert.equal(out.packages!.find((p) => p.name === 'd/d')!.dev, true);
  });
});
