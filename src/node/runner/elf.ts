import { MlfError } from '../../core/errors/errors.js';

/** One section header of an ELF file. */
export interface ElfSection {
  name: string;
  /** `sh_type` (1 PROGBITS, 8 NOBITS, ...). */
  type: number;
  /** `sh_flags` (1 WRITE, 2 ALLOC, 4 EXECINSTR, 0x400 TLS). */
  flags: number;
  size: number;
  /** Where its bytes lie in the file, and `sh_link` (a symbol table's string table). */
  offset: number;
  link: number;
}

/** Section sizes by what they cost on a device. */
export interface ElfSizes {
  /** Executable code (flash). */
  text: number;
  /** Read-only data: constants, string literals, unwind tables (flash). */
  rodata: number;
  /** Initialised writable data (RAM, and its initial values in flash). */
  data: number;
  /** Zero-initialised data (RAM only). */
  bss: number;
}

const SHT_NOBITS = 8;
const SHF_WRITE = 1;
const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;

const bad = (why: string) => new MlfError('MLF-E504', `ELF: ${why}`);

/**
 * Reads the section headers of an ELF object or executable (32 or 64 bit, either byte order).
 * @throws MlfError E504 when the bytes are not a well-formed ELF file.
 */
export function readElfSections(bytes: Uint8Array): ElfSection[] {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    throw bad('not an ELF file');
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  if ((bytes[4] !== 1 && !is64) || (bytes[5] !== 1 && bytes[5] !== 2)) throw bad('unknown ELF class or byte order');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, le);
  const u32 = (o: number) => view.getUint32(o, le);
  const word = (o: number) => (is64 ? Number(view.getBigUint64(o, le)) : view.getUint32(o, le));
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  let shnum = u16(is64 ? 0x3c : 0x30);
  let shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0) return [];
  const header = (i: number) => {
    const o = shoff + i * shentsize;
    if (o + (is64 ? 64 : 40) > bytes.length) throw bad(`section header ${i} lies past the end of the file`);
    return {
      name: u32(o),
      type: u32(o + 4),
      flags: word(o + 8),
      offset: word(is64 ? o + 24 : o + 16),
      size: word(is64 ? o + 32 : o + 20),
      link: u32(is64 ? o + 40 : o + 24),
    };
  };
  // Extended numbering: counts too large for 16 bits live in section 0.
  if (shnum === 0) shnum = header(0).size;
  if (shstrndx === 0xffff) shstrndx = header(0).link;
  const strtab = header(shstrndx);
  const name = (at: number) => {
    let end = strtab.offset + at;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(strtab.offset + at, end));
  };
  const out: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = header(i);
    out.push({ name: name(h.name), type: h.type, flags: h.flags, size: h.size, offset: h.offset, link: h.link });
  }
  return out;
}

/**
 * Sums allocated sections the way Berkeley `size` does (code or read-only → text, writable with
 * contents → data, the rest → bss), with text split into code (`text`) and read-only data (`rodata`).
 */
export function elfSizes(sections: readonly ElfSection[]): ElfSizes {
  const sizes: ElfSizes = { text: 0, rodata: 0, data: 0, bss: 0 };
  for (const s of sections) {
    if ((s.flags & SHF_ALLOC) === 0) continue;
    if ((s.flags & SHF_EXECINSTR) !== 0) sizes.text += s.size;
    else if ((s.flags & SHF_WRITE) === 0) sizes.rodata += s.size;
    else if (s.type !== SHT_NOBITS) sizes.data += s.size;
    else sizes.bss += s.size;
  }
  return sizes;
}

/** One entry of an ELF symbol table. */
export interface ElfSymbol {
  name: string;
  /** `STB_*`: 0 local, 1 global, 2 weak. */
  bind: number;
  /** `STT_*`: 0 none, 1 object, 2 function, 6 TLS. */
  type: number;
  /** Section index; 0 = undefined (a reference, not a definition). */
  section: number;
  size: number;
}

/**
 * The symbols of an ELF file's `.symtab` (empty when it has none).
 * @throws MlfError E504 when the table lies outside the file.
 */
export function readElfSymbols(bytes: Uint8Array): ElfSymbol[] {
  const sections = readElfSections(bytes);
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = sections.find((s) => s.type === 2); // SHT_SYMTAB
  if (table === undefined) return [];
  const strings = sections[table.link];
  if (strings === undefined || table.offset + table.size > bytes.length || strings.offset + strings.size > bytes.length)
    throw bad('symbol table lies past the end of the file');
  const entry = is64 ? 24 : 16;
  const decoder = new TextDecoder();
  const out: ElfSymbol[] = [];
  for (let o = table.offset + entry; o + entry <= table.offset + table.size; o += entry) {
    const nameAt = strings.offset + view.getUint32(o, le);
    let end = nameAt;
    while (end < strings.offset + strings.size && bytes[end] !== 0) end++;
    const info = bytes[is64 ? o + 4 : o + 12] as number;
    out.push({
      name: decoder.decode(bytes.subarray(nameAt, end)),
      bind: info >> 4,
      type: info & 0xf,
      section: view.getUint16(is64 ? o + 6 : o + 14, le),
      size: is64 ? Number(view.getBigUint64(o + 16, le)) : view.getUint32(o + 8, le),
    });
  }
  return out;
}
