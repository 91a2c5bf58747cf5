import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidDebianVersion, parseDpkgStatus } from './parse-dpkg-status.js';

const names = (text: string | Buffer): string[] => parseDpkgStatus(text).packages.map((p) => p.name);

describe('parseDpkgStatus', () => {
  test('fields, Source with and without version, Installed-Size', () => {
    const { packages, warnings } = parseDpkgStatus(
      [
        'Package: libgcc-s1',
        'Status: install ok installed',
        'Installed-Size: 140',
        'Maintainer: Debian GCC Maintainers <debian-gcc@lists.debian.org>',
        'Architecture: arm64',
        'Source: gcc-12 (12.2.0-14)',
        'Version: 12.2.0-14',
        '',
        'Package: bash',
        'Status: install ok installed',
        'Architecture: amd64',
        'Version: 5.2.15-2+b2',
        'Source: bash',
        '',
      ].join('\n'),
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(packages, [
      {
        name: 'libgcc-s1',
        version: '12.2.0-14',
        arch: 'arm64',
        sourceName: 'gcc-12',
        sourceVersion: '12.2.0-14',
        maintainer: 'Debian GCC Maintainers <debian-gcc@lists.debian.org>',
        installedSize: 140,
      },
      // Source without a version: the source version is the binary version (dpkg-query ${source:Version}).
      { name: 'bash', version: '5.2.15-2+b2', arch: 'amd64', sourceName: 'bash', sourceVersion: '5.2.15-2+b2' },
    ]);
  });

  test('binNMU: Source version differs from the binary version', () => {
    const [p] = parseDpkgStatus('Package: bash\nVersion: 5.2.15-2+b2\nSource: bash (5.2.15-2)\nArchitecture: amd64\n').packages;
    assert.equal(p?.sourceVersion, '5.2.15-2');
  });

  test('status.d stanzas have no Status: installed', () => {
    assert.deepEqual(names('Package: libsqlite3-0\nVersion: 3.34.1-3\nArchitecture: arm64\n'), ['libsqlite3-0']);
  });

  const states: [string, boolean][] = [
    ['install ok installed', true],
    ['hold ok installed', true],
    ['deinstall ok installed', true], // selected for removal, still on disk
    ['install ok unpacked', true],
    ['install ok half-configured', true],
    ['install reinstreq half-installed', true],
    ['install ok triggers-pending', true],
    ['install ok triggers-awaited', true],
    ['deinstall ok config-files', false],
    ['purge ok not-installed', false],
    ['install ok not-installed', false],
  ];
  for (const [status, installed] of states) {
    test(`Status: ${status} → ${installed ? 'reported' : 'not reported'}`, () => {
      assert.deepEqual(names(`Package: p\nStatus: ${status}\nVersion: 1.0-1\nArchitecture: all\n`), installed ? ['p'] : []);
    });
  }

  test('CRLF, whitespace-only separators, continuation lines, case-insensitive field names', () => {
    const text =
      'package: a\r\nversion: 1.0\r\nDescription: first line\r\n more text\r\n .\r\n even more\r\nConffiles:\r\n /etc/a 0123\r\n' +
      ' \t \r\n' +
      'Package: b\r\nVersion: 2:3.4-5\r\nArchitecture: all\r\n';
    const { packages, warnings } = parseDpkgStatus(text);
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.arch]),
      [
        ['a', '1.0', ''],
        ['b', '2:3.4-5', 'all'],
      ],
    );
    assert.deepEqual(warnings, []);
  });

  test('malformed stanzas are skipped with warnings, good neighbours kept', () => {
    const text = [
      'Package:',
      '',
      'Package: no-version',
      'Status: install ok installed',
      '',
      'Version: 1.0',
      'Architecture: amd64',
      '',
      'Package: bad-version',
      'Version: 1:5.#',
      '',
      ' orphan continuation line',
      'not a field line',
      '',
      'Package: good',
      'Version: 1.0-1',
      'Source: good-src (not valid!)',
      '',
    ].join('\n');
    const { packages, warnings } = parseDpkgStatus(text);
    assert.deepEqual(
      packages.map((p) => [p.name, p.sourceName, p.sourceVersion]),
      [['good', 'good-src', '1.0-1']],
    );
    assert.equal(warnings.length, 6, warnings.join('\n'));
    assert.match(warnings.join('\n'), /no-version.*no Version/);
    assert.match(warnings.join('\n'), /bad-version.*invalid version/);
    assert.match(warnings.join('\n'), /good.*invalid source version/);
    assert.match(warnings.join('\n'), /2 line\(s\)/);
  });

  test('duplicate fields: the first one counts', () => {
    assert.equal(parseDpkgStatus('Package: a\nVersion: 1\nVersion: 2\n').packages[0]?.version, '1');
  });

  test('empty input and no trailing newline', () => {
    assert.deepEqual(parseDpkgStatus(''), { packages: [], warnings: [] });
    assert.deepEqual(names('Package: z\nVersion: 0.1'), ['z']);
  });

  test('binary garbage: no packages, bounded warnings, no throw', () => {
    const garbage = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    const { packages, warnings } = parseDpkgStatus(garbage);
    assert.equal(packages.length, 0);
    assert.ok(warnings.length <= 21);
  });

  test('large database: 100k stanzas parse quickly and completely', () => {
    const parts: string[] = [];
    for (let i = 0; i < 100_000; i++) parts.push(`Package: pkg${i}\nStatus: install ok installed\nVersion: 1.${i}-1\nArchitecture: amd64\nDescription: x\n ${'y'.repeat(200)}\n`);
    const started = Date.now();
    const { packages, warnings } = parseDpkgStatus(parts.join('\n'));
    assert.equal(packages.length, 100_000);
    assert.deepEqual(warnings, []);
    assert.ok(Date.now() - started < 5000);
  });

  test('many bad stanzas: warnings are capped', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `Package: p${i}\n`).join('\n');
    const { warnings } = parseDpkgStatus(text);
    assert.equal(warnings.length, 21);
    assert.match(warnings.at(-1) ?? '', /980 more/);
  });
});

describe('isValidDebianVersion (Debian Policy §5.6.12)', () => {
  const valid = ['1.0', '1:2.36-9+deb12u4', '5:20.10.7~3-0~debian-buster', '2.31.1-0.4ubuntu3.1', '1.0~rc1', '1.2.3-1-2', '1:1.2:3-1', 'a1.0', '2020a-0+deb10u1'];
  const invalid = ['', '1:5.#', 'x:1.0', ':1.0', '1.0-', '1.0 beta', '1.0-a_b', '1.0-rev:1'];
  for (const v of valid) test(`valid ${JSON.stringify(v)}`, () => assert.equal(isValidDebianVersion(v), true));
  for (const v of invalid) test(`invalid ${JSON.stringify(v)}`, () => assert.equal(isValidDebianVersion(v), false));
});
