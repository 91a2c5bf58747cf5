/**
 * A small ZIP writer for tests (APPNOTE.TXT 6.3.10): builds ordinary jars in memory and, on request, the malformed
 * and hostile variants a reader must survive — lying sizes, bad CRCs, data descriptors, ZIP64 records, a prefix in
 * front of the archive, a central directory pointing elsewhere, overlapping entries. Archives written by the real
 * `zip` tool are used in the tests too, so the reader is not only checked against this writer.
 */
import zlib from 'node:zlib';

export interface ZipWriterEntry {
  name: string;
  content: Buffer | string;
  /** 'deflate' (default) or 'store'. */
  method?: 'deflate' | 'store';
  /** Overrides the uncompressed size written in the headers (to lie about it). */
  declaredSize?: number;
  /** Overrides the CRC-32 written in the headers. */
  crc32?: number;
  /** Sets bit 3 and writes sizes/CRC in a data descriptor after the data (zeros in the local header). */
  dataDescriptor?: boolean;
  /** Points this central-directory entry at the local header of an earlier entry (an overlapping-entry bomb). */
  sameDataAs?: number;
  /** Already-compressed raw bytes to use as data (with `declaredSize`), for bombs built without inflating them. */
  raw?: Buffer;
}

export interface ZipWriterOptions {
  /** Bytes in front of the archive, e.g. a launcher script; offsets stay relative to the zip data. */
  prefix?: Buffer | string;
  /** Writes ZIP64 end records (and 0xFFFFFFFF markers in the classic end record). */
  zip64?: boolean;
  /** Overrides the central directory offset written in the end record. */
  directoryOffset?: number;
  comment?: string;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

export function makeZip(entries: ZipWriterEntry[], opts: ZipWriterOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  const localOffsets: number[] = [];
  let offset = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const written: { crc: number; compressed: number; size: number }[] = [];
  for (const e of entries) {
    const store = e.method === 'store';
    const name = Buffer.from(e.name, 'utf8');
    const flags = 0x800 | (e.dataDescriptor ? 0x8 : 0);
    const method = store ? 0 : 8;
    let localOffset: number;
    let crc: number;
    let size: number;
    let compressed: number;
    const shared = e.sameDataAs === undefined ? undefined : written[e.sameDataAs];
    if (e.sameDataAs !== undefined && shared) {
      // Same local data as an earlier entry: its CRC and sizes, without touching the content again.
      localOffset = localOffsets[e.sameDataAs]!;
      ({ crc, size, compressed } = shared);
    } else {
      const content = typeof e.content === 'string' ? Buffer.from(e.content) : e.content;
      const data = e.raw ?? (store ? content : zlib.deflateRawSync(content));
      crc = e.crc32 ?? zlib.crc32(content);
      size = e.declaredSize ?? content.length;
      compressed = data.length;
      localOffset = offset;
      const dd = e.dataDescriptor;
      push(
        Buffer.concat([
          u32(0x04034b50), u16(20), u16(flags), u16(method), u16(0), u16(0),
          u32(dd ? 0 : crc), u32(dd ? 0 : data.length), u32(dd ? 0 : size),
          u16(name.length), u16(0), name,
        ]),
      );
      push(data);
      if (dd) push(Buffer.concat([u32(0x08074b50), u32(crc), u32(data.length), u32(size)]));
    }
    localOffsets.push(localOffset);
    written.push({ crc, compressed, size });
    central.push(
      Buffer.concat([
        u32(0x02014b50), u16(0x031e), u16(20), u16(flags), u16(method), u16(0), u16(0),
        u32(crc), u32(compressed), u32(size),
        u16(name.length), u16(0), u16(0), u16(0), u16(0), u32(0o100644 << 16), u32(localOffset), name,
      ]),
    );
  }
  const cd = Buffer.concat(central);
  const cdOffset = offset;
  push(cd);
  const comment = Buffer.from(opts.comment ?? '');
  if (opts.zip64) {
    const z64 = offset;
    push(
      Buffer.concat([
        u32(0x06064b50), u64(44), u16(45), u16(45), u32(0), u32(0),
        u64(entries.length), u64(entries.length), u64(cd.length), u64(opts.directoryOffset ?? cdOffset),
      ]),
    );
    push(Buffer.concat([u32(0x07064b50), u32(0), u64(z64), u32(1)]));
    push(Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(0xffff), u16(0xffff), u32(0xffffffff), u32(0xffffffff), u16(comment.length), comment]));
  } else {
    push(
      Buffer.concat([
        u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length),
        u32(cd.length), u32(opts.directoryOffset ?? cdOffset), u16(comment.length), comment,
      ]),
    );
  }
  const zip = Buffer.concat(parts);
  return opts.prefix === undefined ? zip : Buffer.concat([Buffer.from(opts.prefix), zip]);
}
