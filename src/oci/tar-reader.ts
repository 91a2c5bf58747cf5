/**
 * A push-based tar reader: feed it the chunks of an archive as they arrive, get back the entries they complete.
 *
 * It exists because a per-entry stream (tar-stream + streamx) costs more CPU than the layer walk can afford on an
 * image of tens of thousands of entries. Here one synchronous state machine handles every chunk: data nobody wants
 * is skipped by counting, never buffered; only a header that straddles two chunks is copied (512 bytes); a wanted
 * file is copied once into a Buffer allocated to its size.
 *
 * Formats (POSIX.1-2017 pax "ustar Interchange Format" and "pax Interchange Format"; GNU tar manual, "Basic Tar
 * Format"): v7, ustar (prefix + name), star, GNU ('L'/'K' long names, base-256 numbers, old sparse 'S' entries
 * with extension blocks), pax ('x' per-entry records: path, linkpath, size; GNU.sparse.* for pax sparse files).
 *
 * Where tar readers disagree, this one reads archives as Go's archive/tar does, because that is the reader
 * containerd, Docker and containers/storage unpack layers with: what a runtime puts on disk is what a scanner must
 * see. So header-only types (hard and symbolic links, devices, directories, FIFOs) carry no data whatever their
 * size field says, and 'g' (global pax) records are parsed but not applied to later entries.
 */
import { ImageError } from '../core/index.js';

const BLOCK = 512;
/** Long names and pax records above this are refused: a hostile header must not make the reader allocate (Go's limit too). */
export const MAX_META_SIZE = 1024 * 1024;

export type TarEntryType =
  | 'file'
  | 'contiguous-file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  /** A GNU sparse file ('S', or a pax header with GNU.sparse.* records): its stored data is not the file's bytes. */
  | 'sparse'
  /** A type flag this reader does not know (GNU 'D', 'M', 'N', 'V', vendor types): its data is skipped by size. */
  | 'unknown';

export interface TarHeader {
  /** Entry name as stored (pax path > GNU long name > ustar prefix/name), not normalised. */
  name: string;
  /** Link target of hard and symbolic links ('' when none). */
  linkname: string;
  type: TarEntryType;
  /** The raw type flag byte. */
  typeflag: number;
  /** Mode field, all bits as stored. */
  mode: number;
  /** The size the header (or its pax 'size' record) gives: bytes of data stored after the header, for types that have data. */
  size: number;
  /** Archive offset of the entry's own header block (after its long-name and pax blocks). */
  offset: number;
}

export interface TarEntry<T> {
  header: TarHeader;
  /** What `decide` returned for this entry. */
  tag: T;
  /** The file's bytes, for regular files whose tag said `collect`. */
  content?: Buffer;
}

/**
 * Called once per entry, synchronously, as soon as its header is complete (before its data has been read).
 * `collect` only matters for regular files: their data is then read into `TarEntry.content`.
 */
export type TarDecide<T extends { readonly collect: boolean }> = (header: TarHeader) => T;

const S_HEADER = 0;
const S_SKIP = 1;
const S_DATA = 2;
const S_META = 3;
const S_SPARSE_EXT = 4;
const S_END = 5;

// Type flags (POSIX tar.h, GNU tar.h).
const T_LONGNAME = 0x4c; // 'L'
const T_LONGLINK = 0x4b; // 'K'
const T_PAX = 0x78; // 'x'
const T_PAX_GLOBAL = 0x67; // 'g'
const T_SPARSE = 0x53; // 'S'

function typeOf(flag: number): TarEntryType {
  switch (flag) {
    case 0:
    case 0x30:
      return 'file';
    case 0x31:
      return 'link';
    case 0x32:
      return 'symlink';
    case 0x33:
      return 'character-device';
    case 0x34:
      return 'block-device';
    case 0x35:
      return 'directory';
    case 0x36:
      return 'fifo';
    case 0x37:
      return 'contiguous-file';
    case T_SPARSE:
      return 'sparse';
    default:
      return 'unknown';
  }
}

/** Types whose entries never have data after the header (Go archive/tar `isHeaderOnlyType`). */
function isHeaderOnly(type: TarEntryType): boolean {
  return type === 'link' || type === 'symlink' || type === 'character-device' || type === 'block-device' || type === 'directory' || type === 'fifo';
}

/** A NUL-terminated string field. */
function str(buf: Buffer, at: number, len: number): string {
  let end = at;
  const lim = at + len;
  while (end < lim && buf[end] !== 0) end++;
  return end === at ? '' : buf.toString('utf8', at, end);
}

/**
 * A numeric header field: octal text (leading spaces/NULs allowed, ended by NUL, space or the field's end; an empty
 * field is 0) or GNU base-256 (first byte has the 0x80 bit; 0x40 is the sign). NaN when invalid, -1 when negative
 * or beyond what a JS number holds exactly.
 */
function num(buf: Buffer, at: number, len: number): number {
  const lim = at + len;
  const first = buf[at]!;
  if (first & 0x80) {
    if (first & 0x40) return -1;
    let v = first & 0x3f;
    for (let i = at + 1; i < lim; i++) {
      v = v * 256 + buf[i]!;
      if (v > Number.MAX_SAFE_INTEGER) return -1;
    }
    return v;
  }
  let i = at;
  while (i < lim && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let v = 0;
  for (; i < lim; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x37) break;
    v = v * 8 + (c - 0x30);
  }
  // Digits end at a NUL, a space or the field's end; a blank field is 0 (Go, tar-stream).
  if (i < lim && buf[i] !== 0 && buf[i] !== 0x20) return NaN;
  return v;
}

function matches(buf: Buffer, at: number, ascii: string): boolean {
  for (let i = 0; i < ascii.length; i++) if (buf[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Parses pax extended header records ("%d %s=%s\n", POSIX.1-2017 pax, "pax Extended Header"). Undefined when malformed. */
function parsePax(buf: Buffer): Map<string, string> | undefined {
  const records = new Map<string, string>();
  let i = 0;
  while (i < buf.length) {
    let j = i;
    let len = 0;
    while (j < buf.length && buf[j]! >= 0x30 && buf[j]! <= 0x39) {
      len = len * 10 + (buf[j]! - 0x30);
      if (len > buf.length) return undefined;
      j++;
    }
    const end = i + len; // one past the record's newline
    if (j === i || buf[j] !== 0x20 || end > buf.length || end <= j + 1 || buf[end - 1] !== 0x0a) return undefined;
    const eq = buf.indexOf(0x3d, j + 1);
    if (eq < 0 || eq >= end - 1 || eq === j + 1) return undefined;
    records.set(buf.toString('utf8', j + 1, eq), buf.toString('utf8', eq + 1, end - 1));
    i = end;
  }
  return records;
}

/** Whether pax records describe a GNU sparse file (formats 0.0, 0.1, 1.0; Go archive/tar `readGNUSparsePAXHeaders`). */
function isPaxSparse(pax: Map<string, string>): boolean {
  const major = pax.get('GNU.sparse.major');
  const minor = pax.get('GNU.sparse.minor');
  if ((major === '0' && (minor === '0' || minor === '1')) || (major === '1' && minor === '0')) return true;
  if (major !== undefined || minor !== undefined) return false;
  return !!pax.get('GNU.sparse.map') || pax.has('GNU.sparse.offset');
}

const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

export class TarReader<T extends { readonly collect: boolean }> {
  private state = S_HEADER;
  /** Archive offset of the first byte of the chunk being pushed. */
  private base = 0;
  /** A header (or sparse extension block) that straddles chunks. */
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  /** Bytes to skip (S_SKIP) or still to copy (S_DATA, S_META). */
  private remaining = 0;
  /** Padding after the data being copied. */
  private pad = 0;
  /** Data bytes to skip after the sparse extension blocks. */
  private afterExt = 0;
  private target: Buffer | undefined;
  private targetFill = 0;
  private current: TarEntry<T> | undefined;
  private metaType = 0;
  private metaOffset = 0;
  private longName: string | undefined;
  private longLink: string | undefined;
  private pax: Map<string, string> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly decide: TarDecide<T>,
    /** Names the archive in error messages ("layer 2 (sha256:…)"). */
    private readonly label = 'tar archive',
  ) {}

  /** True once the end-of-archive marker has been read: later bytes are ignored. */
  get finished(): boolean {
    return this.state === S_END;
  }

  /**
   * Parses as much of the archive as `chunk` completes; returns the entries completed, in archive order. An
   * invalid archive throws, after the entries before the fault have been returned (the next push or end throws).
   */
  push(chunk: Buffer): TarEntry<T>[] {
    if (this.failure) throw this.failure;
    const out: TarEntry<T>[] = [];
    try {
      this.parse(chunk, out);
    } catch (e) {
      this.failure = e as Error;
      if (out.length) return out;
      throw e;
    }
    this.base += chunk.length;
    return out;
  }

  /** Declares the end of the input: throws TRUNCATED_LAYER if it falls inside a header or an entry's data. */
  end(): void {
    if (this.failure) throw this.failure;
    const at = this.base;
    switch (this.state) {
      case S_HEADER:
        if (this.blockFill === 0) return; // at a header boundary (umoci writes no end-of-archive blocks)
        throw this.truncated(`inside the header at offset ${at - this.blockFill}`);
      case S_END:
        return;
      case S_DATA:
        throw this.truncated(`inside the data of ${JSON.stringify(this.current!.header.name)} (${this.targetFill} of ${this.target!.length} bytes)`);
      case S_META:
        throw this.truncated(`inside an extended header at offset ${this.metaOffset}`);
      case S_SPARSE_EXT:
        throw this.truncated(`inside a sparse map at offset ${at - this.blockFill}`);
      default:
        throw this.truncated(`inside an entry's data, ${this.remaining} bytes short`);
    }
  }

  private truncated(where: string): ImageError {
    return new ImageError('TRUNCATED_LAYER', `${this.label}: the layer ends before its tar archive does (truncated ${where})`);
  }

  private malformed(why: string): ImageError {
    return new ImageError('MALFORMED_LAYER', `${this.label}: not a valid tar archive (${why})`);
  }

  private parse(chunk: Buffer, out: TarEntry<T>[]): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case S_SKIP: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = S_HEADER;
          break;
        }
        case S_HEADER:
        case S_SPARSE_EXT: {
          let buf: Buffer;
          let at: number;
          if (this.blockFill === 0 && n - i >= BLOCK) {
            buf = chunk;
            at = i;
            i += BLOCK;
          } else {
            const take = Math.min(BLOCK - this.blockFill, n - i);
            chunk.copy(this.block, this.blockFill, i, i + take);
            this.blockFill += take;
            i += take;
            if (this.blockFill < BLOCK) break;
            this.blockFill = 0;
            buf = this.block;
            at = 0;
          }
          const offset = this.base + i - BLOCK;
          if (this.state === S_HEADER) this.header(buf, at, offset, out);
          else if (buf[at + 504] === 0) this.skip(this.afterExt); // GNU sparse extension block: isextended at 504
          break;
        }
        case S_DATA:
        case S_META: {
          const target = this.target!;
          const take = Math.min(target.length - this.targetFill, n - i);
          chunk.copy(target, this.targetFill, i, i + take);
          this.targetFill += take;
          i += take;
          if (this.targetFill < target.length) break;
          this.target = undefined;
          if (this.state === S_DATA) {
            const entry = this.current!;
            this.current = undefined;
            entry.content = target;
            out.push(entry);
          } else this.meta(target);
          this.skip(this.pad);
          break;
        }
        default: // S_END: whatever follows the end-of-archive blocks is not part of the archive
          i = n;
      }
    }
  }

  private skip(bytes: number): void {
    this.remaining = bytes;
    this.state = bytes > 0 ? S_SKIP : S_HEADER;
  }

  private header(buf: Buffer, at: number, offset: number, out: TarEntry<T>[]): void {
    // Checksum (POSIX: the sum of the 512 bytes as unsigned, the checksum field counted as eight spaces). GNU tar
    // also accepts the sum of signed bytes, which some old tars wrote. An all-zero block (sum 0) ends the archive.
    // Unrolled: this loop is most of the per-entry cost of reading a layer.
    let u0 = 0;
    let u1 = 0;
    let u2 = 0;
    let u3 = 0;
    for (let k = at, lim = at + BLOCK; k < lim; k += 4) {
      u0 += buf[k]!;
      u1 += buf[k + 1]!;
      u2 += buf[k + 2]!;
      u3 += buf[k + 3]!;
    }
    let sum = u0 + u1 + u2 + u3;
    if (sum === 0) {
      // GNU tar stops at the first zero block (and warns if the next one is not zero too); two are the norm.
      this.state = S_END;
      return;
    }
    for (let k = at + 148; k < at + 156; k++) sum += 0x20 - buf[k]!;
    // A blank field reads as 0, which never matches: the sum counts the field as eight spaces.
    const recorded = buf[at + 148]! & 0x80 ? NaN : num(buf, at + 148, 8);
    if (recorded !== sum) {
      let high = 0;
      for (let k = at, lim = at + BLOCK; k < lim; k++) if (buf[k]! > 127 && (k < at + 148 || k >= at + 156)) high++;
      if (recorded !== sum - 256 * high) throw this.malformed(`bad header checksum at offset ${offset}`);
    }

    const flag = buf[at + 156]!;
    let size = num(buf, at + 124, 12);
    if (!(size >= 0)) throw this.malformed(`invalid size field in the header at offset ${offset}`);

    if (flag === T_LONGNAME || flag === T_LONGLINK || flag === T_PAX || flag === T_PAX_GLOBAL) {
      if (size > MAX_META_SIZE) {
        throw this.malformed(`extended header of ${size} bytes at offset ${offset} is larger than the ${MAX_META_SIZE}-byte limit`);
      }
      this.metaType = flag;
      this.metaOffset = offset;
      if (size === 0) {
        this.meta(Buffer.alloc(0));
        return;
      }
      this.target = Buffer.allocUnsafe(size);
      this.targetFill = 0;
      this.pad = padding(size);
      this.state = S_META;
      return;
    }

    const mode = num(buf, at + 100, 8);
    if (!(mode >= 0)) throw this.malformed(`invalid mode field in the header at offset ${offset}`);

    // Format (Go archive/tar `getFormat`): "ustar\0" is POSIX (star if it ends in "tar\0"), "ustar  \0" GNU, else v7.
    let name: string;
    if (matches(buf, at + 257, 'ustar\0')) {
      const star = matches(buf, at + 508, 'tar\0');
      name = str(buf, at, 100);
      if (buf[at + 345] !== 0) name = `${str(buf, at + 345, star ? 131 : 155)}/${name}`;
    } else name = str(buf, at, 100);
    let linkname = str(buf, at + 157, 100);
    let type = typeOf(flag);

    // Extended headers: pax records override GNU long names, which override the header fields (GNU tar, tar-stream).
    if (this.longName !== undefined) name = this.longName;
    if (this.longLink !== undefined) linkname = this.longLink;
    const pax = this.pax;
    if (pax) {
      const p = pax.get('path');
      if (p) name = p;
      const l = pax.get('linkpath');
      if (l) linkname = l;
      const s = pax.get('size');
      if (s) {
        if (!/^[0-9]+$/.test(s) || !(Number(s) <= Number.MAX_SAFE_INTEGER)) throw this.malformed(`invalid pax size ${JSON.stringify(s)} at offset ${offset}`);
        size = Number(s);
      }
      if ((type === 'file' || type === 'contiguous-file') && isPaxSparse(pax)) {
        type = 'sparse';
        const real = pax.get('GNU.sparse.name');
        if (real) name = real;
      }
    }
    this.longName = this.longLink = this.pax = undefined;
    // Old tars mark directories with a trailing slash on a regular-file entry.
    if (type === 'file' && name.endsWith('/')) type = 'directory';

    const header: TarHeader = { name, linkname, type, typeflag: flag, mode, size, offset };
    const tag = this.decide(header);
    const data = isHeaderOnly(type) ? 0 : size;
    const entry: TarEntry<T> = { header, tag };

    if (type === 'sparse' && flag === T_SPARSE && buf[at + 482] !== 0) {
      // Old GNU sparse: extension blocks of the sparse map follow the header, before the data (not counted in size).
      out.push(entry);
      this.afterExt = data + padding(data);
      this.state = S_SPARSE_EXT;
      return;
    }
    if (tag.collect && (type === 'file' || type === 'contiguous-file') && data > 0) {
      this.current = entry;
      this.target = Buffer.allocUnsafe(data);
      this.targetFill = 0;
      this.pad = padding(data);
      this.state = S_DATA;
      return;
    }
    if (tag.collect && (type === 'file' || type === 'contiguous-file')) entry.content = Buffer.alloc(0);
    out.push(entry);
    this.skip(data + padding(data));
  }

  private meta(buf: Buffer): void {
    switch (this.metaType) {
      case T_LONGNAME:
        this.longName = str(buf, 0, buf.length);
        return;
      case T_LONGLINK:
        this.longLink = str(buf, 0, buf.length);
        return;
      default: {
        const records = parsePax(buf);
        if (!records) throw this.malformed(`malformed pax extended header at offset ${this.metaOffset}`);
        // Global records are validated but not applied: Go's archive/tar (which unpacks layers) ignores them too.
        if (this.metaType === T_PAX) this.pax = records;
      }
    }
  }
}
