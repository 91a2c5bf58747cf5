import { AnalysisError } from '../../../core/index.js';

/**
 * The rpm *header blob* as the rpm database stores it (all backends): big-endian `int32 il` (index entry count),
 * `int32 dl` (data store size), `il` 16-byte index entries (tag, type, offset, count), then the `dl`-byte data
 * store. Unlike a .rpm file there is no 8-byte `8e ad e8 01` intro. Reference: rpm lib/header.c (headerImport,
 * hdrblobVerifyInfo) and the rpm file format spec (https://rpm-software-management.github.io/rpm/manual/format.html).
 */

/** Tag numbers (rpm include/rpm/rpmtag.h). */
export const RpmTag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
  LONGSIZE: 5009,
  MODULARITYLABEL: 5096,
} as const;

/** Entry data types (rpm include/rpm/rpmtag.h, rpmTagType). */
const TagType = {
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

/** rpm's own sanity limits (lib/header_internal.h: hdrchkTags, HEADER_DATA_MAX). */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_SIZE = 0x0fffffff;
const INDEX_ENTRY_SIZE = 16;

/** The file-list tags (rpm include/rpm/rpmtag.h): paths are DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]. */
export const RpmFileTag = {
  /** Full paths, in headers written by rpm < 4.0 (before "compressed file names"). */
  OLDFILENAMES: 1027,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
} as const;

const HEADER_TAGS: ReadonlySet<number> = new Set<number>(Object.values(RpmTag));
const FILE_TAGS: ReadonlySet<number> = new Set<number>(Object.values(RpmFileTag));

/** The fields of one installed-package header that Tollgate uses. Plain data: it is cached as JSON. */
export interface RpmHeader {
  name?: string;
  version?: string;
  release?: string;
  epoch?: number;
  arch?: string;
  license?: string;
  vendor?: string;
  sourceRpm?: string;
  /** LONGSIZE when present, else SIZE (installed size in bytes). */
  size?: number;
  modularityLabel?: string;
  /** Paths of the package's files (no leading "/") that the analyzer keeps; absent when none (never set by parseHeaderBlob). */
  files?: string[];
}

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Parses a header blob. Every offset and count is checked against the blob before it is read; a blob that is
 * truncated or inconsistent throws AnalysisError('MALFORMED_FILE'). Bytes after the data store are ignored
 * (rpm itself tolerates padding after a header in the BerkeleyDB backend).
 */
export function parseHeaderBlob(blob: Uint8Array): RpmHeader {
  const { data, dataView, entries } = readIndex(blob, HEADER_TAGS);
  const str = (tag: number): string | undefined => readString(data, tag, entries.get(tag));
  const int = (tag: number): number | undefined => readInteger(dataView, tag, entries.get(tag));

  const header: RpmHeader = {};
  assign(header, 'name', str(RpmTag.NAME));
  assign(header, 'version', str(RpmTag.VERSION));
  assign(header, 'release', str(RpmTag.RELEASE));
  assign(header, 'epoch', int(RpmTag.EPOCH));
  assign(header, 'arch', str(RpmTag.ARCH));
  assign(header, 'license', str(RpmTag.LICENSE));
  assign(header, 'vendor', str(RpmTag.VENDOR));
  assign(header, 'sourceRpm', str(RpmTag.SOURCERPM));
  assign(header, 'size', int(RpmTag.LONGSIZE) ?? int(RpmTag.SIZE));
  assign(header, 'modularityLabel', str(RpmTag.MODULARITYLABEL));
  return header;
}

interface HeaderIndex {
  data: Uint8Array;
  dataView: DataView;
  entries: Map<number, IndexEntry>;
}

/** Checks the preamble and the index, and returns the entries of the `wanted` tags and the data store. */
function readIndex(blob: Uint8Array, wanted: ReadonlySet<number>): HeaderIndex {
  if (blob.length < 8) throw malformed(`header blob of ${blob.length} bytes is shorter than its 8-byte preamble`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = view.getInt32(0, false);
  const dl = view.getInt32(4, false);
  if (il <= 0 || il > MAX_INDEX_ENTRIES) throw malformed(`header blob has an invalid index entry count ${il}`);
  if (dl < 0 || dl > MAX_DATA_SIZE) throw malformed(`header blob has an invalid data size ${dl}`);
  const dataStart = 8 + il * INDEX_ENTRY_SIZE;
  const dataEnd = dataStart + dl;
  if (dataEnd > blob.length) {
    throw malformed(`header blob is truncated: ${il} entries and ${dl} data bytes need ${dataEnd} bytes, got ${blob.length}`);
  }

  // Later entries win: "dribble" entries appended after the immutable region replace region ones (lib/header.c).
  const entries = new Map<number, IndexEntry>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * INDEX_ENTRY_SIZE;
    const tag = view.getInt32(at, false);
    if (!wanted.has(tag)) continue;
    const type = view.getUint32(at + 4, false);
    const offset = view.getInt32(at + 8, false);
    const count = view.getUint32(at + 12, false);
    if (offset < 0 || offset >= dl) throw malformed(`tag ${tag}: data offset ${offset} is outside the ${dl}-byte data store`);
    if (count === 0) throw malformed(`tag ${tag}: zero count`);
    entries.set(tag, { type, offset, count });
  }
  const data = blob.subarray(dataStart, dataEnd);
  return { data, dataView: new DataView(data.buffer, data.byteOffset, data.byteLength), entries };
}

/**
 * The package's file paths (rpm's FILENAMES: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or OLDFILENAMES in old
 * headers), without the leading "/", keeping only those `keep` accepts. A header without a file list has none.
 * An inconsistent list (counts that differ, a directory index out of range) throws AnalysisError('MALFORMED_FILE').
 */
export function parseHeaderFiles(blob: Uint8Array, keep: (path: string) => boolean): string[] {
  const { data, dataView, entries } = readIndex(blob, FILE_TAGS);
  const out: string[] = [];
  const push = (full: string): void => {
    let start = 0;
    while (full.charCodeAt(start) === 0x2f /* "/" */) start++;
    const path = start === 0 ? full : full.slice(start);
    if (path !== '' && keep(path)) out.push(path);
  };
  const basenames = entries.get(RpmFileTag.BASENAMES);
  if (basenames === undefined) {
    const old = entries.get(RpmFileTag.OLDFILENAMES);
    if (old !== undefined) for (const p of readStringArray(data, RpmFileTag.OLDFILENAMES, old)) push(p);
    return out;
  }
  const dirIndexes = entries.get(RpmFileTag.DIRINDEXES);
  const dirEntry = entries.get(RpmFileTag.DIRNAMES);
  if (dirIndexes === undefined || dirEntry === undefined) throw malformed('file list: BASENAMES without DIRNAMES and DIRINDEXES');
  const names = readStringArray(data, RpmFileTag.BASENAMES, basenames);
  const dirs = readStringArray(data, RpmFileTag.DIRNAMES, dirEntry);
  if (dirIndexes.type !== TagType.INT32) throw malformed(`tag ${RpmFileTag.DIRINDEXES}: expected INT32, got type ${dirIndexes.type}`);
  if (dirIndexes.count !== names.length) throw malformed(`file list: ${names.length} basenames but ${dirIndexes.count} directory indexes`);
  if (dirIndexes.offset + 4 * dirIndexes.count > dataView.byteLength) {
    throw malformed(`tag ${RpmFileTag.DIRINDEXES}: ${dirIndexes.count} values at offset ${dirIndexes.offset} overrun the data store`);
  }
  for (let i = 0; i < names.length; i++) {
    const d = dataView.getUint32(dirIndexes.offset + 4 * i, false);
    const dir = dirs[d];
    if (dir === undefined) throw malformed(`file list: directory index ${d} of file ${i} is out of range (${dirs.length} directories)`);
    push(dir + (names[i] as string));
  }
  return out;
}

/** STRING_ARRAY: `count` NUL-terminated strings, all inside the data store. */
function readStringArray(data: Uint8Array, tag: number, entry: IndexEntry): string[] {
  if (entry.type !== TagType.STRING_ARRAY) throw malformed(`tag ${tag}: expected a string array, got type ${entry.type}`);
  // Each string takes at least its NUL byte: a count beyond the remaining bytes is a lie, refused before looping.
  if (entry.count > data.length - entry.offset) throw malformed(`tag ${tag}: ${entry.count} strings cannot fit in the data store`);
  // Find the end of the last string with a byte loop, then decode once and split: much faster than one decode per
  // string for the tens of thousands of names a file list has (a NUL byte never occurs inside a UTF-8 sequence, so
  // splitting after decoding is the same as decoding each string; invalid bytes become U+FFFD either way).
  let at = entry.offset;
  for (let i = 0; i < entry.count; i++) {
    while (at < data.length && data[at] !== 0) at++;
    if (at >= data.length) throw malformed(`tag ${tag}: string ${i} is not NUL-terminated inside the data store`);
    at++;
  }
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8', entry.offset, at - 1);
  const out = text.split('\0');
  return out;
}

/** Sets only defined values so that the record stays free of `undefined` (it is compared and JSON-cached). */
function assign<K extends keyof RpmHeader>(header: RpmHeader, key: K, value: RpmHeader[K] | undefined): void {
  if (value !== undefined) header[key] = value;
}

/** STRING, I18NSTRING (first = untranslated) and STRING_ARRAY (first element): a NUL-terminated string. */
function readString(data: Uint8Array, tag: number, entry: IndexEntry | undefined): string | undefined {
  if (!entry) return undefined;
  if (entry.type !== TagType.STRING && entry.type !== TagType.I18NSTRING && entry.type !== TagType.STRING_ARRAY) {
    throw malformed(`tag ${tag}: expected a string type, got type ${entry.type}`);
  }
  if (entry.type === TagType.STRING && entry.count !== 1) throw malformed(`tag ${tag}: STRING with count ${entry.count}`);
  const end = data.indexOf(0, entry.offset);
  if (end < 0) throw malformed(`tag ${tag}: string at offset ${entry.offset} is not NUL-terminated inside the data store`);
  return utf8.decode(data.subarray(entry.offset, end));
}

/** INT8/16/32/64: the first value, unsigned (EPOCH, SIZE and LONGSIZE are never negative in a valid header). */
function readInteger(view: DataView, tag: number, entry: IndexEntry | undefined): number | undefined {
  if (!entry) return undefined;
  const width =
    entry.type === TagType.INT8 || entry.type === TagType.CHAR
      ? 1
      : entry.type === TagType.INT16
        ? 2
        : entry.type === TagType.INT32
          ? 4
          : entry.type === TagType.INT64
            ? 8
            : 0;
  if (width === 0) throw malformed(`tag ${tag}: expected an integer type, got type ${entry.type}`);
  // Only the first value is read, but the whole array must lie inside the data store.
  if (entry.offset + width * entry.count > view.byteLength) {
    throw malformed(`tag ${tag}: ${entry.count} × ${width}-byte values at offset ${entry.offset} overrun the data store`);
  }
  switch (width) {
    case 1:
      return view.getUint8(entry.offset);
    case 2:
      return view.getUint16(entry.offset, false);
    case 4:
      return view.getUint32(entry.offset, false);
    default: {
      const value = view.getBigUint64(entry.offset, false);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`tag ${tag}: value ${value} is out of range`);
      return Number(value);
    }
  }
}

function malformed(message: string): AnalysisError {
  return new AnalysisError('MALFORMED_FILE', `rpm header: ${message}`);
}
