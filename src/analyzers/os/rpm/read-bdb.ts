import { AnalysisError } from '../../../core/index.js';
import { WarningList, type BlobList, type RpmBlob } from './blob.js';

/**
 * Reader for rpm's BerkeleyDB `Packages` file: a Berkeley DB *Hash* database whose keys are 4-byte package
 * instance numbers and whose values are rpm header blobs. Layout from Berkeley DB's dbinc/db_page.h and
 * dbinc/hash.h (HMETA, PAGE, HOFFPAGE) — only what rpm writes is supported: no encryption, no duplicates.
 *
 * All multi-byte fields are in the byte order of the host that wrote the file; the metadata magic tells which.
 * Rather than following bucket chains, every page is visited once and hash pages are read in place: each key/data
 * pair lives on exactly one hash page, so this finds every record and cannot loop.
 */

const HASH_MAGIC = 0x00061561;
const BTREE_MAGIC = 0x00053162;

/** Page types (db_page.h). */
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;

/** Hash item types (db_page.h: H_KEYDATA … H_OFFDUP). */
const H_KEYDATA = 1;
const H_DUPLICATE = 2;
const H_OFFPAGE = 3;
const H_OFFDUP = 4;

/** Generic page header size (SIZEOF_PAGE); with checksums a 20-byte PG_CHKSUM follows it. */
const PAGE_HEADER = 26;
const CHKSUM_SIZE = 20;
const DBMETA_CHKSUM = 0x01;

const MIN_PAGE_SIZE = 512;
const MAX_PAGE_SIZE = 65536;

export function readBdbBlobs(file: Uint8Array): BlobList {
  if (file.length < MIN_PAGE_SIZE) throw malformed(`file of ${file.length} bytes is too small for a Berkeley DB`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let le: boolean;
  if (view.getUint32(12, true) === HASH_MAGIC) le = true;
  else if (view.getUint32(12, false) === HASH_MAGIC) le = false;
  else if (view.getUint32(12, true) === BTREE_MAGIC || view.getUint32(12, false) === BTREE_MAGIC) {
    throw new AnalysisError('UNSUPPORTED_FORMAT', 'rpm Packages: a Berkeley DB B-tree, not the Hash database rpm writes');
  } else throw malformed('no Berkeley DB hash magic at byte 12');

  const u32 = (at: number): number => view.getUint32(at, le);
  const u16 = (at: number): number => view.getUint16(at, le);

  // HMETA / DBMETA: version @16, pagesize @20, encrypt_alg @24, type @25, metaflags @26, last_pgno @32.
  const version = u32(16);
  if (version < 7 || version > 10) throw new AnalysisError('UNSUPPORTED_FORMAT', `rpm Packages: hash version ${version}`);
  const pageSize = u32(20);
  if (pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || (pageSize & (pageSize - 1)) !== 0) {
    throw malformed(`invalid page size ${pageSize}`);
  }
  if (view.getUint8(25) !== P_HASHMETA) throw malformed(`page 0 has type ${view.getUint8(25)}, not hash metadata`);
  if (view.getUint8(24) !== 0) throw new AnalysisError('UNSUPPORTED_FORMAT', 'rpm Packages: encrypted Berkeley DB');
  const overhead = PAGE_HEADER + ((view.getUint8(26) & DBMETA_CHKSUM) !== 0 ? CHKSUM_SIZE : 0);

  // Trust the file length over last_pgno: a page past the end of the file cannot be read anyway.
  const pageCount = Math.floor(file.length / pageSize);
  const warnings = new WarningList();
  const blobs: RpmBlob[] = [];
  if (file.length % pageSize !== 0) warnings.add(`rpm Packages: file length ${file.length} is not a multiple of the page size ${pageSize}`);

  for (let pgno = 1; pgno < pageCount; pgno++) {
    const base = pgno * pageSize;
    const type = view.getUint8(base + 25);
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(base + 20);
    if (overhead + entries * 2 > pageSize) {
      warnings.add(`rpm Packages: hash page ${pgno} claims ${entries} entries, more than fit in a page; page skipped`);
      continue;
    }
    const offsets: number[] = [];
    for (let i = 0; i < entries; i++) offsets.push(u16(base + overhead + i * 2));
    // Items are packed from the end of the page downwards: an item ends where the previous index's item starts
    // (db_page.h LEN_HITEM).
    const itemEnd = (i: number): number => (i === 0 ? pageSize : Math.min(pageSize, offsets[i - 1] ?? 0));

    for (let i = 0; i + 1 < entries; i += 2) {
      const keyOff = offsets[i] ?? 0;
      const dataOff = offsets[i + 1] ?? 0;
      const where = `hash page ${pgno} item ${i / 2}`;
      if (keyOff < overhead || keyOff >= pageSize || dataOff < overhead || dataOff >= pageSize) {
        warnings.add(`rpm Packages: ${where} has an offset outside the page; skipped`);
        continue;
      }
      // Key: the 4-byte header instance. Instance 0 holds rpm's "next instance" counter, not a header.
      const instance =
        view.getUint8(base + keyOff) === H_KEYDATA && itemEnd(i) - keyOff - 1 === 4 ? u32(base + keyOff + 1) : undefined;
      if (instance === 0) continue;

      const dataType = view.getUint8(base + dataOff);
      if (dataType === H_OFFPAGE) {
        if (dataOff + 12 > pageSize) {
          warnings.add(`rpm Packages: ${where}: off-page reference overruns the page; skipped`);
          continue;
        }
        const blob = readOverflow(file, view, le, pageSize, pageCount, overhead, u32(base + dataOff + 4), u32(base + dataOff + 8));
        if (typeof blob === 'string') warnings.add(`rpm Packages: ${where}: ${blob}; skipped`);
        else blobs.push({ instance: instance ?? 0, data: blob });
      } else if (dataType === H_KEYDATA) {
        const end = itemEnd(i + 1);
        if (end <= dataOff) {
          warnings.add(`rpm Packages: ${where}: inline data has an invalid length; skipped`);
          continue;
        }
        blobs.push({ instance: instance ?? 0, data: file.subarray(base + dataOff + 1, base + end) });
      } else if (dataType === H_DUPLICATE || dataType === H_OFFDUP) {
        warnings.add(`rpm Packages: ${where}: duplicate data items are not used by rpm; skipped`);
      } else {
        warnings.add(`rpm Packages: ${where}: unknown item type ${dataType}; skipped`);
      }
    }
  }
  return { blobs, warnings: warnings.toArray('rpm Packages') };
}

/**
 * Concatenates an overflow chain (P_OVERFLOW pages: next page at byte 16, bytes used in HOFFSET at byte 22).
 * A page is never visited twice, so a cycle ends with an error instead of a hang (or a blob stitched together from
 * repeated pages), and the buffer is bounded by the file size, so a hostile total length cannot force a huge
 * allocation.
 */
function readOverflow(
  file: Uint8Array,
  view: DataView,
  le: boolean,
  pageSize: number,
  pageCount: number,
  overhead: number,
  first: number,
  total: number,
): Uint8Array | string {
  if (total > file.length) return `overflow length ${total} exceeds the file size`;
  const out = new Uint8Array(total);
  let filled = 0;
  let pgno = first;
  const visited = new Set<number>();
  while (filled < total) {
    if (pgno === 0 || pgno >= pageCount) return `overflow chain points to page ${pgno}, outside the file`;
    if (visited.has(pgno)) return `overflow chain loops back to page ${pgno}`;
    visited.add(pgno);
    const base = pgno * pageSize;
    if (view.getUint8(base + 25) !== P_OVERFLOW) return `overflow chain reaches page ${pgno}, which is not an overflow page`;
    const used = view.getUint16(base + 22, le);
    if (used > pageSize - overhead) return `overflow page ${pgno} claims ${used} bytes`;
    const take = Math.min(used, total - filled);
    out.set(file.subarray(base + overhead, base + overhead + take), filled);
    filled += take;
    if (used === 0 && filled < total) return `overflow page ${pgno} is empty`;
    pgno = view.getUint32(base + 16, le);
    if (pgno === 0 && filled < total) return `overflow chain ends after ${filled} of ${total} bytes`;
  }
  return out;
}

function malformed(message: string): AnalysisError {
  return new AnalysisError('MALFORMED_FILE', `rpm Packages: ${message}`);
}
