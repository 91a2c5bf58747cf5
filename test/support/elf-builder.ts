/**
 * Test fixture writer (used only by tests; no analyzer imports it): minimal ELF files with chosen sections, each
 * section also mapped by a PT_LOAD segment at its address, so that tests can exercise section lookup and
 * virtual-address reads without a compiler. The layout follows the System V ABI: ELF header, program headers,
 * section bytes, the section-name string table, then the section header table.
 */
export interface FixtureSection {
  name: string;
  data: Buffer;
  /** Virtual address; sections without one are not mapped by a segment. */
  addr?: number;
  /** Segment flags (PF_X 1, PF_W 2, PF_R 4); default read+write. */
  flags?: number;
}

export interface FixtureOptions {
  bits?: 32 | 64;
  bigEndian?: boolean;
  /** Omit the section header table (as `strip --strip-section-headers` / sstrip do). */
  noSectionHeaders?: boolean;
}

export function buildElf(sections: FixtureSection[], opts: FixtureOptions = {}): Buffer {
  const bits = opts.bits ?? 64;
  const le = !opts.bigEndian;
  const ehsize = bits === 64 ? 64 : 52;
  const phentsize = bits === 64 ? 56 : 32;
  const shentsize = bits === 64 ? 64 : 40;
  const mapped = sections.filter((s) => s.addr !== undefined);
  const names = Buffer.concat([Buffer.from([0]), ...sections.map((s) => Buffer.from(`${s.name}\0`, 'latin1')), Buffer.from('.shstrtab\0', 'latin1')]);
  let off = ehsize + mapped.length * phentsize;
  const offsets: number[] = [];
  for (const s of sections) {
    off = (off + 15) & ~15;
    offsets.push(off);
    off += s.data.length;
  }
  const namesOff = off;
  off += names.length;
  const shoff = (off + 7) & ~7;
  const shnum = opts.noSectionHeaders ? 0 : sections.length + 2;
  const total = shoff + shnum * shentsize;
  const b = Buffer.alloc(total);
  const u16 = (o: number, v: number): number => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (o: number, v: number): number => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const word = (o: number, v: number): void => {
    if (bits === 32) u32(o, v);
    else if (le) b.writeBigUInt64LE(BigInt(v), o);
    else b.writeBigUInt64BE(BigInt(v), o);
  };
  b.write('\x7fELF', 0, 'latin1');
  b[4] = bits === 64 ? 2 : 1;
  b[5] = le ? 1 : 2;
  b[6] = 1;
  u16(16, 2); // ET_EXEC
  u16(18, bits === 64 ? 62 : 3); // EM_X86_64 / EM_386
  u32(20, 1);
  const at = bits === 64 ? { phoff: 0x20, shoff: 0x28, rest: 0x34 } : { phoff: 0x1c, shoff: 0x20, rest: 0x28 };
  word(at.phoff, mapped.length ? ehsize : 0);
  word(at.shoff, shnum ? shoff : 0);
  u16(at.rest, ehsize);
  u16(at.rest + 2, phentsize);
  u16(at.rest + 4, mapped.length);
  u16(at.rest + 6, shentsize);
  u16(at.rest + 8, shnum);
  u16(at.rest + 10, shnum ? sections.length + 1 : 0);
  let ph = ehsize;
  sections.forEach((s, i) => {
    s.data.copy(b, offsets[i]);
    if (s.addr === undefined) return;
    const flags = s.flags ?? 6;
    u32(ph, 1); // PT_LOAD
    if (bits === 64) {
      u32(ph + 4, flags);
      word(ph + 8, offsets[i]!);
      word(ph + 16, s.addr);
      word(ph + 24, s.addr);
      word(ph + 32, s.data.length);
      word(ph + 40, s.data.length);
    } else {
      word(ph + 4, offsets[i]!);
      word(ph + 8, s.addr);
      word(ph + 12, s.addr);
      word(ph + 16, s.data.length);
      word(ph + 20, s.data.length);
      u32(ph + 24, flags);
    }
    ph += phentsize;
  });
  names.copy(b, namesOff);
  if (shnum) {
    let nameIdx = 1;
    const header = (idx: number, name: number, type: number, addr: number, offset: number, size: number): void => {
      const h = shoff + idx * shentsize;
      u32(h, name);
      u32(h + 4, type);
      if (bits === 64) {
        word(h + 16, addr);
        word(h + 24, offset);
        word(h + 32, size);
      } else {
        word(h + 12, addr);
        word(h + 16, offset);
        word(h + 20, size);
      }
    };
    sections.forEach((s, i) => {
      header(i + 1, nameIdx, 1 /* SHT_PROGBITS */, s.addr ?? 0, offsets[i]!, s.data.length);
      nameIdx += Buffer.byteLength(s.name, 'latin1') + 1;
    });
    header(sections.length + 1, nameIdx, 3 /* SHT_STRTAB */, 0, namesOff, names.length);
  }
  return b;
}

/** Offset, within a buildElf() result, of the ELF section header table entry `index` (for corrupting tests). */
export function sectionHeaderOffset(elf: Buffer, index: number): number {
  const le = elf[5] === 1;
  const bits = elf[4] === 2 ? 64 : 32;
  const shoff = bits === 64 ? Number(le ? elf.readBigUInt64LE(0x28) : elf.readBigUInt64BE(0x28)) : le ? elf.readUInt32LE(0x20) : elf.readUInt32BE(0x20);
  return shoff + index * (bits === 64 ? 64 : 40);
}
