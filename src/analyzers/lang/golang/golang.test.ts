/**
 * Unit tests of the Go parsers: build info in both header formats (synthetic ELF files: Go < 1.18 cannot be run
 * here to produce the pointer format), the modinfo text, -ldflags version stamps (Trivy's rules), go.mod, go.sum
 * and version order. Whole-pipeline and real-binary tests: test/integration/lang-golang.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildElf } from '../../../../test/support/elf-builder.js';
import { analyzer, compareGoVersions, goPurl, ldflagsVersion, parseGoMod, parseGoSum, parseModInfo, readGoBuildInfo } from './index.js';

const START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const MODINFO = 'path\texample.com/cmd/x\nmod\texample.com\t(devel)\t\ndep\tgolang.org/x/sys\tv0.15.0\th1:abc=\ndep\tgithub.com/old/mod\tv1.0.0\th1:old=\n=>\tgithub.com/new/mod\tv1.2.0\th1:new=\nbuild\t-ldflags="-X \'main.version=2.3.4\'"\nbuild\tCGO_ENABLED=0\n';
const wrapped = Buffer.concat([START, Buffer.from(MODINFO), END]);

function header(ptrSize: number, flags: number): Buffer {
  const h = Buffer.alloc(32);
  h.write('\xff Go buildinf:', 0, 'latin1');
  h[14] = ptrSize;
  h[15] = flags;
  return h;
}

/** Pointer format (Go 1.13–1.17): pointers to string headers in a data segment. */
function pointerElf(bits: 32 | 64, bigEndian: boolean, withSections = true): Buffer {
  const ptr = bits / 8;
  const base = 0x600000;
  const vers = Buffer.from('go1.16.15');
  // data segment: [versHdr][modHdr][vers bytes][modinfo bytes]
  const data = Buffer.alloc(4 * ptr + vers.length + wrapped.length);
  const put = (buf: Buffer, off: number, v: number): void => {
    if (ptr === 4) {
      if (bigEndian) buf.writeUInt32BE(v, off);
      else buf.writeUInt32LE(v, off);
    } else if (bigEndian) buf.writeBigUInt64BE(BigInt(v), off);
    else buf.writeBigUInt64LE(BigInt(v), off);
  };
  put(data, 0, base + 4 * ptr);
  put(data, ptr, vers.length);
  put(data, 2 * ptr, base + 4 * ptr + vers.length);
  put(data, 3 * ptr, wrapped.length);
  vers.copy(data, 4 * ptr);
  wrapped.copy(data, 4 * ptr + vers.length);
  const h = header(ptr, bigEndian ? 1 : 0);
  put(h, 16, base);
  put(h, 16 + ptr, base + 2 * ptr);
  return buildElf(
    [
      { name: '.text', data: Buffer.alloc(4096, 0xcc), addr: 0x401000, flags: 5 },
      { name: '.go.buildinfo', data: h, addr: 0x500000 },
      { name: '.data', data, addr: base },
    ],
    { bits, bigEndian, noSectionHeaders: !withSections },
  );
}

describe('readGoBuildInfo', () => {
  test('inline format (Go ≥ 1.18)', () => {
    const elf = buildElf([
      { name: '.text', data: Buffer.alloc(4096), addr: 0x401000, flags: 5 },
      { name: '.go.buildinfo', data: Buffer.concat([header(8, 2), Buffer.from([9]), Buffer.from('go1.21.5 '), Buffer.from([wrapped.length & 0x7f | 0x80, wrapped.length >> 7]), wrapped]), addr: 0x500000 },
    ]);
    assert.deepEqual(readGoBuildInfo(elf), { goVersion: 'go1.21.5 ', modinfo: MODINFO, format: 'inline' });
  });
  for (const [bits, be] of [[64, false], [64, true], [32, false], [32, true]] as const) {
    test(`pointer format (Go 1.13–1.17), ELF${bits} ${be ? 'big' : 'little'}-endian`, () => {
      assert.deepEqual(readGoBuildInfo(pointerElf(bits, be)), { goVersion: 'go1.16.15', modinfo: MODINFO, format: 'pointer' });
    });
  }
  test('without section headers: found in the first writable segment, as Go does', () => {
    assert.equal(readGoBuildInfo(pointerElf(64, false, false))?.goVersion, 'go1.16.15');
  });
  test('modinfo without valid sentinels is dropped, as runtime/debug does', () => {
    const elf = buildElf([
      { name: '.text', data: Buffer.alloc(4096), addr: 0x401000, flags: 5 },
      { name: '.go.buildinfo', data: Buffer.concat([header(8, 2), Buffer.from([8]), Buffer.from('go1.20.1'), Buffer.from([5]), Buffer.from('hello')]), addr: 0x500000 },
    ]);
    assert.deepEqual(readGoBuildInfo(elf), { goVersion: 'go1.20.1', modinfo: '', format: 'inline' });
  });
  test('not Go, not an executable', () => {
    assert.equal(readGoBuildInfo(buildElf([{ name: '.text', data: Buffer.alloc(4096), addr: 0x401000 }])), undefined);
    assert.equal(readGoBuildInfo(Buffer.from('#!/bin/sh\necho hello\n'.repeat(10))), undefined);
  });
  test('a .go.buildinfo section without the magic is reported', () => {
    const elf = buildElf([{ name: '.go.buildinfo', data: Buffer.alloc(64), addr: 0x500000 }]);
    assert.throws(() => readGoBuildInfo(elf), { code: 'MALFORMED_FILE', message: /does not start with the build-info magic/ });
  });
  test('a bad pointer size is reported', () => {
    const elf = buildElf([{ name: '.go.buildinfo', data: header(3, 0), addr: 0x500000 }]);
    assert.throws(() => readGoBuildInfo(elf), { code: 'MALFORMED_FILE', message: /pointer size 3/ });
  });
});

describe('parseModInfo', () => {
  test('path, main module, dependencies, replacements and quoted build settings', () => {
    const info = parseModInfo(MODINFO);
    assert.equal(info.path, 'example.com/cmd/x');
    assert.deepEqual(info.main, { path: 'example.com', version: '(devel)' });
    assert.deepEqual(info.deps, [
      { path: 'golang.org/x/sys', version: 'v0.15.0', sum: 'h1:abc=' },
      { path: 'github.com/old/mod', version: 'v1.0.0', sum: 'h1:old=', replace: { path: 'github.com/new/mod', version: 'v1.2.0', sum: 'h1:new=' } },
    ]);
    assert.deepEqual(info.settings, [
      ['-ldflags', "-X 'main.version=2.3.4'"],
      ['CGO_ENABLED', '0'],
    ]);
    assert.deepEqual(info.warnings, []);
  });
  test('malformed lines are warnings', () => {
    const info = parseModInfo('=>\tx\tv1\ndep\tonly-path\nweird\tline\nbuild\tnoequals\n');
    assert.deepEqual(info.deps, []);
    assert.equal(info.warnings.length, 4);
  });
});

describe('analyze: binaries', () => {
  test('stdlib, replacement reported with the original in metadata, main version from -ldflags', () => {
    const elf = pointerElf(64, false);
    const fact = analyzer.analyze({ path: 'usr/bin/x', size: elf.length, mode: 0o755, content: elf });
    assert.ok(fact && !(fact instanceof Promise) && fact.source === 'binary');
    assert.deepEqual(fact.packages, [
      { name: 'stdlib', version: 'v1.16.15', purl: 'pkg:golang/stdlib@v1.16.15' },
      { name: 'golang.org/x/sys', version: 'v0.15.0', purl: 'pkg:golang/golang.org/x/sys@v0.15.0', sum: 'h1:abc=' },
      { name: 'github.com/new/mod', version: 'v1.2.0', purl: 'pkg:golang/github.com/new/mod@v1.2.0', sum: 'h1:new=', replaces: { path: 'github.com/old/mod', version: 'v1.0.0' } },
      { name: 'example.com', version: '2.3.4', purl: 'pkg:golang/example.com@2.3.4', main: true },
    ]);
  });
});

describe('ldflagsVersion (Trivy rules)', () => {
  const cases: [string, string, string | undefined][] = [
    ['-s -w -X main.version=1.2.3', 'example.com/a', '1.2.3'],
    ["-X='main.Version=v1.2.3'", 'example.com/a', 'v1.2.3'],
    ['-X "github.com/x/y/pkg/version.ver=0.9.0"', 'github.com/x/y', '0.9.0'],
    ['-X github.com/x/y/cmd/tool/app.version=2.0.0 -X main.version=1.0.0', 'github.com/x/y', '2.0.0'],
    ['-X main.version=1.0.0 -X common.version=1.1.0', 'example.com/a', undefined],
    ['-X main.version=not-a-version', 'example.com/a', undefined],
    ['-X main.commit=abc', 'example.com/a', undefined],
    ['-X pkg/other.version=3.0.0', 'example.com/a', '3.0.0'],
    ['-X main.version=1.0.0 -X pkg/other.version=3.0.0', 'example.com/a', '1.0.0'],
    ['-lpthread -X main.version=1.0.0', 'example.com/a', '1.0.0'],
    ["-X 'unterminated", 'example.com/a', undefined],
  ];
  for (const [flags, main, want] of cases) test(flags, () => assert.equal(ldflagsVersion(main, flags), want));
});

describe('go.mod and go.sum', () => {
  test('blocks, quoted paths, indirect markers, replace and exclude', () => {
    const mod = parseGoMod(
      'module "example.com/m" // the module\n\ngo 1.21\ntoolchain go1.21.5\n\nrequire (\n\ta.com/x v1.0.0\n\tb.com/y v0.2.0 // indirect\n\t`c.com/z` v3.0.0 // indirect; why\n)\nrequire d.com/w v1.1.1\nreplace a.com/x v1.0.0 => e.com/x v1.0.1\nreplace (\n\tb.com/y => ./local\n)\nexclude d.com/w v1.1.1\nretract v0.1.0\n',
    );
    assert.equal(mod.module, 'example.com/m');
    assert.equal(mod.go, '1.21');
    assert.equal(mod.toolchain, 'go1.21.5');
    assert.deepEqual(mod.requires, [
      { path: 'a.com/x', version: 'v1.0.0', indirect: false },
      { path: 'b.com/y', version: 'v0.2.0', indirect: true },
      { path: 'c.com/z', version: 'v3.0.0', indirect: true },
      { path: 'd.com/w', version: 'v1.1.1', indirect: false },
    ]);
    assert.deepEqual(mod.replaces, [
      { oldPath: 'a.com/x', oldVersion: 'v1.0.0', newPath: 'e.com/x', newVersion: 'v1.0.1' },
      { oldPath: 'b.com/y', newPath: './local' },
    ]);
    assert.deepEqual(mod.excludes, [{ path: 'd.com/w', version: 'v1.1.1' }]);
    assert.deepEqual(mod.warnings, []);
  });
  test('go.sum keeps the highest version per module', () => {
    const { modules } = parseGoSum('a.com/x v1.2.0/go.mod h1:1=\na.com/x v1.10.0 h1:2=\na.com/x v1.10.0/go.mod h1:3=\nb.com/y v0.0.0-20200101000000-abcdef123456/go.mod h1:4=\n');
    assert.deepEqual(modules, [
      { path: 'a.com/x', version: 'v1.10.0', sum: 'h1:2=' },
      { path: 'b.com/y', version: 'v0.0.0-20200101000000-abcdef123456' },
    ]);
  });
  const order: [string, string, number][] = [
    ['v1.2.0', 'v1.10.0', -1],
    ['v1.0.0-rc.1', 'v1.0.0', -1],
    ['v1.0.0-alpha.2', 'v1.0.0-alpha.10', -1],
    ['v1.0.0-alpha', 'v1.0.0-alpha.1', -1],
    ['v2.0.0+incompatible', 'v2.0.0', 0],
    ['v0.0.0-20200101000000-abcdef123456', 'v0.0.0-20210101000000-abcdef123456', -1],
    ['garbage', 'v0.0.1', -1],
  ];
  for (const [a, b, want] of order) {
    test(`compareGoVersions ${a} ${b}`, () => {
      assert.equal(compareGoVersions(a, b), want);
      assert.equal(compareGoVersions(b, a), -want || 0);
    });
  }
});

test('purls and file selection', () => {
  assert.equal(goPurl('github.com/BurntSushi/toml', 'v0.3.1'), 'pkg:golang/github.com/BurntSushi/toml@v0.3.1');
  assert.equal(goPurl('stdlib', 'v1.21.5'), 'pkg:golang/stdlib@v1.21.5');
  assert.equal(goPurl('example.com/app', ''), 'pkg:golang/example.com/app');
  // Not semver after the "v": packageurl-js refuses it; still a purl (a Google toolchain's version, seen in the wild).
  assert.equal(goPurl('stdlib', 'v1.25-20250209-RC00'), 'pkg:golang/stdlib@v1.25-20250209-RC00');
  assert.equal(goPurl('example.com/a', 'v1.0 x'), 'pkg:golang/example.com/a@v1.0%20x');
  assert.equal(analyzer.required('src/go.mod'), true);
  assert.equal(analyzer.required('go.sum'), true);
  assert.equal(analyzer.required('src/notgo.mod'), false);
  assert.equal(analyzer.required('usr/bin/x', { mode: 0o100755, size: 2_000_000 }), true);
  assert.equal(analyzer.required('usr/bin/x', { mode: 0o100644, size: 2_000_000 }), false);
  assert.equal(analyzer.required('usr/bin/x', { mode: 0o755, size: 100 }), false);
  assert.equal(analyzer.required('usr/bin/x', { mode: 0o755, size: 300 * 1024 * 1024 }), false);
  assert.equal(analyzer.required('usr/bin/x'), false);
});
