import zlib from 'node:zlib';
import { AnalysisError } from '../../../core/index.js';

/**
 * A read-only ZIP reader over an in-memory buffer, for JAR/WAR/EAR archives (APPNOTE.TXT 6.3.10,
 * https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT). Nothing is ever extracted to disk: entries are
 * listed from the central directory and only the few the caller asks for are inflated, each with an output limit,
 * so a zip bomb stops at the limit instead of filling memory.
 *
 * Handled: stored and deflated entries, data descriptors (sizes are taken from the central directory, which is
 * authoritative, so bit 3 needs no special handling), ZIP64 end records and extra fields, and archives with bytes in
 * front of them (executable jars with a launcher script prepended: offsets are then relative to the start of the
 * zip data, as Go's archive/zip and java.util.zip also assume).
 */

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

export interface ZipEntry {
  /** Entry name as stored (UTF-8 when general-purpose bit 11 is set, else decoded as Latin-1). */
  name: string;
  /** 0 = stored, 8 = deflated; anything else is reported as unsupported when read. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the local file header, relative to the start of the zip data (before adding the prefix). */
  localHeaderOffset: number;
}

export interface ZipDirectory {
  /** Bytes in front of the zip data (e.g. a launcher script); 0 for an ordinary archive. */
  prefix: number;
  /** Start and end of the central directory within the buffer. */
  start: number;
  end: number;
  /** Entry count the end record declares (informational: the directory itself is walked to its end). */
  declaredEntries: number;
}

function malformed(message: string): AnalysisError {
  return new AnalysisError('MALFORMED_FILE', message);
}

/** Reads a little-endian uint64 as a number, refusing values above 2^53 (no archive here can be that large). */
function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('ZIP64 field out of range');
  return Number(v);
}

/** Locates the end of central directory record and the central directory it describes. */
export function readDirectory(buf: Buffer): ZipDirectory {
  if (buf.length < EOCD_SIZE) throw malformed('not a zip archive (too short)');
  // The end record is the last thing in the file but may be followed by a comment of up to 64 KiB: scan backwards.
  const lowest = Math.max(0, buf.length - EOCD_SIZE - MAX_COMMENT);
  let eocd = -1;
  for (let i = buf.length - EOCD_SIZE; i >= lowest; i--) {
    if (buf[i] !== 0x50 || buf.readUInt32LE(i) !== SIG_EOCD) continue;
    // A genuine record's comment reaches exactly (or, leniently, at most) to the end of the file.
    if (i + EOCD_SIZE + buf.readUInt16LE(i + 20) <= buf.length) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw malformed('not a zip archive (no end of central directory record)');

  let entries = buf.readUInt16LE(eocd + 10);
  let size = buf.readUInt32LE(eocd + 12);
  let offset = buf.readUInt32LE(eocd + 16);
  let recordStart = eocd;
  if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    // ZIP64 (APPNOTE 4.3.14/4.3.15): a locator right before the end record points at the ZIP64 end record.
    const loc = eocd - 20;
    if (loc >= 0 && buf.readUInt32LE(loc) === SIG_ZIP64_LOCATOR) {
      const declared = u64(buf, loc + 8);
      // The locator's offset is relative to the zip data too: with a prefix the record sits further on. It is
      // immediately before the locator in any well-formed file, which is where it is looked for first.
      const candidates = [loc - 56, declared];
      const at = candidates.find((c) => c >= 0 && c + 56 <= loc && buf.readUInt32LE(c) === SIG_ZIP64_EOCD);
      if (at === undefined) throw malformed('ZIP64 end of central directory record not found');
      entries = u64(buf, at + 32);
      size = u64(buf, at + 40);
      offset = u64(buf, at + 48);
      recordStart = at;
    }
  }
  if (size > recordStart) throw malformed('central directory larger than the archive');
  // Where the directory actually ends (right before the end record) tells how many bytes precede the zip data.
  const prefix = recordStart - size - offset;
  for (const p of prefix > 0 ? [prefix, 0] : [0]) {
    const start = offset + p;
    if (start < 0 || start + size > recordStart) continue;
    if (size === 0 || (start + 4 <= buf.length && buf.readUInt32LE(start) === SIG_CENTRAL)) {
      return { prefix: p, start, end: start + size, declaredEntries: entries };
    }
  }
  throw malformed(`central directory offset ${offset} points outside the archive or at no directory`);
}

/**
 * Walks the central directory, calling `visit` for every entry; `visit` returns false to stop early. Names are
 * decoded lazily only for the walk itself (no entry objects are kept), so a jar with 100k classes costs little.
 */
export function forEachEntry(buf: Buffer, dir: ZipDirectory, visit: (entry: ZipEntry) => boolean | void): void {
  let p = dir.start;
  while (p + CENTRAL_SIZE <= dir.end) {
    if (buf.readUInt32LE(p) !== SIG_CENTRAL) throw malformed(`bad central directory entry at offset ${p}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc32 = buf.readUInt32LE(p + 16);
    let compressedSize = buf.readUInt32LE(p + 20);
    let uncompressedSize = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    let localHeaderOffset = buf.readUInt32LE(p + 42);
    const nameStart = p + CENTRAL_SIZE;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > dir.end) throw malformed(`central directory entry at offset ${p} runs past the directory`);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', nameStart, extraStart);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      // ZIP64 extended information extra field (APPNOTE 4.5.3): only the fields that overflowed are present, in
      // the order uncompressed size, compressed size, local header offset.
      let e = extraStart;
      const extraEnd = extraStart + extraLength;
      while (e + 4 <= extraEnd) {
        const id = buf.readUInt16LE(e);
        const len = buf.readUInt16LE(e + 2);
        if (e + 4 + len > extraEnd) break;
        if (id === 0x0001) {
          let f = e + 4;
          const fieldEnd = f + len;
          if (uncompressedSize === 0xffffffff && f + 8 <= fieldEnd) {
            uncompressedSize = u64(buf, f);
            f += 8;
          }
          if (compressedSize === 0xffffffff && f + 8 <= fieldEnd) {
            compressedSize = u64(buf, f);
            f += 8;
          }
          if (localHeaderOffset === 0xffffffff && f + 8 <= fieldEnd) localHeaderOffset = u64(buf, f);
          break;
        }
        e += 4 + len;
      }
    }
    if (visit({ name, method, flags, crc32, compressedSize, uncompressedSize, localHeaderOffset }) === false) return;
    p = next;
  }
}

/** Why an entry could not be read: returned, not thrown, because one bad entry must not hide the others. */
export type ReadFailure =
  | { reason: 'too-large'; message: string }
  | { reason: 'unsupported'; message: string }
  | { reason: 'malformed'; message: string };

/**
 * The bytes of an entry, or why not. `limit` bounds the uncompressed size: an entry declaring more is refused
 * without inflating anything, and inflation itself stops at the declared size (`maxOutputLength`), so an entry lying
 * about its size cannot expand further. Stored entries are returned as a view of `buf` (no copy).
 */
export function readEntry(buf: Buffer, dir: ZipDirectory, entry: ZipEntry, limit: number, checkCrc = true): Buffer | ReadFailure {
  if (entry.flags & 0x1) return { reason: 'unsupported', message: 'encrypted entry' };
  if (entry.method !== 0 && entry.method !== 8) return { reason: 'unsupported', message: `compression method ${entry.method}` };
  if (entry.uncompressedSize > limit) {
    return { reason: 'too-large', message: `${entry.uncompressedSize} bytes uncompressed, more than the ${limit}-byte limit` };
  }
  const local = dir.prefix + entry.localHeaderOffset;
  if (local < 0 || local + LOCAL_SIZE > buf.length || buf.readUInt32LE(local) !== SIG_LOCAL) {
    return { reason: 'malformed', message: `local header offset ${entry.localHeaderOffset} points outside the archive` };
  }
  // The local header's name and extra lengths may differ from the central directory's; its own count.
  const dataStart = local + LOCAL_SIZE + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > buf.length) return { reason: 'malformed', message: 'entry data runs past the end of the archive' };
  const raw = buf.subarray(dataStart, dataEnd);
  let out: Buffer;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) return { reason: 'malformed', message: 'stored entry with differing sizes' };
    out = raw;
  } else if (entry.uncompressedSize === 0) {
    out = Buffer.alloc(0);
  } else {
    try {
      out = zlib.inflateRawSync(raw, { maxOutputLength: entry.uncompressedSize });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        return { reason: 'too-large', message: `inflates beyond its declared ${entry.uncompressedSize} bytes` };
      }
      return { reason: 'malformed', message: `cannot inflate: ${(e as Error).message}` };
    }
    if (out.length !== entry.uncompressedSize) {
      return { reason: 'malformed', message: `inflated to ${out.length} bytes, ${entry.uncompressedSize} declared` };
    }
  }
  if (checkCrc && (zlib.crc32(out) >>> 0) !== entry.crc32) return { reason: 'malformed', message: 'CRC-32 mismatch' };
  return out;
}

export function isReadFailure(x: Buffer | ReadFailure): x is ReadFailure {
  return !Buffer.isBuffer(x);
}
