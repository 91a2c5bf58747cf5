import { AnalysisError } from '../../../core/index.js';
import { WarningList, type BlobList, type RpmBlob } from './blob.js';

/**
 * Reader for rpm's NDB backend `Packages.db` (rpm lib/backend/ndb/rpmpkg.c), always little-endian:
 *   header (32 bytes): "RpmP" magic, version (0), generation, number of slot pages, next package index;
 *   slots from byte 32 to the end of the slot pages, 16 bytes each: "Slot" magic, package index, block offset,
 *   block count (blocks are 16 bytes; package index 0 = free slot);
 *   at blkoff*16 a blob: "BlbS" magic, package index, generation, blob length, then the header blob.
 */

const NDB_MAGIC = 0x506d7052; // "RpmP"
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_MAGIC = 0x53626c42; // "BlbS"
const PAGE_SIZE = 4096;
const HEADER_SIZE = 32;
const SLOT_SIZE = 16;
const BLOCK_SIZE = 16;
const BLOB_HEADER_SIZE = 16;

export function readNdbBlobs(file: Uint8Array): BlobList {
  if (file.length < HEADER_SIZE) throw malformed(`file of ${file.length} bytes is too small`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const u32 = (at: number): number => view.getUint32(at, true);
  if (u32(0) !== NDB_MAGIC) throw malformed('no "RpmP" magic');
  if (u32(4) !== 0) throw new AnalysisError('UNSUPPORTED_FORMAT', `rpm Packages.db: version ${u32(4)}`);
  const slotPages = u32(12);
  if (slotPages === 0) throw malformed('zero slot pages');
  const slotsEnd = slotPages * PAGE_SIZE;
  if (slotsEnd > file.length) throw malformed(`${slotPages} slot pages do not fit in the ${file.length}-byte file`);
  const warnings = new WarningList();
  let badSlots = 0;

  const blobs: RpmBlob[] = [];
  for (let at = HEADER_SIZE; at + SLOT_SIZE <= slotsEnd; at += SLOT_SIZE) {
    if (u32(at) !== SLOT_MAGIC) {
      badSlots++;
      continue;
    }
    const pkgIndex = u32(at + 4);
    if (pkgIndex === 0) continue; // free slot
    const blkOff = u32(at + 8);
    const blkCnt = u32(at + 12);
    const start = blkOff * BLOCK_SIZE;
    const where = `rpm Packages.db: package ${pkgIndex}`;
    if (start < slotsEnd || start + BLOB_HEADER_SIZE > file.length || blkCnt * BLOCK_SIZE > file.length - start) {
      warnings.add(`${where}: blocks ${blkOff}+${blkCnt} lie outside the data area; skipped`);
      continue;
    }
    if (u32(start) !== BLOB_MAGIC) {
      warnings.add(`${where}: no blob magic at block ${blkOff}; skipped`);
      continue;
    }
    if (u32(start + 4) !== pkgIndex) {
      warnings.add(`${where}: blob at block ${blkOff} belongs to package ${u32(start + 4)}; skipped`);
      continue;
    }
    const length = u32(start + 12);
    if (BLOB_HEADER_SIZE + length > blkCnt * BLOCK_SIZE) {
      warnings.add(`${where}: blob length ${length} exceeds its ${blkCnt} blocks; skipped`);
      continue;
    }
    blobs.push({ instance: pkgIndex, data: file.subarray(start + BLOB_HEADER_SIZE, start + BLOB_HEADER_SIZE + length) });
  }
  if (badSlots) warnings.add(`rpm Packages.db: ${badSlots} slots without the "Slot" magic; skipped`);
  return { blobs, warnings: warnings.toArray('rpm Packages.db') };
}

function malformed(message: string): AnalysisError {
  return new AnalysisError('MALFORMED_FILE', `rpm Packages.db: ${message}`);
}
