import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, test } from 'node:test';
import { AnalysisError } from '../../../core/index.js';
import { makeZip, type ZipWriterEntry } from '../../../../test/support/zip-writer.js';
import { forEachEntry, isReadFailure, readDirectory, readEntry, type ZipEntry } from './zip.js';

function entries(buf: Buffer): ZipEntry[] {
  const out: ZipEntry[] = [];
  forEachEntry(buf, readDirectory(buf), (e) => {
    out.push(e);
  });
  return out;
}

function contents(buf: Buffer): Record<string, string> {
  const dir = readDirectory(buf);
  const out: Record<string, string> = {};
  forEachEntry(buf, dir, (e) => {
    const r = readEntry(buf, dir, e, 1 << 20);
    out[e.name] = isReadFailure(r) ? `!${r.reason}: ${r.message}` : r.toString('utf8');
  });
  return out;
}

const SAMPLE: ZipWriterEntry[] = [
  { name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\r\n\r\n' },
  { name: 'META-INF/maven/g/a/pom.properties', content: 'groupId=g\nartifactId=a\nversion=1\n', method: 'store' },
  { name: 'dir/', content: '', method: 'store' },
  { name: 'ünïcode.txt', content: 'x'.repeat(1000) },
];
const EXPECTED = {
  'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\r\n\r\n',
  'META-INF/maven/g/a/pom.properties': 'groupId=g\nartifactId=a\nversion=1\n',
  'dir/': '',
  'ünïcode.txt': 'x'.repeat(1000),
};

describe('zip reader: layouts a jar can have', () => {
  const cases: [string, Buffer, number][] = [
    ['plain (stored and deflated entries, UTF-8 names)', makeZip(SAMPLE), 0],
    ['data descriptors (sizes only in the central directory)', makeZip(SAMPLE.map((e) => ({ ...e, dataDescriptor: true }))), 0],
    ['launcher script in front (executable jar)', makeZip(SAMPLE, { prefix: '#!/bin/sh\nexec java -jar "$0" "$@"\n' }), 35],
    ['ZIP64 end records', makeZip(SAMPLE, { zip64: true }), 0],
    ['ZIP64 end records behind a prefix', makeZip(SAMPLE, { zip64: true, prefix: 'x'.repeat(100) }), 100],
    ['archive comment', makeZip(SAMPLE, { comment: 'PK\u0005\u0006 looks like a signature' }), 0],
  ];
  for (const [name, buf, prefix] of cases) {
    test(name, () => {
      assert.equal(readDirectory(buf).prefix, prefix);
      assert.deepEqual(contents(buf), EXPECTED);
    });
  }

  test('central directory fields', () => {
    const [m, p] = entries(makeZip(SAMPLE));
    assert.equal(m!.method, 8);
    assert.equal(p!.method, 0);
    assert.equal(p!.uncompressedSize, SAMPLE[1]!.content.length);
    assert.equal(p!.crc32, zlib.crc32(SAMPLE[1]!.content as string));
  });

  test('visit can stop the walk early', () => {
    const seen: string[] = [];
    const buf = makeZip(SAMPLE);
    forEachEntry(buf, readDirectory(buf), (e) => {
      seen.push(e.name);
      return false;
    });
    assert.deepEqual(seen, ['META-INF/MANIFEST.MF']);
  });
});

describe('zip reader: broken and hostile archives', () => {
  const throwsMalformed = (buf: Buffer, message: RegExp) =>
    assert.throws(() => entries(buf), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE' && message.test(e.message));

  test('not a zip, too short, truncated', () => {
    throwsMalformed(Buffer.from('hello'), /too short/);
    throwsMalformed(Buffer.alloc(100_000, 0x41), /no end of central directory/);
    const good = makeZip(SAMPLE);
    throwsMalformed(good.subarray(0, good.length - 30), /no end of central directory/);
  });

  test('a central directory offset pointing outside the file', () => {
    throwsMalformed(makeZip(SAMPLE, { directoryOffset: 0x7fff0000 }), /points outside the archive/);
    const short = makeZip(SAMPLE);
    // Only the end record and part of the directory are left.
    throwsMalformed(short.subarray(short.length - 22 - 46), /central directory larger than the archive/);
  });

  test('a wrong directory offset below the real one reads as a prefix; entries then fail one by one, cleanly', () => {
    // Indistinguishable from a launcher script in front (Go's archive/zip reads it the same way).
    const buf = makeZip(SAMPLE, { directoryOffset: 3 });
    assert.equal(readDirectory(buf).prefix, readDirectory(makeZip(SAMPLE)).start - 3);
    for (const v of Object.values(contents(buf))) assert.match(v, /^!malformed: (local header offset|CRC-32 mismatch|stored entry|cannot inflate|entry data)/);
  });

  test('an entry inflating beyond its declared size stops at that size', () => {
    const bomb = makeZip([{ name: 'META-INF/maven/g/a/pom.properties', content: Buffer.alloc(50 * 1024 * 1024), declaredSize: 100 }]);
    const dir = readDirectory(bomb);
    const [e] = entries(bomb);
    const t0 = process.hrtime.bigint();
    const r = readEntry(bomb, dir, e!, 1 << 20);
    assert.ok(isReadFailure(r));
    assert.equal(r.reason, 'too-large');
    assert.match(r.message, /inflates beyond its declared 100 bytes/);
    // Stopping early is the point: inflating the whole 50 MiB would take far longer than this.
    assert.ok(process.hrtime.bigint() - t0 < 200_000_000n);
  });

  test('an entry declaring more than the limit is refused without inflating', () => {
    const raw = zlib.deflateRawSync(Buffer.alloc(1024));
    const buf = makeZip([{ name: 'a.jar', content: 'x', raw, declaredSize: 0xfffffff0 }]);
    const r = readEntry(buf, readDirectory(buf), entries(buf)[0]!, 1 << 20);
    assert.ok(isReadFailure(r));
    assert.equal(r.reason, 'too-large');
    assert.match(r.message, /4294967280 bytes uncompressed, more than the 1048576-byte limit/);
  });

  test('CRC mismatch, truncated data, bad local header, unsupported method, encryption', () => {
    const crc = makeZip([{ name: 'a', content: 'hello', crc32: 1234 }]);
    assert.deepEqual(contents(crc), { a: '!malformed: CRC-32 mismatch' });

    const good = makeZip([{ name: 'a', content: 'hello world '.repeat(100) }]);
    const dir = readDirectory(good);
    const e = entries(good)[0]!;
    assert.deepEqual(readEntry(good, dir, { ...e, compressedSize: good.length }, 1 << 20), {
      reason: 'malformed',
      message: 'entry data runs past the end of the archive',
    });
    assert.match((readEntry(good, dir, { ...e, localHeaderOffset: 5 }, 1 << 20) as { message: string }).message, /local header offset 5/);
    assert.deepEqual(readEntry(good, dir, { ...e, method: 12 }, 1 << 20), { reason: 'unsupported', message: 'compression method 12' });
    assert.deepEqual(readEntry(good, dir, { ...e, flags: e.flags | 1 }, 1 << 20), { reason: 'unsupported', message: 'encrypted entry' });
    const garbage = Buffer.from(good);
    garbage.fill(0xff, 30 + 1, 30 + 20);
    assert.equal((readEntry(garbage, dir, e, 1 << 20) as { reason: string }).reason, 'malformed');
  });

  test('a central directory entry running past the directory', () => {
    const buf = makeZip(SAMPLE);
    const dir = readDirectory(buf);
    // Claim a longer name for the first entry than the directory holds.
    const bad = Buffer.from(buf);
    bad.writeUInt16LE(0xffff, dir.start + 28);
    assert.throws(() => forEachEntry(bad, dir, () => {}), /runs past the directory/);
  });
});
