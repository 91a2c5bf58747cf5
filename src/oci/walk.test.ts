import assert from 'node:assert/strict';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { describe, test } from 'node:test';
import zlib from 'node:zlib';
import { ImageError, type FileEntry } from '../core/index.js';
import { makeTar } from '../../test/support/image-builder.js';
import { normalizeEntryPath, walkTar, type WalkOptions } from './walk.js';
import { decompressors, peek, DEFAULT_LIMITS } from './decompress.js';

function collect(wanted: (p: string) => boolean, maxFileSize = 1024 * 1024) {
  const files: FileEntry[] = [];
  const warnings: string[] = [];
  const opts: WalkOptions = {
    wants: wanted,
    maxFileSize: () => maxFileSize,
    onFile: (f) => {
      files.push(f);
    },
    onWarning: (m) => warnings.push(m),
  };
  return { files, warnings, opts };
}

const everything = () => true;

/** A raw ustar header, for entries tar-stream's packer refuses to write. */
function rawHeader(name: string, size: number | string, type = '0', linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  const sizeField = typeof size === 'string' ? size : size.toString(8).padStart(11, '0') + '\0';
  h.write(sizeField, 124, 12, 'latin1');
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write(linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

describe('normalizeEntryPath', () => {
  const cases: [string, string | undefined][] = [
    ['./etc/os-release', 'etc/os-release'],
    ['/etc/os-release', 'etc/os-release'],
    ['etc//apk/./db/installed', 'etc/apk/db/installed'],
    ['a/b/../c', 'a/c'],
    ['../etc/passwd', undefined],
    ['a/../../etc/passwd', undefined],
    ['./', ''],
    ['bad\0name', undefined],
  ];
  for (const [input, want] of cases) test(JSON.stringify(input), () => assert.equal(normalizeEntryPath(input), want));
});

describe('walkTar', () => {
  test('hands over only wanted files, with their bytes', async () => {
    const t = await makeTar([
      { path: 'etc/', type: 'dir' },
      { path: 'etc/os-release', content: 'ID=debian\n' },
      { path: 'usr/bin/big', content: Buffer.alloc(100_000, 1) },
    ]);
    const c = collect((p) => p === 'etc/os-release');
    const walk = await walkTar(Readable.from([t]), c.opts);
    assert.deepEqual(c.files.map((f) => [f.path, f.content.toString()]), [['etc/os-release', 'ID=debian\n']]);
    assert.equal(walk.entries, 3);
  });

  test('records whiteouts and opaque directories, never hands them over', async () => {
    const t = await makeTar([
      { path: 'etc/.wh.motd', content: '' },
      { path: 'var/lib/dpkg/status.d/.wh..wh..opq', content: '' },
      { path: '.wh.root-file', content: '' },
    ]);
    const c = collect(everything);
    const walk = await walkTar(Readable.from([t]), c.opts);
    assert.deepEqual(walk.whiteouts.sort(), ['etc/motd', 'root-file']);
    assert.deepEqual(walk.opaqueDirs, ['var/lib/dpkg/status.d']);
    assert.equal(c.files.length, 0);
  });

  test('refuses ../ paths with a warning and still reads the rest', async () => {
    const t = Buffer.concat([
      rawHeader('../../etc/os-release', 4),
      Buffer.from('evil'.padEnd(512, '\0')),
      rawHeader('etc/os-release', 3),
      Buffer.from('ok\n'.padEnd(512, '\0')),
      Buffer.alloc(1024),
    ]);
    const c = collect(everything);
    await walkTar(Readable.from([t]), c.opts);
    assert.deepEqual(c.files.map((f) => [f.path, f.content.toString()]), [['etc/os-release', 'ok\n']]);
    assert.match(c.warnings.join('\n'), /outside the root/);
  });

  test('absolute names are rooted, duplicates: the last entry wins', async () => {
    const t = await makeTar([
      { path: '/etc/os-release', content: 'first' },
      { path: './etc/os-release', content: 'second' },
    ]);
    const c = collect(everything);
    await walkTar(Readable.from([t]), c.opts);
    assert.deepEqual(c.files.map((f) => f.path), ['etc/os-release', 'etc/os-release']);
    assert.equal(c.files.at(-1)!.content.toString(), 'second');
  });

  test('symlinks are recorded, never followed (a loop cannot hang the walk)', async () => {
    const t = await makeTar([
      { path: 'etc/os-release', type: 'symlink', target: '../etc/os-release' },
      { path: 'a', type: 'symlink', target: 'b' },
      { path: 'b', type: 'symlink', target: 'a' },
    ]);
    const c = collect(everything);
    const walk = await walkTar(Readable.from([t]), c.opts);
    assert.equal(walk.symlinks['etc/os-release'], '../etc/os-release');
    assert.ok(walk.shadowed.includes('etc/os-release'));
    assert.equal(c.files.length, 0);
  });

  test('hard links resolve to an earlier file; a link to a missing file is skipped with a warning', async () => {
    const t = await makeTar([
      { path: 'usr/lib/os-release', content: 'ID=alpine\n' },
      { path: 'etc/os-release', type: 'link', target: 'usr/lib/os-release' },
      { path: 'etc/alpine-release', type: 'link', target: 'does/not/exist' },
    ]);
    const c = collect(everything);
    const walk = await walkTar(Readable.from([t]), c.opts);
    assert.deepEqual(c.files.map((f) => [f.path, f.content.toString()]), [
      ['usr/lib/os-release', 'ID=alpine\n'],
      ['etc/os-release', 'ID=alpine\n'],
    ]);
    assert.match(c.warnings.join('\n'), /hard link to "does\/not\/exist"/);
    assert.ok(walk.shadowed.includes('etc/alpine-release'));
  });

  test('device files and FIFOs at wanted paths are skipped without reading', async () => {
    const t = await makeTar([
      { path: 'var/lib/dpkg/status', type: 'character-device' },
      { path: 'etc/os-release', type: 'fifo' },
    ]);
    const c = collect(everything);
    const walk = await walkTar(Readable.from([t]), c.opts);
    assert.equal(c.files.length, 0);
    assert.deepEqual(walk.shadowed.sort(), ['etc/os-release', 'var/lib/dpkg/status']);
  });

  test('a file above the size cap is skipped with a warning, not buffered', async () => {
    const t = await makeTar([{ path: 'var/lib/dpkg/status', content: Buffer.alloc(50_000, 0x41) }]);
    const c = collect(everything, 10_000);
    const walk = await walkTar(Readable.from([t]), c.opts);
    assert.equal(c.files.length, 0);
    assert.match(c.warnings[0]!, /limit/);
    assert.deepEqual(walk.shadowed, ['var/lib/dpkg/status']);
  });

  test('a header claiming a huge size on a short stream is a truncation error, not an allocation', async () => {
    const t = Buffer.concat([rawHeader('var/lib/dpkg/status', '77777777777\0'), Buffer.alloc(4096, 0x41)]);
    const c = collect(everything);
    await assert.rejects(walkTar(Readable.from([t]), c.opts), (e: unknown) => e instanceof ImageError && /truncated|ends before/.test(e.message));
  });

  test('a truncated archive fails with TRUNCATED_LAYER', async () => {
    const t = await makeTar([{ path: 'var/lib/dpkg/status', content: Buffer.alloc(20_000, 0x41) }]);
    const c = collect(everything);
    await assert.rejects(walkTar(Readable.from([t.subarray(0, 5000)]), c.opts), (e: unknown) => e instanceof ImageError && e.code === 'TRUNCATED_LAYER');
  });

  test('garbage is a MALFORMED_LAYER error', async () => {
    const c = collect(everything);
    await assert.rejects(walkTar(Readable.from([Buffer.alloc(2048, 0x5a)]), c.opts), (e: unknown) => e instanceof ImageError && e.code === 'MALFORMED_LAYER');
  });

  test('a tar without end-of-archive blocks (as umoci insert writes) is read', async () => {
    const t = await makeTar([{ path: 'etc/os-release', content: 'ID=x\n' }]);
    const c = collect(everything);
    await walkTar(Readable.from([t.subarray(0, 1024)]), c.opts);
    assert.equal(c.files.length, 1);
  });
});

describe('decompression limits', () => {
  async function run(blob: Buffer, limits = DEFAULT_LIMITS) {
    const src = Readable.from([blob]);
    const head = await peek(src, 4);
    const stages = await decompressors(head, blob.length, 'test layer', limits);
    const out = new PassThrough();
    pipeline([src, ...stages, out], (err) => {
      if (err) out.destroy(err);
    });
    const c = collect(() => false);
    return walkTar(out, c.opts);
  }

  test('a gzip bomb stops at the ratio limit', async () => {
    const t = await makeTar([{ path: 'zeros', content: Buffer.alloc(32 * 1024 * 1024) }]);
    const bomb = zlib.gzipSync(t, { level: 9 });
    await assert.rejects(run(bomb, { maxBytes: 1024 ** 3, maxRatio: 100, ratioFloor: 1024 * 1024 }), (e: unknown) => e instanceof ImageError && e.code === 'DECOMPRESSION_LIMIT');
  });

  test('a zstd bomb stops at the absolute limit', async () => {
    const { compress } = await import('zstd-napi');
    const t = await makeTar([{ path: 'zeros', content: Buffer.alloc(32 * 1024 * 1024) }]);
    await assert.rejects(run(compress(t), { maxBytes: 4 * 1024 * 1024, maxRatio: 1e9, ratioFloor: 0 }), (e: unknown) => e instanceof ImageError && e.code === 'DECOMPRESSION_LIMIT');
  });

  test('truncated gzip is an error, not a short layer', async () => {
    const t = await makeTar([{ path: 'a', content: Buffer.alloc(200_000, 7) }, { path: 'b', content: 'x' }]);
    const gz = zlib.gzipSync(t);
    await assert.rejects(run(gz.subarray(0, gz.length - 20)), (e: unknown) => e instanceof ImageError && (e.code === 'TRUNCATED_LAYER' || e.code === 'MALFORMED_LAYER'));
  });

  test('gzip, zstd and plain tar of the same content read alike', async () => {
    const { compress } = await import('zstd-napi');
    const t = await makeTar([{ path: 'etc/os-release', content: 'ID=alpine\n' }]);
    for (const blob of [t, zlib.gzipSync(t), compress(t)]) {
      const src = Readable.from([blob]);
      const head = await peek(src, 4);
      let s: NodeJS.ReadableStream = src;
      for (const st of await decompressors(head, blob.length, 'x')) s = s.pipe(st);
      const c = collect(everything);
      await walkTar(s as Readable, c.opts);
      assert.equal(c.files[0]?.content.toString(), 'ID=alpine\n');
    }
  });
});
