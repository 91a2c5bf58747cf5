/**
 * Just enough of the ELF, PE and Mach-O formats to find a named section and to read bytes at a virtual address,
 * shared by the analyzers that read metadata embedded in compiled programs (Go build info, `cargo auditable`).
 *
 * Every offset and count comes from an untrusted file: each table is checked against the buffer before it is read,
 * counts are bounded by the table sizes the formats allow, and addresses beyond 2^53 are refused rather than
 * rounded. Nothing is copied: sections are returned as sub-arrays of the input.
 *
 * References: System V ABI, "ELF-64 Object File Format" (headers, section and program header tables);
 * Microsoft "PE Format" (COFF header, optional header ImageBase, section table, long section names "/n");
 * Apple <mach-o/loader.h> and <mach-o/fat.h> (mach_header[_64], LC_SEGMENT[_64], section[_64], fat_arch).
 */
import { AnalysisError } from '../../core/index.js';

export type ExecutableFormat = 'elf' | 'pe' | 'macho' | 'macho-fat';

export interface ExecutableSection {
  name: string;
  /** Mach-O segment name ("__DATA"); absent for ELF and PE. */
  segment?: string;
  /** Virtual address (PE: including ImageBase). */
  addr: number;
  /** Absolute file offset of the section's bytes. */
  offset: number;
  size: number;
  /** False for sections with no bytes in the file (ELF SHT_NOBITS, Mach-O zerofill, PE raw size 0). */
  inFile: boolean;
}

/** A file-backed range of the program's memory image. */
export interface MappedRegion {
  addr: number;
  offset: number;
  size: number;
  writable: boolean;
  executable: boolean;
}

export interface Executable {
  format: Exclude<ExecutableFormat, 'macho-fat'>;
  littleEndian: boolean;
  bits: 32 | 64;
  sections: ExecutableSection[];
  regions: MappedRegion[];
}

const ELF_MAGIC = 0x7f454c46; // "\x7fELF" read big-endian
const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const MH_CIGAM = 0xcefaedfe;
const MH_CIGAM_64 = 0xcffaedfe;
const FAT_MAGIC = 0xcafebabe;
/** Java class files share 0xcafebabe; their next word is the class-file version (≥ 45), never a small arch count. */
const MAX_FAT_ARCHS = 16;
/** Bounds on table sizes beyond which a header is treated as hostile rather than read. */
const MAX_MACHO_COMMANDS = 4096;
const MAX_SECTIONS_PER_SEGMENT = 1024;

/** The container format by magic number alone: a cheap test before any parsing. */
export function executableFormat(buf: Buffer): ExecutableFormat | undefined {
  if (buf.length < 64) return undefined;
  const be = buf.readUInt32BE(0);
  if (be === ELF_MAGIC) return 'elf';
  if (buf[0] === 0x4d && buf[1] === 0x5a) return 'pe'; // "MZ"
  if (be === MH_MAGIC || be === MH_MAGIC_64 || be === MH_CIGAM || be === MH_CIGAM_64) return 'macho';
  if (be === FAT_MAGIC) {
    const n = buf.readUInt32BE(4);
    if (n >= 1 && n <= MAX_FAT_ARCHS) return 'macho-fat';
  }
  return undefined;
}

function malformed(message: string): AnalysisError {
  return new AnalysisError('MALFORMED_FILE', message);
}

/** A bounds-checked little/big-endian reader over the whole file. */
class Reader {
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
    private readonly what: string,
  ) {}
  private check(off: number, n: number): void {
    if (!Number.isSafeInteger(off) || off < 0 || off + n > this.buf.length)
      throw malformed(`truncated ${this.what}: ${n} bytes at offset ${off} lie beyond the end of the ${this.buf.length}-byte file`);
  }
  u8(off: number): number {
    this.check(off, 1);
    return this.buf[off]!;
  }
  u16(off: number): number {
    this.check(off, 2);
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }
  u32(off: number): number {
    this.check(off, 4);
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }
  /** 64-bit value as a number; values beyond 2^53 (no real file has them) yield NaN, which every later check rejects. */
  u64(off: number): number {
    this.check(off, 8);
    const v = this.le ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN;
  }
  word(off: number, bits: 32 | 64): number {
    return bits === 64 ? this.u64(off) : this.u32(off);
  }
  /** NUL-terminated string of at most `max` bytes. */
  cstr(off: number, max: number): string {
    if (off < 0 || off >= this.buf.length) return '';
    const end = Math.min(this.buf.length, off + max);
    let i = off;
    while (i < end && this.buf[i] !== 0) i++;
    return this.buf.toString('latin1', off, i);
  }
  /** A table of `count` entries of `size` bytes at `off` must lie inside the file. */
  table(off: number, count: number, size: number, name: string): void {
    if (count === 0) return;
    if (!Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(off) || off < 0 || off + count * size > this.buf.length)
      throw malformed(`${this.what} ${name} (${count} × ${size} bytes at offset ${off}) lies beyond the end of the ${this.buf.length}-byte file`);
  }
}

/** Parses the headers of an ELF, PE or Mach-O file. Throws AnalysisError on structural damage. */
export function parseExecutable(buf: Buffer): Executable {
  switch (executableFormat(buf)) {
    case 'elf':
      return parseElf(buf);
    case 'pe':
      return parsePe(buf);
    case 'macho':
      return parseMachO(buf, 0, buf.length);
    case 'macho-fat':
      return parseFat(buf);
    default:
      throw new AnalysisError('UNSUPPORTED_FORMAT', 'not an ELF, PE or Mach-O executable');
  }
}

function parseElf(buf: Buffer): Executable {
  const cls = buf[4];
  const data = buf[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) throw malformed(`ELF header has an unknown class ${cls} or data encoding ${data}`);
  const bits = cls === 2 ? 64 : 32;
  const r = new Reader(buf, data === 1, 'ELF');
  const phoff = r.word(bits === 64 ? 0x20 : 0x1c, bits);
  const shoff = r.word(bits === 64 ? 0x28 : 0x20, bits);
  const base = bits === 64 ? 0x36 : 0x2a;
  const phentsize = r.u16(base);
  const phnum = r.u16(base + 2);
  const shentsize = r.u16(base + 4);
  let shnum = r.u16(base + 6);
  const shstrndx = r.u16(base + 8);

  const regions: MappedRegion[] = [];
  const phMin = bits === 64 ? 56 : 32;
  if (phnum > 0 && phoff !== 0) {
    if (phentsize < phMin) throw malformed(`ELF program header entry size ${phentsize} is smaller than ${phMin}`);
    r.table(phoff, phnum, phentsize, 'program header table');
    for (let i = 0; i < phnum; i++) {
      const p = phoff + i * phentsize;
      if (r.u32(p) !== 1) continue; // PT_LOAD
      const flags = bits === 64 ? r.u32(p + 4) : r.u32(p + 24);
      const offset = bits === 64 ? r.u64(p + 8) : r.u32(p + 4);
      const addr = bits === 64 ? r.u64(p + 16) : r.u32(p + 8);
      const filesz = bits === 64 ? r.u64(p + 32) : r.u32(p + 16);
      regions.push({ addr, offset, size: filesz, writable: (flags & 2) !== 0, executable: (flags & 1) !== 0 });
    }
  }

  const sections: ExecutableSection[] = [];
  const shMin = bits === 64 ? 64 : 40;
  if (shoff !== 0 && shnum === 0 && shentsize >= shMin) {
    // Extended numbering (more than 0xff00 sections): the count is in section 0's sh_size.
    r.table(shoff, 1, shentsize, 'section header table');
    shnum = bits === 64 ? r.u64(shoff + 32) : r.u32(shoff + 20);
  }
  if (shnum > 0 && shoff !== 0) {
    if (shentsize < shMin) throw malformed(`ELF section header entry size ${shentsize} is smaller than ${shMin}`);
    r.table(shoff, shnum, shentsize, 'section header table');
    const strtab = shstrndx < shnum ? shoff + shstrndx * shentsize : -1;
    const strOff = strtab >= 0 ? (bits === 64 ? r.u64(strtab + 24) : r.u32(strtab + 16)) : Number.NaN;
    const strSize = strtab >= 0 ? (bits === 64 ? r.u64(strtab + 32) : r.u32(strtab + 20)) : 0;
    const namesOk = Number.isSafeInteger(strOff) && strOff + strSize <= buf.length;
    for (let i = 0; i < shnum; i++) {
      const s = shoff + i * shentsize;
      const nameIdx = r.u32(s);
      const type = r.u32(s + 4);
      const addr = bits === 64 ? r.u64(s + 16) : r.u32(s + 12);
      const offset = bits === 64 ? r.u64(s + 24) : r.u32(s + 16);
      const size = bits === 64 ? r.u64(s + 32) : r.u32(s + 20);
      const name = namesOk && nameIdx < strSize ? r.cstr(strOff + nameIdx, Math.min(256, strSize - nameIdx)) : '';
      sections.push({ name, addr, offset, size, inFile: type !== 8 /* SHT_NOBITS */ });
    }
  }
  return { format: 'elf', littleEndian: data === 1, bits, sections, regions };
}

function parsePe(buf: Buffer): Executable {
  const r = new Reader(buf, true, 'PE');
  const peOff = r.u32(0x3c);
  if (r.u32(peOff) !== 0x00004550) throw malformed('PE signature "PE\\0\\0" not found at the offset the DOS header names');
  const coff = peOff + 4;
  const nsections = r.u16(coff + 2);
  const symtab = r.u32(coff + 8);
  const nsyms = r.u32(coff + 12);
  const optSize = r.u16(coff + 16);
  const opt = coff + 20;
  let imageBase = 0;
  let bits: 32 | 64 = 32;
  if (optSize >= 2) {
    const magic = r.u16(opt);
    if (magic === 0x20b) {
      bits = 64;
      imageBase = r.u64(opt + 24);
    } else if (magic === 0x10b) {
      imageBase = r.u32(opt + 28);
    } else throw malformed(`PE optional header has an unknown magic 0x${magic.toString(16)}`);
  }
  const table = opt + optSize;
  r.table(table, nsections, 40, 'section table');
  const strings = symtab !== 0 ? symtab + nsyms * 18 : -1;
  const sections: ExecutableSection[] = [];
  const regions: MappedRegion[] = [];
  for (let i = 0; i < nsections; i++) {
    const s = table + i * 40;
    let name = r.cstr(s, 8);
    // Names longer than 8 bytes are "/<decimal offset>" into the COFF string table.
    if (name.startsWith('/') && strings > 0) {
      const n = Number.parseInt(name.slice(1), 10);
      if (Number.isSafeInteger(n)) name = r.cstr(strings + n, 256);
    }
    const vsize = r.u32(s + 8);
    const addr = r.u32(s + 12) + imageBase;
    const rawSize = r.u32(s + 16);
    const offset = r.u32(s + 20);
    const chars = r.u32(s + 36);
    // The loader maps min(VirtualSize, SizeOfRawData) bytes from the file (VirtualSize 0: object files, raw size).
    const size = vsize !== 0 ? Math.min(vsize, rawSize) : rawSize;
    sections.push({ name, addr, offset, size, inFile: rawSize !== 0 });
    if (rawSize !== 0)
      regions.push({ addr, offset, size, writable: (chars & 0x80000000) !== 0, executable: (chars & 0x20000000) !== 0 });
  }
  return { format: 'pe', littleEndian: true, bits, sections, regions };
}

function parseFat(buf: Buffer): Executable {
  const r = new Reader(buf, false, 'Mach-O universal header');
  const n = r.u32(4);
  r.table(8, n, 20, 'architecture table');
  let firstError: unknown;
  for (let i = 0; i < n; i++) {
    const offset = r.u32(8 + i * 20 + 8);
    const size = r.u32(8 + i * 20 + 12);
    if (offset + size > buf.length || size < 32) {
      firstError ??= malformed(`Mach-O universal slice ${i} (${size} bytes at offset ${offset}) lies beyond the end of the file`);
      continue;
    }
    try {
      // Every slice of a universal binary is built from the same sources; the first readable one is enough.
      return parseMachO(buf, offset, offset + size);
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError ?? malformed('Mach-O universal binary has no readable slice');
}

function parseMachO(buf: Buffer, start: number, end: number): Executable {
  const magic = buf.readUInt32BE(start);
  const le = magic === MH_CIGAM || magic === MH_CIGAM_64;
  const bits = magic === MH_MAGIC_64 || magic === MH_CIGAM_64 ? 64 : 32;
  if (magic !== MH_MAGIC && magic !== MH_MAGIC_64 && !le) throw malformed('not a Mach-O header');
  const r = new Reader(buf, le, 'Mach-O');
  const ncmds = r.u32(start + 16);
  const sizeofcmds = r.u32(start + 20);
  if (ncmds > MAX_MACHO_COMMANDS) throw malformed(`Mach-O header claims ${ncmds} load commands`);
  let p = start + (bits === 64 ? 32 : 28);
  const cmdsEnd = p + sizeofcmds;
  if (cmdsEnd > end) throw malformed(`Mach-O load commands (${sizeofcmds} bytes) lie beyond the end of the file`);
  const sections: ExecutableSection[] = [];
  const regions: MappedRegion[] = [];
  for (let i = 0; i < ncmds; i++) {
    if (p + 8 > cmdsEnd) throw malformed(`Mach-O load command ${i} lies beyond sizeofcmds`);
    const cmd = r.u32(p);
    const size = r.u32(p + 4);
    if (size < 8 || p + size > cmdsEnd) throw malformed(`Mach-O load command ${i} has a bad size ${size}`);
    if (cmd === 0x19 || cmd === 0x1) {
      const is64 = cmd === 0x19;
      const w: 32 | 64 = is64 ? 64 : 32;
      const hdr = is64 ? 72 : 56;
      const secSize = is64 ? 80 : 68;
      if (size < hdr) throw malformed(`Mach-O segment command ${i} is too short`);
      const segname = r.cstr(p + 8, 16);
      const vmaddr = r.word(p + 24, w);
      const fileoff = r.word(p + (is64 ? 40 : 32), w);
      const filesize = r.word(p + (is64 ? 48 : 36), w);
      const initprot = r.u32(p + (is64 ? 60 : 44));
      const nsects = r.u32(p + (is64 ? 64 : 48));
      if (nsects > MAX_SECTIONS_PER_SEGMENT || hdr + nsects * secSize > size) throw malformed(`Mach-O segment ${segname} claims ${nsects} sections`);
      if (filesize > 0) regions.push({ addr: vmaddr, offset: start + fileoff, size: filesize, writable: (initprot & 2) !== 0, executable: (initprot & 4) !== 0 });
      for (let j = 0; j < nsects; j++) {
        const s = p + hdr + j * secSize;
        const sectname = r.cstr(s, 16);
        const seg = r.cstr(s + 16, 16);
        const addr = r.word(s + 32, w);
        const ssize = r.word(s + (is64 ? 40 : 36), w);
        const offset = r.u32(s + (is64 ? 48 : 40));
        const flags = r.u32(s + (is64 ? 64 : 56));
        const type = flags & 0xff;
        // S_ZEROFILL (1), S_GB_ZEROFILL (12), S_THREAD_LOCAL_ZEROFILL (18) have no bytes in the file.
        const inFile = type !== 1 && type !== 12 && type !== 18 && offset !== 0;
        sections.push({ name: sectname, segment: seg, addr, offset: start + offset, size: ssize, inFile });
      }
    }
    p += size;
  }
  return { format: 'macho', littleEndian: le, bits, sections, regions };
}

/** The first section with this name (and segment, for Mach-O), if any. */
export function findSection(exe: Executable, name: string, segment?: string): ExecutableSection | undefined {
  return exe.sections.find((s) => s.name === name && (segment === undefined || s.segment === segment));
}

/**
 * A section's bytes (a view, not a copy). Throws AnalysisError when the section claims bytes beyond the end of the
 * file or more than `maxSize` bytes.
 */
export function sectionBytes(buf: Buffer, section: ExecutableSection, maxSize: number): Buffer {
  if (!section.inFile) return buf.subarray(0, 0);
  const { offset, size } = section;
  if (!Number.isSafeInteger(size) || size > maxSize) throw malformed(`section ${section.name} claims ${size} bytes, more than the ${maxSize}-byte limit`);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > buf.length)
    throw malformed(`section ${section.name} (${size} bytes at offset ${offset}) lies beyond the end of the ${buf.length}-byte file`);
  return buf.subarray(offset, offset + size);
}

/** File offset of a virtual address, when a file-backed region maps it (`length` bytes must be mapped too). */
export function fileOffsetOf(exe: Executable, addr: number, length: number): number | undefined {
  if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(length) || length < 0) return undefined;
  // Segments describe the memory image; sections are a fallback for files without them (objects, sstrip'ed
  // tables), and then only sections with an address (non-allocated ELF sections such as .shstrtab have 0).
  const lists = exe.regions.length ? [exe.regions] : [exe.sections.filter((s) => s.inFile && s.addr !== 0)];
  for (const list of lists) {
    for (const r of list) {
      if (addr >= r.addr && addr + length <= r.addr + r.size) return r.offset + (addr - r.addr);
    }
  }
  return undefined;
}

/** `length` bytes at a virtual address, or undefined when they are not (entirely) in the file. */
export function readVirtual(buf: Buffer, exe: Executable, addr: number, length: number): Buffer | undefined {
  const off = fileOffsetOf(exe, addr, length);
  if (off === undefined || !Number.isSafeInteger(off) || off < 0 || off + length > buf.length) return undefined;
  return buf.subarray(off, off + length);
}
