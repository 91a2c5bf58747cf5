import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGemfileLock } from './parse-gemfile-lock.js';

const LOCK = [
  'GIT',
  '  remote: https://github.com/rails/turbolinks.git',
  '  revision: 80216ce9d89920bf073709405e3fce6d0a3ccd9a',
  '  specs:',
  '    turbolinks (3.0.0)',
  '      coffee-rails',
  '',
  'PATH',
  '  remote: .',
  '  specs:',
  '    myapp (0.1.0)',
  '      nokogiri (~> 1.15)',
  '',
  'GEM',
  '  remote: https://rubygems.org/',
  '  specs:',
  '    nokogiri (1.15.4-x86_64-linux)',
  '      racc (~> 1.4)',
  '    nokogiri (1.15.4-arm64-darwin)',
  '      racc (~> 1.4)',
  '    racc (1.7.1)',
  '    coffee-rails (4.0.1)',
  '      railties (>= 4.0.0, < 5.0)',
  '',
  'BAD-SECTION',
  '    bad-entry (5.5.5)',
  '',
  'PLATFORMS',
  '  arm64-darwin',
  '  x86_64-linux',
  '',
  'DEPENDENCIES',
  '  myapp!',
  '  turbolinks!',
  '  nokogiri (~> 1.15)',
  '',
  'CHECKSUMS',
  '  racc (1.7.1) sha256=abc',
  '',
  'RUBY VERSION',
  '   ruby 3.2.2p53',
  '',
  'BUNDLED WITH',
  '   2.4.19',
  '',
].join('\r\n');

describe('parseGemfileLock', () => {
  const lock = parseGemfileLock(LOCK);

  test('specs of GEM, GIT and PATH sections, nothing from unknown sections or CHECKSUMS', () => {
    assert.deepEqual(
      lock.specs.map((s) => [s.source, s.name, s.version, s.platform ?? '']),
      [
        ['GIT', 'turbolinks', '3.0.0', ''],
        ['PATH', 'myapp', '0.1.0', ''],
        ['GEM', 'nokogiri', '1.15.4', 'x86_64-linux'],
        ['GEM', 'nokogiri', '1.15.4', 'arm64-darwin'],
        ['GEM', 'racc', '1.7.1', ''],
        ['GEM', 'coffee-rails', '4.0.1', ''],
      ],
    );
  });

  test('remote and nested dependencies', () => {
    assert.equal(lock.specs[0]!.remote, 'https://github.com/rails/turbolinks.git');
    assert.deepEqual(lock.specs[0]!.dependencies, ['coffee-rails']);
    assert.deepEqual(lock.specs[5]!.dependencies, ['railties']);
  });

  test('DEPENDENCIES (with ! removed), PLATFORMS, RUBY VERSION, BUNDLED WITH', () => {
    assert.deepEqual(lock.direct, ['myapp', 'turbolinks', 'nokogiri']);
    assert.deepEqual(lock.platforms, ['arm64-darwin', 'x86_64-linux']);
    assert.equal(lock.rubyVersion, 'ruby 3.2.2p53');
    assert.equal(lock.bundledWith, '2.4.19');
    assert.deepEqual(lock.warnings, []);
  });

  test('malformed spec lines are warned about, capped', () => {
    const bad = `GEM\n  specs:\n${'    broken line here\n'.repeat(50)}    ok (1.0)\n`;
    const r = parseGemfileLock(bad);
    assert.deepEqual(r.specs.map((s) => s.name), ['ok']);
    assert.equal(r.warnings.length, 21);
    assert.match(r.warnings[0]!, /line 3: cannot read gem spec/);
  });

  test('not a lockfile: nothing, no crash', () => {
    assert.deepEqual(parseGemfileLock('\u0000\u0001binary').specs, []);
    assert.deepEqual(parseGemfileLock('').specs, []);
  });

  test('one gem with 200k dependency lines stays linear', () => {
    const t0 = Date.now();
    const r = parseGemfileLock(`GEM\n  specs:\n    a (1.0)\n${Array.from({ length: 200_000 }, (_, i) => `      d${i % 1000} (>= 0)\n`).join('')}`);
    assert.equal(r.specs[0]!.dependencies.length, 1000);
    assert.ok(Date.now() - t0 < 3000);
  });
});
