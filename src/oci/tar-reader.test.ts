import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, linkSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import tar from 'tar-stream';
import { ImageError } from '../core/index.js';
import { MAX_META_SIZE, TarReader, type TarEntry, type TarHeader } from './tar-reader.js';

/** What both readers must agree on for each entry. */
interface Row {
  name: string;
  type: string;
  size: number;
  linkname: string;
  mode: number;
  sha256?: string;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const all = () => ({ collect: true });
type Collect = { collect: boolean };

function row(e: TarEntry<Collect>): Row {
  const h = e.header;
  const r: Row = { name: h.name, type: h.type, size: h.size, linkname: h.linkname, mode: h.mode };
  if (e.content) r.sha256 = sha(e.content);
  return r;
}

/** Deterministic chunk sizes (xorshift32), so a failure can be replayed. */
function randomSizes(seed: number, max: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % max) + 1;
  };
}

/** Reads `buf` pushed in chunks of the sizes `next` gives (all at once by default). */
function read(buf: Buffer, next: () => number = () => buf.length, decide: (h: TarHeader) => Collect = all): TarEntry<Collect>[] {
  const r = new TarReader(decide, 'test.tar');
  const out: TarEntry<Collect>[] = [];
  for (let i = 0; i < buf.length; ) {
    const n = Math.min(Math.max(1, next()), buf.length - i);
    for (const e of r.push(buf.subarray(i, i + n))) out.push(e);
    i += n;
  }
  r.end();
  return out;
}
const rows = (buf: Buffer, next?: () => number) => read(buf, next).map(row);

/** The same archive through tar-stream, the reader walkTar used before (the reference here). */
async function tarStreamRows(buf: Buffer, allowUnknownFormat = false): Promise<Row[]> {
  // tar-stream reads v7 headers only when asked (an option its type definitions do not list).
  const extract = tar.extract({ allowUnknownFormat } as Parameters<typeof tar.extract>[0]);
  const out: Row[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      const r: Row = { name: h.name, type: h.type ?? 'unknown', size: h.size ?? 0, linkname: h.linkname ?? '', mode: h.mode ?? 0 };
      if (h.type === 'file' || h.type === 'contiguous-file') r.sha256 = sha(Buffer.concat(chunks));
      out.push(r);
    }
  })();
  extract.end(buf);
  await done;
  return out;
}

/** Names as GNU tar lists them. */
function gnuList(buf: Buffer): string[] {
  // stderr ignored: GNU tar warns about a lone zero block, which one test makes on purpose.
  const out = execFileSync('tar', ['--list', '--quoting-style=literal', '-f', '-'], { input: buf, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'ignore'] });
  return out.toString('utf8').split('\n').filter((l) => l !== '');
}

function gnuTar(dir: string, ...args: string[]): Buffer {
  return execFileSync('tar', [...args, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '-C', dir, '.'], { maxBuffer: 1 << 30 });
}

/** A raw header (ustar magic unless `magic` says otherwise), for what GNU tar will not write. */
function header(o: {
  name: string;
  size?: number;
  type?: string;
  linkname?: string;
  sizeField?: Buffer;
  magic?: 'ustar' | 'gnu' | 'v7';
  signedChecksum?: boolean;
  nameBytes?: Buffer;
}): Buffer {
  const h = Buffer.alloc(512);
  if (o.nameBytes) o.nameBytes.copy(h, 0);
  else h.write(o.name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  if (o.sizeField) o.sizeField.copy(h, 124);
  else h.write((o.size ?? 0).toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136);
  h.write(o.type ?? '0', 156, 'latin1');
  if (o.linkname) h.write(o.linkname, 157, 100);
  if ((o.magic ?? 'ustar') === 'ustar') h.write('ustar\x0000', 257, 'latin1');
  else if (o.magic === 'gnu') h.write('ustar  \0', 257, 'latin1');
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += o.signedChecksum && b > 127 ? b - 256 : b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}
const data = (content: Buffer | string) => {
  const b = Buffer.from(content);
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
};
const paxRecord = (key: string, value: string) => {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return `${len}${body}`;
};
const END = Buffer.alloc(1024);

function rejects(fn: () => unknown, code: 'MALFORMED_LAYER' | 'TRUNCATED_LAYER', message: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ImageError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tar-reader-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A file tree with what every format can hold; `extra` adds what only some can. */
function makeTree(name: string, extra: (dir: string) => void = () => {}): string {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, 'd1/sub'), { recursive: true });
  writeFileSync(path.join(dir, 'd1/a.txt'), 'hello\n');
  writeFileSync(path.join(dir, 'empty'), '');
  const bytes = randomSizes(7, 256);
  for (const size of [1, 511, 512, 513, 1024, 300_001]) {
    writeFileSync(path.join(dir, `d1/sub/r${size}`), Buffer.from(Array.from({ length: size }, () => bytes() - 1)));
  }
  writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'run.sh'), 0o755);
  writeFileSync(path.join(dir, 'ünïcødé-名前.txt'), 'utf-8 name\n');
  symlinkSync('d1/a.txt', path.join(dir, 'sl'));
  linkSync(path.join(dir, 'd1/a.txt'), path.join(dir, 'hl'));
  extra(dir);
  return dir;
}

const fifo = (dir: string) => execFileSync('mkfifo', [path.join(dir, 'fifo')]);
const ustarExtra = (dir: string) => {
  fifo(dir);
  // 150 characters: only fits as ustar prefix + name.
  const long = path.join(dir, 'p', 'a'.repeat(80));
  mkdirSync(long, { recursive: true });
  writeFileSync(path.join(long, 'b'.repeat(60)), 'split by prefix\n');
};
const longExtra = (dir: string) => {
  ustarExtra(dir);
  const deep = path.join(dir, 'c'.repeat(200));
  mkdirSync(deep);
  writeFileSync(path.join(deep, 'd'.repeat(150)), 'long path\n');
  writeFileSync(path.join(deep, `${'é'.repeat(60)}.txt`), 'long utf-8 name\n');
  symlinkSync(`../${'t'.repeat(150)}`, path.join(dir, 'long-target'));
  linkSync(path.join(deep, 'd'.repeat(150)), path.join(deep, 'e'.repeat(150)));
};

describe('TarReader against GNU tar archives (tar-stream and tar --list as references)', () => {
  const cases: { format: string; extra?: (dir: string) => void; longest: number }[] = [
    { format: 'v7', longest: 20 },
    { format: 'ustar', extra: ustarExtra, longest: 145 },
    { format: 'gnu', extra: longExtra, longest: 350 },
    { format: 'pax', extra: longExtra, longest: 350 },
  ];
  for (const c of cases) {
    test(`--format=${c.format}`, async () => {
      const buf = gnuTar(makeTree(c.format, c.extra), `--format=${c.format}`);
      const mine = rows(buf);
      assert.deepEqual(mine, await tarStreamRows(buf, c.format === 'v7'));
      assert.deepEqual(
        mine.map((r) => r.name),
        gnuList(buf),
      );
      // The tree's parts really are in the archive, with the right kinds.
      const byName = new Map(mine.map((r) => [r.name, r]));
      assert.equal(byName.get('./hl')?.type, 'link');
      assert.equal(byName.get('./hl')?.linkname, './d1/a.txt');
      assert.equal(byName.get('./sl')?.type, 'symlink');
      assert.equal(byName.get('./sl')?.linkname, 'd1/a.txt');
      assert.equal(byName.get('./d1/sub/r300001')?.size, 300_001);
      assert.equal(byName.get('./run.sh')?.mode, 0o755);
      assert.equal(byName.get('./d1/a.txt')?.sha256, sha(Buffer.from('hello\n')));
      assert.equal(byName.get('./empty')?.sha256, sha(Buffer.alloc(0)));
      assert.equal(Math.max(...mine.map((r) => Buffer.byteLength(r.name))) >= c.longest, true);
      if (c.format !== 'v7') assert.equal(byName.get('./fifo')?.type, 'fifo');
      if (c.format === 'gnu' || c.format === 'pax') {
        const target = mine.find((r) => r.name === './long-target');
        assert.equal(target?.linkname, `../${'t'.repeat(150)}`);
        const hard = mine.find((r) => r.name.endsWith('e'.repeat(150)));
        assert.equal(hard?.type, 'link');
        assert.equal(hard?.linkname, `./${'c'.repeat(200)}/${'d'.repeat(150)}`);
      }
      // The same entries whatever the chunking: 1 byte at a time, and random sizes.
      assert.deepEqual(rows(buf, () => 1), mine);
      for (const seed of [1, 2, 3]) assert.deepEqual(rows(buf, randomSizes(seed, 3000)), mine);
    });
  }

  test('a header may straddle chunks at every byte offset', () => {
    const dir = path.join(tmp, 'split');
    mkdirSync(path.join(dir, 'x'.repeat(90)), { recursive: true });
    writeFileSync(path.join(dir, 'x'.repeat(90), 'y'.repeat(90)), 'z'.repeat(700));
    writeFileSync(path.join(dir, 'small'), 'abc');
    symlinkSync('t'.repeat(120), path.join(dir, 'link'));
    for (const format of ['gnu', 'pax']) {
      const buf = gnuTar(dir, `--format=${format}`);
      const whole = rows(buf);
      assert.equal(whole.length, 5);
      for (let k = 1; k < buf.length; k++) {
        let first = true;
        assert.deepEqual(
          rows(buf, () => {
            const n = first ? k : buf.length;
            first = false;
            return n;
          }),
          whole,
          `split at ${k}`,
        );
      }
    }
  });

  test('a hundred thousand entries', () => {
    // Written here (100k files on disk take minutes on a loaded machine); GNU tar lists it as the reference.
    const parts: Buffer[] = [];
    for (let i = 0; i < 100_000; i++) {
      if (i % 1000 === 0) parts.push(header({ name: `d${i / 1000}/`, type: '5' }));
      const content = i % 7 === 0 ? `content ${i}` : '';
      parts.push(header({ name: `d${Math.floor(i / 1000)}/f${i}`, size: content.length }));
      if (content) parts.push(data(content));
    }
    parts.push(END);
    const buf = Buffer.concat(parts);
    const listed = gnuList(buf);
    assert.equal(listed.length, 100_100);
    const mine = read(buf, randomSizes(9, 200_000), (h) => ({ collect: h.name.endsWith('7') }));
    assert.equal(mine.length, 100_100);
    assert.deepEqual(
      mine.map((e) => e.header.name),
      listed,
    );
    const f7 = mine.find((e) => e.header.name === 'd0/f7')!;
    assert.equal(f7.content?.toString(), 'content 7');
  });
});

describe('GNU sparse files', () => {
  let dir: string;
  before(() => {
    dir = path.join(tmp, 'sparse');
    mkdirSync(dir);
    const img = path.join(dir, 's.img');
    execFileSync('truncate', ['-s', '40M', img]);
    // Thirty data segments: more than the 4 an old GNU header holds and the 21 of one extension block, so two
    // extension blocks follow the header.
    const fd = openSync(img, 'r+');
    for (let i = 0; i < 30; i++) writeSync(fd, `segment ${i}`, (i + 1) * 1024 * 1024);
    closeSync(fd);
    writeFileSync(path.join(dir, 'z.txt'), 'after the sparse file\n');
  });

  test('old GNU format (type S with extension blocks): data skipped, reported as sparse', () => {
    const buf = gnuTar(dir, '--format=gnu', '-S');
    const s = buf.indexOf('./s.img\0');
    assert.equal(String.fromCharCode(buf[s + 156]!), 'S', 'GNU tar wrote a sparse entry');
    assert.notEqual(buf[s + 482], 0, 'with an extension block');
    assert.notEqual(buf[s + 512 + 504], 0, 'and a second one');
    assert.equal(buf[s + 1024 + 504], 0, 'and no third');
    for (const next of [() => buf.length, () => 1, randomSizes(5, 700)]) {
      const entries = read(buf, next);
      assert.deepEqual(
        entries.map((e) => e.header.name),
        gnuList(buf),
      );
      const sparse = entries.find((e) => e.header.name === './s.img')!;
      assert.equal(sparse.header.type, 'sparse');
      assert.equal(sparse.content, undefined);
      assert.ok(sparse.header.size < 40 * 1024 * 1024, 'size is the stored size');
      assert.equal(entries.find((e) => e.header.name === './z.txt')?.content?.toString(), 'after the sparse file\n');
    }
  });

  for (const version of ['0.0', '0.1', '1.0']) {
    test(`pax format, sparse version ${version}: reported as sparse under its real name`, () => {
      const buf = gnuTar(dir, '--format=pax', '-S', `--sparse-version=${version}`);
      const entries = read(buf, randomSizes(11, 900));
      assert.deepEqual(
        entries.map((e) => e.header.name),
        gnuList(buf),
      );
      const sparse = entries.find((e) => e.header.name.endsWith('s.img'))!;
      assert.equal(sparse.header.type, 'sparse');
      assert.equal(sparse.content, undefined);
      assert.equal(entries.find((e) => e.header.name === './z.txt')?.content?.toString(), 'after the sparse file\n');
    });
  }
});

describe('TarReader on crafted archives', () => {
  test('ustar prefix + name', () => {
    const h = header({ name: 'name.txt', size: 2 });
    h.write('some/prefix', 345);
    // Recompute the checksum after adding the prefix.
    h.fill(' ', 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    const buf = Buffer.concat([h, data('ok'), END]);
    assert.deepEqual(gnuList(buf), ['some/prefix/name.txt']);
    assert.equal(rows(buf)[0]!.name, 'some/prefix/name.txt');
  });

  test('a pax size record overrides the header size', async () => {
    const pax = paxRecord('size', '700') + paxRecord('path', `${'p'.repeat(120)}/file`);
    const buf = Buffer.concat([
      header({ name: 'PaxHeaders/file', size: Buffer.byteLength(pax), type: 'x' }),
      data(pax),
      header({ name: 'file', size: 0 }),
      data('q'.repeat(700)),
      header({ name: 'next', size: 3 }),
      data('abc'),
      END,
    ]);
    const mine = rows(buf);
    assert.deepEqual(
      mine.map((r) => [r.name, r.size]),
      [
        [`${'p'.repeat(120)}/file`, 700],
        ['next', 3],
      ],
    );
    assert.equal(mine[0]!.sha256, sha(Buffer.from('q'.repeat(700))));
    assert.deepEqual(mine, await tarStreamRows(buf));
    assert.match(execFileSync('tar', ['-tvf', '-'], { input: buf }).toString(), / 700 .*p{120}\/file\n/);
  });

  test('base-256 sizes (GNU), small and beyond 8 GiB', async () => {
    const field = (n: number) => {
      const f = Buffer.alloc(12);
      f[0] = 0x80;
      for (let i = 11; i > 0 && n > 0; i--, n = Math.floor(n / 256)) f[i] = n % 256;
      return f;
    };
    const buf = Buffer.concat([header({ name: 'b256', sizeField: field(1000), magic: 'gnu' }), data('r'.repeat(1000)), header({ name: 'after', size: 1, magic: 'gnu' }), data('x'), END]);
    const mine = rows(buf);
    assert.deepEqual(
      mine.map((r) => [r.name, r.size]),
      [
        ['b256', 1000],
        ['after', 1],
      ],
    );
    assert.deepEqual(mine, await tarStreamRows(buf));
    assert.match(execFileSync('tar', ['-tvf', '-'], { input: buf }).toString(), / 1000 .*b256\n/);

    // 8 GiB + 1 cannot be written in octal; the header is read, the data is not there.
    const huge = 8 * 1024 ** 3 + 1;
    const seen: number[] = [];
    const r = new TarReader((h) => (seen.push(h.size), { collect: false }), 'huge.tar');
    r.push(Buffer.concat([header({ name: 'huge', sizeField: field(huge), magic: 'gnu' }), Buffer.alloc(4096)]));
    assert.deepEqual(seen, [huge]);
    rejects(() => r.end(), 'TRUNCATED_LAYER', /huge\.tar: the layer ends before its tar archive does/);
  });

  test('negative, non-numeric and oversized pax sizes are refused', () => {
    const neg = Buffer.alloc(12, 0xff); // -1 in two's complement base-256
    rejects(() => read(Buffer.concat([header({ name: 'n', sizeField: neg }), END])), 'MALFORMED_LAYER', /invalid size field in the header at offset 0/);
    const negSmall = Buffer.alloc(12); // the sign bit (0x40 of the first byte) set, low bytes small
    negSmall[0] = 0xc0;
    negSmall[11] = 1;
    rejects(() => read(Buffer.concat([header({ name: 'n', sizeField: negSmall }), data('x'), END])), 'MALFORMED_LAYER', /invalid size field/);
    rejects(() => read(Buffer.concat([header({ name: 'n', sizeField: Buffer.from('12x45670000\0') }), END])), 'MALFORMED_LAYER', /invalid size field/);
    const pax = paxRecord('size', '-5');
    rejects(
      () => read(Buffer.concat([header({ name: 'x', size: pax.length, type: 'x' }), data(pax), header({ name: 'f' }), END])),
      'MALFORMED_LAYER',
      /invalid pax size "-5" at offset 1024/,
    );
  });

  test('a bad checksum is refused with its offset; GNU tar refuses it too', () => {
    const good = Buffer.concat([header({ name: 'a', size: 3 }), data('abc'), header({ name: 'b', size: 0 }), END]);
    const bad = Buffer.from(good);
    bad[1024 + 1] = 0x41; // a byte of the second header's name field
    rejects(() => read(bad), 'MALFORMED_LAYER', /^test\.tar: not a valid tar archive \(bad header checksum at offset 1024\)$/);
    assert.notEqual(spawnSync('tar', ['-tf', '-'], { input: bad }).status, 0);
    // The entry before the fault is still handed over; the fault comes with the next call.
    const r = new TarReader(all, 'test.tar');
    assert.deepEqual(
      r.push(bad).map((e) => e.header.name),
      ['a'],
    );
    rejects(() => r.end(), 'MALFORMED_LAYER', /bad header checksum at offset 1024/);
    rejects(() => r.push(END), 'MALFORMED_LAYER', /bad header checksum at offset 1024/);
    assert.equal(read(good).length, 2);
    rejects(() => read(Buffer.alloc(2048, 0x5a)), 'MALFORMED_LAYER', /bad header checksum at offset 0/);
  });

  test('a checksum of signed bytes is accepted, as GNU tar does', () => {
    const nameBytes = Buffer.from('caf\xe9\xe9\xe9', 'latin1');
    const buf = Buffer.concat([header({ name: '', nameBytes, size: 2, signedChecksum: true }), data('ok'), END]);
    assert.equal(spawnSync('tar', ['-tf', '-'], { input: buf }).status, 0);
    assert.equal(read(buf)[0]!.content?.toString(), 'ok');
  });

  test('truncation: inside a header, inside data, inside padding, inside a pax header', () => {
    const buf = Buffer.concat([header({ name: 'a', size: 600 }), data('d'.repeat(600)), END]);
    rejects(() => read(buf.subarray(0, 300)), 'TRUNCATED_LAYER', /truncated inside the header at offset 0/);
    rejects(() => read(buf.subarray(0, 512 + 100)), 'TRUNCATED_LAYER', /truncated inside the data of "a" \(100 of 600 bytes\)/);
    rejects(() => read(buf.subarray(0, 512 + 700)), 'TRUNCATED_LAYER', /truncated/);
    rejects(() => read(buf.subarray(0, 512 + 700), undefined, () => ({ collect: false })), 'TRUNCATED_LAYER', /324 bytes short/);
    const pax = paxRecord('path', 'x'.repeat(300));
    rejects(() => read(Buffer.concat([header({ name: 'x', size: pax.length, type: 'x' }), data(pax)]).subarray(0, 700)), 'TRUNCATED_LAYER', /inside an extended header at offset 0/);
    // At a header boundary, without end-of-archive blocks (umoci writes layers so): complete.
    assert.equal(read(buf.subarray(0, 512 + 1024)).length, 1);
    assert.equal(read(Buffer.alloc(0)).length, 0);
  });

  test('end of archive: what follows the zero blocks is ignored (GNU tar too, even after a lone zero block)', () => {
    const garbage = Buffer.alloc(3000, 0x5a);
    const one = Buffer.concat([header({ name: 'a', size: 1 }), data('1')]);
    const two = Buffer.concat([header({ name: 'b', size: 1 }), data('2')]);
    for (const buf of [Buffer.concat([one, END, garbage]), Buffer.concat([one, Buffer.alloc(512)]), Buffer.concat([one, Buffer.alloc(512), two, END])]) {
      const mine = rows(buf, randomSizes(3, 600));
      assert.deepEqual(
        mine.map((r) => r.name),
        ['a'],
      );
      assert.deepEqual(gnuList(buf), ['a']);
    }
  });

  test('long names and pax records above 1 MiB are refused before anything is buffered', () => {
    for (const type of ['x', 'L', 'K', 'g']) {
      const r = new TarReader(all, 'hostile.tar');
      rejects(() => r.push(header({ name: 'big', size: MAX_META_SIZE + 1, type })), 'MALFORMED_LAYER', /larger than the 1048576-byte limit/);
    }
    const ok = 'n'.repeat(MAX_META_SIZE - 1);
    const buf = Buffer.concat([header({ name: '././@LongLink', size: MAX_META_SIZE, type: 'L' }), data(`${ok}\0`), header({ name: 'short' }), END]);
    assert.equal(rows(buf)[0]!.name, ok);
  });

  test('malformed pax records are refused', () => {
    for (const bad of ['5 a=b\n', '10 path=x', 'x path=y\n', '9 pathx\n ', `6 =ab\n`]) {
      rejects(
        () => read(Buffer.concat([header({ name: 'x', size: bad.length, type: 'x' }), data(bad), header({ name: 'f' }), END])),
        'MALFORMED_LAYER',
        /malformed pax extended header at offset 0/,
      );
    }
  });

  test('global pax records are parsed and not applied to later entries', () => {
    const g = paxRecord('comment', 'built by git archive') + paxRecord('path', 'evil');
    const buf = Buffer.concat([header({ name: 'pax_global_header', size: g.length, type: 'g' }), data(g), header({ name: 'real', size: 1 }), data('r'), END]);
    assert.deepEqual(
      rows(buf).map((r) => r.name),
      ['real'],
    );
  });

  test('header-only types carry no data whatever their size field says (as Go archive/tar reads them)', () => {
    const buf = Buffer.concat([
      header({ name: 'sym', size: 1024, type: '2', linkname: 'target' }),
      header({ name: 'dir/', size: 512, type: '5' }),
      header({ name: 'file', size: 2 }),
      data('ok'),
      END,
    ]);
    assert.deepEqual(
      read(buf).map((e) => [e.header.name, e.header.type, e.content?.toString()]),
      [
        ['sym', 'symlink', undefined],
        ['dir/', 'directory', undefined],
        ['file', 'file', 'ok'],
      ],
    );
  });

  test('unknown types are skipped by their size; old tars mark directories with a trailing slash', () => {
    const buf = Buffer.concat([header({ name: 'vol', size: 700, type: 'V' }), data('v'.repeat(700)), header({ name: 'olddir/', type: '\0', magic: 'v7' }), header({ name: 'f', size: 1 }), data('1'), END]);
    assert.deepEqual(
      read(buf).map((e) => [e.header.name, e.header.type, e.content?.toString()]),
      [
        ['vol', 'unknown', undefined],
        ['olddir/', 'directory', undefined],
        ['f', 'file', '1'],
      ],
    );
  });

  test('only the files the caller asks for are collected; the data of the rest is skipped', () => {
    const buf = Buffer.concat([header({ name: 'want', size: 5 }), data('wanted'.slice(0, 5)), header({ name: 'skip', size: 5000 }), data('s'.repeat(5000)), header({ name: 'empty' }), END]);
    const entries = read(buf, randomSizes(4, 100), (h) => ({ collect: h.name !== 'skip' }));
    assert.deepEqual(
      entries.map((e) => [e.header.name, e.content?.toString()]),
      [
        ['want', 'wante'],
        ['skip', undefined],
        ['empty', ''],
      ],
    );
  });
});
