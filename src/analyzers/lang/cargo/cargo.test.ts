/**
 * Unit tests of the Cargo parsers: dependency references, lockfile versions (v1 `[metadata]` checksums and `[root]`,
 * v3/v4), cargo-auditable data, and file selection. Pipeline tests: test/integration/lang-cargo.test.ts.
 */
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { buildElf } from '../../../../test/support/elf-builder.js';
import { analyzer, cargoPurl, parseAuditableData, parseCargoLock, parseDependencyRef, readAuditableSection } from './index.js';

describe('parseDependencyRef', () => {
  const cases: [string, ReturnType<typeof parseDependencyRef>][] = [
    ['memchr', { name: 'memchr' }],
    ['memchr 2.5.0', { name: 'memchr', version: '2.5.0' }],
    [
      'libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)',
      { name: 'libc', version: '0.2.54', source: 'registry+https://github.com/rust-lang/crates.io-index' },
    ],
    ['', undefined],
    ['a b c', undefined],
  ];
  for (const [ref, want] of cases) test(JSON.stringify(ref), () => assert.deepEqual(parseDependencyRef(ref), want));
});

describe('parseCargoLock', () => {
  test('v1: [root], [metadata] checksums, full references', () => {
    const lock = parseCargoLock(
      '[root]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n "libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)",\n]\n\n' +
        '[[package]]\nname = "libc"\nversion = "0.2.54"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n' +
        '[metadata]\n"checksum libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)" = "c6785aa7"\n',
    );
    assert.equal(lock.version, 1);
    assert.deepEqual(lock.packages, [
      { name: 'app', version: '0.1.0', dependencies: [1] },
      { name: 'libc', version: '0.2.54', source: 'registry+https://github.com/rust-lang/crates.io-index', checksum: 'c6785aa7', dependencies: [] },
    ]);
    assert.deepEqual(lock.warnings, []);
  });
  test('v4: short and disambiguated references, path crates, entries without a version', () => {
    const lock = parseCargoLock(
      'version = 4\n\n[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = ["b 1.0.0", "b 2.0.0", "c"]\n\n' +
        '[[package]]\nname = "b"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n' +
        '[[package]]\nname = "b"\nversion = "2.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n' +
        '[[package]]\nname = "c"\nversion = "0.1.0"\n\n[[package]]\nname = "noversion"\n',
    );
    assert.equal(lock.version, 4);
    assert.deepEqual(lock.packages.map((p) => [p.name, p.version, p.dependencies]), [
      ['a', '1.0.0', [1, 2, 3]],
      ['b', '1.0.0', []],
      ['b', '2.0.0', []],
      ['c', '0.1.0', []],
    ]);
    assert.deepEqual(lock.warnings, ['package entry 5 has no name or version; skipped']);
  });
  test('invalid TOML is a typed error', () => {
    assert.throws(() => parseCargoLock('[[package]\n'), { code: 'MALFORMED_FILE' });
  });
});

describe('cargo auditable data', () => {
  test('indices are validated and renumbered over the kept entries', () => {
    const data = deflateSync(
      JSON.stringify({ packages: [{ name: 'x' }, { name: 'a', version: '1.0.0', dependencies: [2, 0, 9] }, { name: 'b', version: '2.0.0', kind: 'build', root: true }] }),
    );
    const { packages, warnings } = parseAuditableData(data);
    assert.deepEqual(packages, [
      { name: 'a', version: '1.0.0', kind: 'runtime', dependencies: [1], root: false },
      { name: 'b', version: '2.0.0', kind: 'build', dependencies: [], root: true },
    ]);
    assert.deepEqual(warnings, ['package 0 has no name or version; skipped', 'a 1.0.0: 2 dependency indices do not name a package']);
  });
  test('section lookup: present, absent, not an executable', () => {
    const payload = Buffer.from('payload');
    assert.deepEqual(readAuditableSection(buildElf([{ name: '.dep-v0', data: payload }])), payload);
    assert.equal(readAuditableSection(buildElf([{ name: '.text', data: payload, addr: 0x1000 }])), undefined);
    assert.equal(readAuditableSection(Buffer.alloc(100)), undefined);
  });
});

test('purls and file selection', () => {
  assert.equal(cargoPurl('aho-corasick', '1.1.3'), 'pkg:cargo/aho-corasick@1.1.3');
  assert.equal(analyzer.required('Cargo.lock'), true);
  assert.equal(analyzer.required('src/app/Cargo.lock'), true);
  assert.equal(analyzer.required('src/app/NotCargo.lock'), false);
  assert.equal(analyzer.required('usr/bin/rg', { mode: 0o100755, size: 5_000_000 }), true);
  assert.equal(analyzer.required('usr/lib/libx.so', { mode: 0o100644, size: 5_000_000 }), false);
  assert.equal(analyzer.required('usr/bin/rg'), false);
});
