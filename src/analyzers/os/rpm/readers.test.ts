// Synthetic and hostile-input tests for the rpm header parser and the three database readers. The builders below
// write the documented on-disk layouts (rpm lib/header.c, Berkeley DB db_page.h, rpm backend/ndb/rpmpkg.c) so that
// every offset can be corrupted on purpose; real databases are covered by rpm.test.ts and rpm-tool.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { AnalysisError } from '../../../core/index.js';
import { analyzer, type RpmFact } from './index.js';
import { isLanguageEvidencePath } from '../owned-paths.js';
import { parseHeaderBlob, parseHeaderFiles, RpmFileTag, RpmTag } from './parse-header.js';
import { readBdbBlobs } from './read-bdb.js';
import { readNdbBlobs } from './read-ndb.js';
import { readSqliteBlobs } from './read-sqlite.js';

// ---------------------------------------------------------------------------------------------------------------
// Builders

const T = { INT16: 3, INT32: 4, INT64: 5, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const;

interface EntrySpec {
  tag: number;
  type: number;
  value: string | string[] | number | bigint;
}

/** An rpm header blob (no intro), entries in the given order, with an immutable-region tag first like rpm writes. */
function headerBlob(entries: EntrySpec[]): Buffer {
  const data: number[] = [];
  const index: Buffer[] = [];
  const align = (n: number): void => {
    while (data.length % n !== 0) data.push(0);
  };
  const all: EntrySpec[] = [{ tag: 63, type: T.BIN, value: '' }, ...entries];
  for (const e of all) {
    let count = 1;
    let offset: number;
    if (e.tag === 63) {
      // Region trailer: 16 bytes of BIN data (its content is not interpreted by the parser).
      offset = data.length;
      data.push(...new Array<number>(16).fill(0));
      count = 16;
    } else if (typeof e.value === 'string') {
      offset = data.length;
      data.push(...Buffer.from(e.value, 'utf8'), 0);
    } else if (Array.isArray(e.value)) {
      offset = data.length;
      for (const s of e.value) data.push(...Buffer.from(s, 'utf8'), 0);
      count = e.value.length;
    } else if (e.type === T.INT64) {
      align(8);
      offset = data.length;
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(e.value));
      data.push(...b);
    } else if (e.type === T.INT16) {
      align(2);
      offset = data.length;
      data.push((Number(e.value) >> 8) & 0xff, Number(e.value) & 0xff);
    } else {
      align(4);
      offset = data.length;
      const b = Buffer.alloc(4);
      b.writeUInt32BE(Number(e.value));
      data.push(...b);
    }
    const entry = Buffer.alloc(16);
    entry.writeInt32BE(e.tag, 0);
    entry.writeUInt32BE(e.type, 4);
    entry.writeInt32BE(offset, 8);
    entry.writeUInt32BE(count, 12);
    index.push(entry);
  }
  const pre = Buffer.alloc(8);
  pre.writeInt32BE(all.length, 0);
  pre.writeInt32BE(data.length, 4);
  return Buffer.concat([pre, ...index, Buffer.from(data)]);
}

interface PkgSpec {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
  padding?: number;
}

function pkgBlob(p: PkgSpec): Buffer {
  const entries: EntrySpec[] = [
    { tag: RpmTag.NAME, type: T.STRING, value: p.name },
    { tag: RpmTag.VERSION, type: T.STRING, value: p.version },
    { tag: RpmTag.RELEASE, type: T.STRING, value: p.release },
  ];
  if (p.epoch !== undefined) entries.push({ tag: RpmTag.EPOCH, type: T.INT32, value: p.epoch });
  if (p.arch) entries.push({ tag: RpmTag.ARCH, type: T.STRING, value: p.arch });
  if (p.license) entries.push({ tag: RpmTag.LICENSE, type: T.STRING, value: p.license });
  if (p.sourceRpm) entries.push({ tag: RpmTag.SOURCERPM, type: T.STRING, value: p.sourceRpm });
  // A large unrelated tag (1005 = DESCRIPTION) to make the blob span several overflow pages.
  if (p.padding) entries.push({ tag: 1005, type: T.I18NSTRING, value: 'x'.repeat(p.padding) });
  return headerBlob(entries);
}

interface BdbOptions {
  pageSize?: number;
  le?: boolean;
  /** Store blobs inline (H_KEYDATA) instead of in overflow chains. */
  inline?: boolean;
  /** Add rpm's instance-0 counter record. */
  counter?: boolean;
}

/**
 * A Berkeley DB hash file as rpm writes it: meta page 0, one hash page 1 with (key, H_OFFPAGE) pairs, then each
 * blob as an overflow chain. Items are packed from the end of the hash page downwards.
 */
function bdbFile(blobs: Buffer[], opts: BdbOptions = {}): Buffer {
  const pageSize = opts.pageSize ?? 4096;
  const le = opts.le ?? true;
  const pages: Buffer[] = [];
  const u32 = (b: Buffer, at: number, v: number): void => void (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const u16 = (b: Buffer, at: number, v: number): void => void (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));

  const meta = Buffer.alloc(pageSize);
  u32(meta, 12, 0x00061561);
  u32(meta, 16, 9);
  u32(meta, 20, pageSize);
  meta[25] = 8;
  pages.push(meta);
  const hash = Buffer.alloc(pageSize);
  hash[25] = 13;
  pages.push(hash);

  const items: Buffer[] = [];
  const keyItem = (instance: number): Buffer => {
    const k = Buffer.alloc(5);
    k[0] = 1;
    u32(k, 1, instance);
    return k;
  };
  if (opts.counter) {
    const v = Buffer.alloc(5);
    v[0] = 1;
    u32(v, 1, blobs.length + 1);
    items.push(keyItem(0), v);
  }
  const usable = pageSize - 26;
  blobs.forEach((blob, i) => {
    items.push(keyItem(i + 1));
    if (opts.inline) {
      items.push(Buffer.concat([Buffer.from([1]), blob]));
      return;
    }
    const first = pages.length;
    for (let off = 0; off < blob.length || off === 0; off += usable) {
      const page = Buffer.alloc(pageSize);
      const chunk = blob.subarray(off, off + usable);
      page[25] = 7;
      u32(page, 8, pages.length);
      u32(page, 16, off + usable < blob.length ? pages.length + 1 : 0);
      u16(page, 22, chunk.length);
      chunk.copy(page, 26);
      pages.push(page);
      if (blob.length === 0) break;
    }
    const ref = Buffer.alloc(12);
    ref[0] = 3;
    u32(ref, 4, first);
    u32(ref, 8, blob.length);
    items.push(ref);
  });
  u16(hash, 20, items.length);
  let end = pageSize;
  items.forEach((item, i) => {
    end -= item.length;
    assert.ok(end >= 26 + items.length * 2, 'test builder: hash page overflow');
    item.copy(hash, end);
    u16(hash, 26 + i * 2, end);
  });
  u32(meta, 32, pages.length - 1);
  return Buffer.concat(pages);
}

/** An NDB Packages.db: header, one slot page, then each blob in 16-byte blocks. */
function ndbFile(blobs: Buffer[], opts: { freeFirst?: boolean } = {}): Buffer {
  const slotPage = Buffer.alloc(4096);
  slotPage.write('RpmP', 0, 'latin1');
  slotPage.writeUInt32LE(0, 4);
  slotPage.writeUInt32LE(1, 8);
  slotPage.writeUInt32LE(1, 12);
  slotPage.writeUInt32LE(blobs.length + 1, 16);
  const data: Buffer[] = [];
  let block = 4096 / 16;
  let slot = 32;
  for (let at = 32; at < 4096; at += 16) slotPage.write('Slot', at, 'latin1'); // free slots keep their magic
  if (opts.freeFirst) slot += 16;
  blobs.forEach((blob, i) => {
    const blocks = Math.ceil((16 + blob.length + 12) / 16);
    slotPage.writeUInt32LE(i + 1, slot + 4);
    slotPage.writeUInt32LE(block, slot + 8);
    slotPage.writeUInt32LE(blocks, slot + 12);
    const b = Buffer.alloc(blocks * 16);
    b.write('BlbS', 0, 'latin1');
    b.writeUInt32LE(i + 1, 4);
    b.writeUInt32LE(1, 8);
    b.writeUInt32LE(blob.length, 12);
    blob.copy(b, 16);
    b.write('BlbE', blocks * 16 - 4, 'latin1');
    data.push(b);
    block += blocks;
    slot += 16;
  });
  return Buffer.concat([slotPage, ...data]);
}

/** An rpmdb.sqlite image (rpm lib/backend/sqlite.c schema), serialised from memory, optionally in WAL mode. */
function sqliteFile(rows: (Buffer | string | null)[], opts: { wal?: boolean; view?: boolean; table?: string } = {}): Buffer {
  const db = new Database(':memory:');
  try {
    if (opts.table) {
      db.exec(`CREATE TABLE ${opts.table} (hnum INTEGER PRIMARY KEY, blob BLOB)`);
    } else if (opts.view) {
      db.exec('CREATE TABLE t (hnum INTEGER, blob BLOB); CREATE VIEW Packages AS SELECT hnum, blob FROM t');
    } else {
      db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)');
      const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
      for (const r of rows) insert.run(r);
    }
    const bytes = db.serialize();
    if (opts.wal) {
      bytes[18] = 2;
      bytes[19] = 2;
    }
    return bytes;
  } finally {
    db.close();
  }
}

/** Small deterministic PRNG (mulberry32) so that fuzz cases are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Runs fn; it may return, or throw AnalysisError — anything else (RangeError, TypeError…) fails the test. */
async function survives(fn: () => unknown, label: string): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof AnalysisError, `${label}: threw ${String(e)}`);
  }
}

const dive: PkgSpec = {
  name: 'dive',
  version: '0.9.2',
  release: '1',
  arch: 'x86_64',
  license: 'MIT',
  sourceRpm: 'dive-0.9.2-1.src.rpm',
};
const withEpoch: PkgSpec = {
  name: 'perl-IO-Socket-SSL',
  version: '2.066',
  release: '4.module+el8.3.0+6446+594cad75',
  epoch: 1,
  arch: 'noarch',
  license: '(GPL+ or Artistic) and MPLv2.0',
  sourceRpm: 'perl-IO-Socket-SSL-2.066-4.module+el8.3.0+6446+594cad75.src.rpm',
  padding: 9000,
};

// ---------------------------------------------------------------------------------------------------------------

describe('parseHeaderBlob', () => {
  test('decodes the tags rpm stores, of every string and integer type', () => {
    const blob = headerBlob([
      { tag: RpmTag.NAME, type: T.STRING, value: 'openssl-libs' },
      { tag: RpmTag.VERSION, type: T.STRING, value: '3.0.7' },
      { tag: RpmTag.RELEASE, type: T.STRING, value: '27.el9' },
      { tag: RpmTag.EPOCH, type: T.INT32, value: 1 },
      { tag: RpmTag.SIZE, type: T.INT32, value: 4321 },
      { tag: RpmTag.LONGSIZE, type: T.INT64, value: 2n ** 33n },
      { tag: RpmTag.VENDOR, type: T.STRING, value: 'Rocky Enterprise Software Foundation' },
      { tag: RpmTag.LICENSE, type: T.I18NSTRING, value: 'ASL 2.0' },
      { tag: RpmTag.ARCH, type: T.STRING_ARRAY, value: ['x86_64', 'ignored'] },
      { tag: RpmTag.SOURCERPM, type: T.STRING, value: 'openssl-3.0.7-27.el9.src.rpm' },
      { tag: RpmTag.MODULARITYLABEL, type: T.STRING, value: 'perl:5.30:8030020200:466ea64f' },
      { tag: 1005, type: T.I18NSTRING, value: 'caf\u00e9' },
    ]);
    assert.deepEqual(parseHeaderBlob(blob), {
      name: 'openssl-libs',
      version: '3.0.7',
      release: '27.el9',
      epoch: 1,
      arch: 'x86_64',
      license: 'ASL 2.0',
      vendor: 'Rocky Enterprise Software Foundation',
      sourceRpm: 'openssl-3.0.7-27.el9.src.rpm',
      size: 2 ** 33,
      modularityLabel: 'perl:5.30:8030020200:466ea64f',
    });
  });

  test('an entry appended after the region replaces the earlier one; absent tags stay absent', () => {
    const blob = headerBlob([
      { tag: RpmTag.NAME, type: T.STRING, value: 'a' },
      { tag: RpmTag.VERSION, type: T.STRING, value: '1' },
      { tag: RpmTag.RELEASE, type: T.STRING, value: '1' },
      { tag: RpmTag.SIZE, type: T.INT16, value: 7 },
      { tag: RpmTag.NAME, type: T.STRING, value: 'b' },
    ]);
    assert.deepEqual(parseHeaderBlob(blob), { name: 'b', version: '1', release: '1', size: 7 });
  });

  test('every truncation of a valid blob is a MALFORMED_FILE error', () => {
    const blob = pkgBlob(withEpoch);
    for (let len = 0; len < blob.length; len++) {
      assert.throws(
        () => parseHeaderBlob(blob.subarray(0, len)),
        (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE',
        `length ${len}`,
      );
    }
    assert.equal(parseHeaderBlob(blob).name, 'perl-IO-Socket-SSL');
  });

  const base = pkgBlob(dive);
  const il = base.readInt32BE(0);
  const dl = base.readInt32BE(4);
  const nameEntry = 8 + 16; // entry 0 is the region tag, entry 1 is NAME
  const corrupt = (edit: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(base);
    edit(b);
    return b;
  };
  const hostile: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['zero index entries', corrupt((b) => b.writeInt32BE(0, 0))],
    ['negative index entry count', corrupt((b) => b.writeInt32BE(-1, 0))],
    ['2^31-1 index entries', corrupt((b) => b.writeInt32BE(0x7fffffff, 0))],
    ['65536 index entries', corrupt((b) => b.writeInt32BE(0x10000, 0))],
    ['negative data size', corrupt((b) => b.writeInt32BE(-5, 4))],
    ['data size past the end', corrupt((b) => b.writeInt32BE(dl + 1, 4))],
    ['huge data size', corrupt((b) => b.writeInt32BE(0x7fffffff, 4))],
    ['NAME offset past the data store', corrupt((b) => b.writeInt32BE(dl, nameEntry + 8))],
    ['NAME offset negative', corrupt((b) => b.writeInt32BE(-8, nameEntry + 8))],
    ['NAME with count 0', corrupt((b) => b.writeUInt32BE(0, nameEntry + 12))],
    ['NAME typed as INT32', corrupt((b) => b.writeUInt32BE(T.INT32, nameEntry + 4))],
    ['NAME typed as BIN', corrupt((b) => b.writeUInt32BE(T.BIN, nameEntry + 4))],
    ['NAME typed as STRING with count 2', corrupt((b) => b.writeUInt32BE(2, nameEntry + 12))],
    ['string not NUL-terminated', corrupt((b) => b.fill(0x41, 8 + il * 16 + 16))],
    [
      'EPOCH INT32 array overruns the data store',
      headerBlob([
        { tag: RpmTag.NAME, type: T.STRING, value: 'x' },
        { tag: RpmTag.EPOCH, type: T.INT32, value: 1 },
      ]).fill(0xff, 8 + 2 * 16 + 12, 8 + 2 * 16 + 16), // EPOCH count = 0xffffffff
    ],
  ];
  for (const [name, blob] of hostile) {
    test(`hostile blob: ${name}`, () => {
      assert.throws(() => parseHeaderBlob(blob), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE');
    });
  }

  test('random bytes and random mutations never escape as anything but AnalysisError', async () => {
    const rand = prng(1);
    for (let i = 0; i < 2000; i++) {
      await survives(() => parseHeaderBlob(randomBytes(rand, Math.floor(rand() * 300))), `random #${i}`);
      const m = Buffer.from(base);
      for (let k = 0; k < 4; k++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      await survives(() => parseHeaderBlob(m), `mutation #${i}`);
    }
  });
});

describe('readBdbBlobs', () => {
  const blobs = [pkgBlob(dive), pkgBlob(withEpoch)];
  for (const pageSize of [512, 4096, 65536]) {
    for (const le of [true, false]) {
      test(`page size ${pageSize}, ${le ? 'little' : 'big'}-endian: reads every blob, skips the counter record`, () => {
        const out = readBdbBlobs(bdbFile(blobs, { pageSize, le, counter: true }));
        assert.deepEqual(out.warnings, []);
        assert.deepEqual(
          out.blobs.map((b) => [b.instance, Buffer.from(b.data)]),
          blobs.map((b, i) => [i + 1, b]),
        );
      });
    }
  }

  test('inline (H_KEYDATA) values are read too', () => {
    const out = readBdbBlobs(bdbFile([pkgBlob(dive)], { inline: true }));
    assert.deepEqual(out.warnings, []);
    assert.deepEqual(parseHeaderBlob(out.blobs[0]!.data).name, 'dive');
  });

  // Page 2 is the first overflow page of blob 1 (withEpoch spans pages 3… with 4096-byte pages).
  const file = bdbFile([pkgBlob(dive), pkgBlob(withEpoch)]);
  const corrupt = (edit: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(file);
    edit(b);
    return b;
  };
  const lastOverflow = file.length / 4096 - 1;
  const recordLevel: [string, Buffer][] = [
    ['an overflow page that points to itself', corrupt((b) => b.writeUInt32LE(lastOverflow - 1, (lastOverflow - 1) * 4096 + 16))],
    ['an overflow cycle of two pages', corrupt((b) => b.writeUInt32LE(lastOverflow - 2, (lastOverflow - 1) * 4096 + 16))],
    ['an overflow chain that leaves the file', corrupt((b) => b.writeUInt32LE(99999, (lastOverflow - 1) * 4096 + 16))],
    ['an overflow chain into a hash page', corrupt((b) => b.writeUInt32LE(1, (lastOverflow - 1) * 4096 + 16))],
    ['an overflow page claiming more bytes than a page', corrupt((b) => b.writeUInt16LE(0xffff, lastOverflow * 4096 + 22))],
    ['an overflow page claiming zero bytes', corrupt((b) => b.writeUInt16LE(0, lastOverflow * 4096 + 22))],
    ['an overflow chain that ends early', corrupt((b) => b.writeUInt32LE(0, (lastOverflow - 1) * 4096 + 16))],
  ];
  for (const [name, bytes] of recordLevel) {
    test(`hostile file: ${name} skips that record with a warning`, () => {
      const out = readBdbBlobs(bytes);
      assert.equal(out.blobs.length, 1);
      assert.equal(parseHeaderBlob(out.blobs[0]!.data).name, 'dive');
      assert.equal(out.warnings.length, 1, out.warnings.join('\n'));
    });
  }

  test('hostile file: a 4 GiB overflow length is refused without allocating it', () => {
    const hash = 4096;
    const entries = file.readUInt16LE(hash + 20);
    const refOff = file.readUInt16LE(hash + 26 + (entries - 1) * 2);
    const out = readBdbBlobs(corrupt((b) => b.writeUInt32LE(0xffffffff, hash + refOff + 8)));
    assert.equal(out.blobs.length, 1);
    assert.match(out.warnings[0] ?? '', /exceeds the file size/);
  });

  test('hostile file: item offsets outside the page, and an entry count larger than the page', () => {
    const offsets = corrupt((b) => b.writeUInt16LE(0xfff0, 4096 + 26));
    assert.equal(readBdbBlobs(offsets).blobs.length, 1);
    const count = corrupt((b) => b.writeUInt16LE(0xffff, 4096 + 20));
    const out = readBdbBlobs(count);
    assert.equal(out.blobs.length, 0);
    assert.equal(out.warnings.length, 1);
  });

  const fileLevel: [string, Buffer, 'MALFORMED_FILE' | 'UNSUPPORTED_FORMAT'][] = [
    ['an empty file', Buffer.alloc(0), 'MALFORMED_FILE'],
    ['a file shorter than a page', file.subarray(0, 100), 'MALFORMED_FILE'],
    ['random bytes', randomBytes(prng(2), 8192), 'MALFORMED_FILE'],
    ['page size 0', corrupt((b) => b.writeUInt32LE(0, 20)), 'MALFORMED_FILE'],
    ['page size 1000', corrupt((b) => b.writeUInt32LE(1000, 20)), 'MALFORMED_FILE'],
    ['page size 2^31', corrupt((b) => b.writeUInt32LE(2 ** 31, 20)), 'MALFORMED_FILE'],
    ['page 0 not hash metadata', corrupt((b) => (b[25] = 9)), 'MALFORMED_FILE'],
    ['a B-tree database', corrupt((b) => b.writeUInt32LE(0x00053162, 12)), 'UNSUPPORTED_FORMAT'],
    ['an encrypted database', corrupt((b) => (b[24] = 1)), 'UNSUPPORTED_FORMAT'],
    ['hash version 99', corrupt((b) => b.writeUInt32LE(99, 16)), 'UNSUPPORTED_FORMAT'],
  ];
  for (const [name, bytes, code] of fileLevel) {
    test(`hostile file: ${name} is ${code}`, () => {
      assert.throws(() => readBdbBlobs(bytes), (e: unknown) => e instanceof AnalysisError && e.code === code);
    });
  }

  test('a page size larger than the file yields no records, not an out-of-bounds read', () => {
    const out = readBdbBlobs(corrupt((b) => b.writeUInt32LE(65536, 20)));
    assert.equal(out.blobs.length, 0);
  });

  test('random mutations of a valid file never escape as anything but AnalysisError', async () => {
    const rand = prng(3);
    for (let i = 0; i < 1500; i++) {
      const m = Buffer.from(file);
      for (let k = 0; k < 6; k++) {
        // Aim half of the mutations at the page headers and item tables, where they do the most damage.
        const page = Math.floor(rand() * (m.length / 4096));
        const at = rand() < 0.5 ? page * 4096 + Math.floor(rand() * 40) : Math.floor(rand() * m.length);
        m[at] = Math.floor(rand() * 256);
      }
      await survives(() => {
        for (const b of readBdbBlobs(m).blobs) {
          try {
            parseHeaderBlob(b.data);
          } catch (e) {
            if (!(e instanceof AnalysisError)) throw e;
          }
        }
      }, `mutation #${i}`);
    }
  });
});

describe('readNdbBlobs', () => {
  const blobs = [pkgBlob(dive), pkgBlob(withEpoch)];
  const file = ndbFile(blobs, { freeFirst: true });

  test('reads every used slot in slot order and skips free slots', () => {
    const out = readNdbBlobs(file);
    assert.deepEqual(out.warnings, []);
    assert.deepEqual(
      out.blobs.map((b) => [b.instance, Buffer.from(b.data)]),
      blobs.map((b, i) => [i + 1, b]),
    );
  });

  const slot1 = 32 + 16; // freeFirst: the first used slot is the second one
  const corrupt = (edit: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(file);
    edit(b);
    return b;
  };
  const blob1 = file.readUInt32LE(slot1 + 8) * 16;
  const recordLevel: [string, Buffer][] = [
    ['a slot whose blocks lie past the end', corrupt((b) => b.writeUInt32LE(0x0fffffff, slot1 + 8))],
    ['a slot pointing into the slot area', corrupt((b) => b.writeUInt32LE(2, slot1 + 8))],
    ['a huge block count', corrupt((b) => b.writeUInt32LE(0xffffffff, slot1 + 12))],
    ['a bad slot magic', corrupt((b) => b.write('XXXX', slot1, 'latin1'))],
    ['a bad blob magic', corrupt((b) => b.write('XXXX', blob1, 'latin1'))],
    ['a blob of another package', corrupt((b) => b.writeUInt32LE(7, blob1 + 4))],
    ['a blob longer than its blocks', corrupt((b) => b.writeUInt32LE(0xffffffff, blob1 + 12))],
  ];
  for (const [name, bytes] of recordLevel) {
    test(`hostile file: ${name} skips that record with a warning`, () => {
      const out = readNdbBlobs(bytes);
      assert.deepEqual(
        out.blobs.map((b) => b.instance),
        [2],
      );
      assert.equal(out.warnings.length, 1, out.warnings.join('\n'));
    });
  }

  const fileLevel: [string, Buffer, 'MALFORMED_FILE' | 'UNSUPPORTED_FORMAT'][] = [
    ['an empty file', Buffer.alloc(0), 'MALFORMED_FILE'],
    ['a truncated header', file.subarray(0, 20), 'MALFORMED_FILE'],
    ['a bad magic', corrupt((b) => b.write('RpmQ', 0, 'latin1')), 'MALFORMED_FILE'],
    ['zero slot pages', corrupt((b) => b.writeUInt32LE(0, 12)), 'MALFORMED_FILE'],
    ['2^32-1 slot pages', corrupt((b) => b.writeUInt32LE(0xffffffff, 12)), 'MALFORMED_FILE'],
    ['version 1', corrupt((b) => b.writeUInt32LE(1, 4)), 'UNSUPPORTED_FORMAT'],
  ];
  for (const [name, bytes, code] of fileLevel) {
    test(`hostile file: ${name} is ${code}`, () => {
      assert.throws(() => readNdbBlobs(bytes), (e: unknown) => e instanceof AnalysisError && e.code === code);
    });
  }

  test('truncations and random mutations never escape as anything but AnalysisError', async () => {
    const rand = prng(4);
    for (let len = 0; len < file.length; len += 7) await survives(() => readNdbBlobs(file.subarray(0, len)), `length ${len}`);
    for (let i = 0; i < 1500; i++) {
      const m = Buffer.from(file);
      for (let k = 0; k < 6; k++) m[Math.floor(rand() * (rand() < 0.5 ? 128 : m.length))] = Math.floor(rand() * 256);
      await survives(() => readNdbBlobs(m), `mutation #${i}`);
    }
  });
});

describe('readSqliteBlobs', () => {
  const blobs = [pkgBlob(dive), pkgBlob(withEpoch)];

  test('reads every row of a WAL-mode database without touching the input buffer', async () => {
    const file = sqliteFile(blobs, { wal: true });
    const before = Buffer.from(file);
    const out = await readSqliteBlobs(file);
    assert.deepEqual(out.warnings, []);
    assert.deepEqual(
      out.blobs.map((b) => [b.instance, Buffer.from(b.data)]),
      blobs.map((b, i) => [i + 1, b]),
    );
    assert.deepEqual(file, before);
  });

  test('rows without a blob are skipped with a warning', async () => {
    const out = await readSqliteBlobs(sqliteFile([blobs[0]!, null, 'text']));
    assert.equal(out.blobs.length, 1);
    assert.equal(out.warnings.length, 2);
  });

  const fileLevel: [string, () => Buffer][] = [
    ['an empty file', () => Buffer.alloc(0)],
    ['random bytes after the SQLite magic', () => Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(prng(5), 8192)])],
    ['a database without a Packages table', () => sqliteFile([], { table: 'Name' })],
    ['Packages as a view', () => sqliteFile([], { view: true })],
    ['a truncated database', () => sqliteFile(blobs).subarray(0, 4096 + 100)],
  ];
  for (const [name, make] of fileLevel) {
    test(`hostile file: ${name} is MALFORMED_FILE`, async () => {
      await assert.rejects(readSqliteBlobs(make()), (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE');
    });
  }

  test('random mutations never escape as anything but AnalysisError', async () => {
    const file = sqliteFile(blobs);
    const rand = prng(6);
    for (let i = 0; i < 200; i++) {
      const m = Buffer.from(file);
      for (let k = 0; k < 8; k++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      await survives(() => readSqliteBlobs(m), `mutation #${i}`);
    }
  });
});

describe('rpm analyzer on synthetic databases', () => {
  const gpg: PkgSpec = { name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' };
  const entry = (path: string, content: Buffer) => ({ path, size: content.length, mode: 0o100644, content });

  for (const [backend, path, make] of [
    ['bdb', 'var/lib/rpm/Packages', (b: Buffer[]) => bdbFile(b)],
    ['ndb', 'usr/lib/sysimage/rpm/Packages.db', (b: Buffer[]) => ndbFile(b)],
    ['sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite', (b: Buffer[]) => sqliteFile(b, { wal: true })],
  ] as const) {
    test(`${backend}: gpg-pubkey is skipped, a broken header is a warning, the fact survives JSON`, async () => {
      const broken = pkgBlob(dive).subarray(0, 40);
      const fact = (await analyzer.analyze(entry(path, make([pkgBlob(gpg), pkgBlob(withEpoch), broken])))) as RpmFact;
      assert.equal(fact.backend, backend);
      assert.deepEqual(
        fact.packages.map((p) => p.name),
        ['perl-IO-Socket-SSL'],
      );
      assert.equal(fact.warnings.length, 1);
      assert.ok(fact.warnings[0]!.startsWith(`${path}: header 3:`), fact.warnings[0]);
      assert.deepEqual(JSON.parse(JSON.stringify(fact)), fact);

      const out = analyzer.merge({ final: [{ path, layer: 0, fact }], history: [{ path, layer: 0, fact }] });
      assert.deepEqual(out.warnings, fact.warnings);
      const [pkg] = out.packages ?? [];
      assert.equal(pkg?.version, '1:2.066-4.module+el8.3.0+6446+594cad75');
      assert.deepEqual(pkg?.metadata, {
        kind: 'rpm',
        epoch: 1,
        version: '2.066',
        release: '4.module+el8.3.0+6446+594cad75',
        arch: 'noarch',
        sourceRpm: 'perl-IO-Socket-SSL-2.066-4.module+el8.3.0+6446+594cad75.src.rpm',
        sourceName: 'perl-IO-Socket-SSL',
        sourceVersion: '2.066',
        sourceRelease: '4.module+el8.3.0+6446+594cad75',
      });
      assert.deepEqual(pkg?.licenses, ['(GPL+ or Artistic) and MPLv2.0']);
    });
  }

  test('an empty file holds nothing; garbage is a typed error naming the file', async () => {
    assert.equal(await analyzer.analyze(entry('var/lib/rpm/Packages', Buffer.alloc(0))), undefined);
    await assert.rejects(
      Promise.resolve(analyzer.analyze(entry('var/lib/rpm/Packages', randomBytes(prng(7), 5000)))),
      (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE' && e.message.startsWith('var/lib/rpm/Packages: '),
    );
  });

  test('required() matches the six database paths only', () => {
    const yes = [
      'var/lib/rpm/Packages',
      'var/lib/rpm/Packages.db',
      'var/lib/rpm/rpmdb.sqlite',
      'usr/lib/sysimage/rpm/Packages',
      'usr/lib/sysimage/rpm/Packages.db',
      'usr/lib/sysimage/rpm/rpmdb.sqlite',
    ];
    const no = ['var/lib/rpm/Name', 'var/lib/rpm/rpmdb.sqlite-wal', 'root/var/lib/rpm/Packages', '/var/lib/rpm/Packages', 'var/lib/rpm'];
    for (const p of yes) assert.equal(analyzer.required(p), true, p);
    for (const p of no) assert.equal(analyzer.required(p), false, p);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// File lists (OS ownership of language packages)

describe('parseHeaderFiles', () => {
  const nvr: EntrySpec[] = [
    { tag: RpmTag.NAME, type: T.STRING, value: 'python3-foo' },
    { tag: RpmTag.VERSION, type: T.STRING, value: '1.2' },
    { tag: RpmTag.RELEASE, type: T.STRING, value: '1.fc40' },
    { tag: RpmTag.ARCH, type: T.STRING, value: 'noarch' },
  ];
  const dirs = ['/usr/bin/', '/usr/lib/python3.12/site-packages/foo-1.2.dist-info/', '/usr/share/doc/python3-foo/'];
  const names = ['foo', 'METADATA', 'RECORD', 'README.md'];
  const fileTags = (over: Partial<Record<'names' | 'dirs', string[]>> = {}): EntrySpec[] => [
    { tag: RpmFileTag.BASENAMES, type: T.STRING_ARRAY, value: over.names ?? names },
    { tag: RpmFileTag.DIRNAMES, type: T.STRING_ARRAY, value: over.dirs ?? dirs },
  ];

  /** headerBlob writes scalars only; DIRINDEXES is appended as rpm stores it (INT32 × count, 4-byte aligned). */
  function withIndexes(entries: EntrySpec[], indexes: number[]): Buffer {
    const blob = headerBlob(entries);
    const il = blob.readInt32BE(0);
    const dl = blob.readInt32BE(4);
    const pad = (4 - (dl % 4)) % 4;
    const entry = Buffer.alloc(16);
    entry.writeInt32BE(RpmFileTag.DIRINDEXES, 0);
    entry.writeUInt32BE(T.INT32, 4);
    entry.writeInt32BE(dl + pad, 8);
    entry.writeUInt32BE(indexes.length, 12);
    const values = Buffer.alloc(4 * indexes.length);
    indexes.forEach((v, i) => values.writeUInt32BE(v, 4 * i));
    const pre = Buffer.alloc(8);
    pre.writeInt32BE(il + 1, 0);
    pre.writeInt32BE(dl + pad + values.length, 4);
    return Buffer.concat([pre, blob.subarray(8, 8 + il * 16), entry, blob.subarray(8 + il * 16), Buffer.alloc(pad), values]);
  }
  const compressed = (indexes: number[], head: EntrySpec[] = nvr): Buffer => withIndexes([...head, ...fileTags()], indexes);

  test('DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], without the leading "/", in header order', () => {
    const blob = compressed([0, 1, 1, 2]);
    assert.deepEqual(parseHeaderFiles(blob, () => true), [
      'usr/bin/foo',
      'usr/lib/python3.12/site-packages/foo-1.2.dist-info/METADATA',
      'usr/lib/python3.12/site-packages/foo-1.2.dist-info/RECORD',
      'usr/share/doc/python3-foo/README.md',
    ]);
    assert.deepEqual(parseHeaderFiles(blob, isLanguageEvidencePath), ['usr/bin/foo', 'usr/lib/python3.12/site-packages/foo-1.2.dist-info/METADATA']);
    // The other tags are read as before.
    assert.equal(parseHeaderBlob(blob).name, 'python3-foo');
    assert.equal(parseHeaderBlob(blob).files, undefined);
  });

  test('old headers: OLDFILENAMES; no file tags: no files', () => {
    const old = headerBlob([...nvr, { tag: RpmFileTag.OLDFILENAMES, type: T.STRING_ARRAY, value: ['/usr/share/java/a.jar', '/etc/a.conf'] }]);
    assert.deepEqual(parseHeaderFiles(old, isLanguageEvidencePath), ['usr/share/java/a.jar']);
    assert.deepEqual(parseHeaderFiles(headerBlob(nvr), () => true), []);
  });

  const hostile: [string, () => Buffer][] = [
    ['more basenames than directory indexes', () => compressed([0, 1])],
    ['a directory index out of range', () => compressed([0, 1, 1, 7])],
    ['BASENAMES without DIRNAMES', () => headerBlob([...nvr, { tag: RpmFileTag.BASENAMES, type: T.STRING_ARRAY, value: names }])],
    ['DIRINDEXES of the wrong type', () => headerBlob([...nvr, ...fileTags(), { tag: RpmFileTag.DIRINDEXES, type: T.STRING, value: 'x' }])],
    [
      'a string array claiming a billion strings',
      () => {
        const b = headerBlob([...nvr, { tag: RpmFileTag.OLDFILENAMES, type: T.STRING_ARRAY, value: ['/usr/bin/x'] }]);
        // The OLDFILENAMES entry is the last index entry: set its count.
        const il = b.readInt32BE(0);
        b.writeUInt32BE(1_000_000_000, 8 + (il - 1) * 16 + 12);
        return b;
      },
    ],
    [
      'a string array running off the data store',
      () => {
        const b = headerBlob([...nvr, { tag: RpmFileTag.OLDFILENAMES, type: T.STRING_ARRAY, value: ['/usr/bin/x', '/usr/bin/y'] }]);
        b[b.length - 1] = 0x41; // the last NUL
        return b;
      },
    ],
  ];
  for (const [name, make] of hostile) {
    test(`hostile: ${name} is MALFORMED_FILE`, () => {
      assert.throws(
        () => parseHeaderFiles(make(), () => true),
        (e: unknown) => e instanceof AnalysisError && e.code === 'MALFORMED_FILE',
      );
    });
  }

  test('the analyzer keeps the package when only its file list is broken, and merge emits ownedFiles', async () => {
    const good = compressed([0, 1, 1, 2]);
    const broken = compressed([0, 1, 1, 9], nvr.map((e) => (e.tag === RpmTag.NAME ? { ...e, value: 'python3-bar' } : e)));
    const content = sqliteFile([good, broken]);
    const path = 'var/lib/rpm/rpmdb.sqlite';
    const fact = (await analyzer.analyze({ path, size: content.length, mode: 0o100644, content })) as RpmFact;
    assert.deepEqual(
      fact.packages.map((p) => [p.name, p.files]),
      [
        ['python3-foo', ['usr/bin/foo', 'usr/lib/python3.12/site-packages/foo-1.2.dist-info/METADATA']],
        ['python3-bar', undefined],
      ],
    );
    assert.equal(fact.warnings.length, 1);
    assert.match(fact.warnings[0] ?? '', /^var\/lib\/rpm\/rpmdb\.sqlite: header 2 \(python3-bar\): .*directory index 9.*; its files are not listed$/);
    const located = [{ path, layer: 0, fact }];
    const out = analyzer.merge({ final: located, history: located, os: { family: 'fedora', version: '40', id: 'fedora' } });
    const foo = out.packages?.find((p) => p.name === 'python3-foo');
    assert.equal(foo?.purl, 'pkg:rpm/fedora/python3-foo@1.2-1.fc40?arch=noarch&distro=fedora-40');
    assert.deepEqual(out.ownedFiles, {
      'usr/bin/foo': foo?.purl,
      'usr/lib/python3.12/site-packages/foo-1.2.dist-info/METADATA': foo?.purl,
    });
  });
});
