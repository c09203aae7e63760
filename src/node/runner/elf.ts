import { MlfError } from '../../core/errors/errors.js';

/** One section header of an ELF file. */
export interface ElfSection {
  name: string;
  /** `sh_type` (1 PROGBITS, 8 NOBITS, ...). */
  type: number;
  /** `sh_flags`, low 32 bits (1 WRITE, 2 ALLOC, 4 EXECINSTR, 0x400 TLS). */
  flags: number;
  /** Bytes; 0 for `SHT_NULL` entries, whose fields the gABI leaves undefined. */
  size: number;
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

/** Options of `readElfSections`. */
export interface ReadElfOptions {
  /** The file's name, for error messages. */
  file?: string;
}

const SHT_NULL = 0;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
const SHF_WRITE = 1;
const SHF_ALLOC = 2;
const SHF_EXECINSTR = 4;
const SHN_LORESERVE = 0xff00;
const SHN_XINDEX = 0xffff;
/** Longest section name read: GNU names are short; C++ `.text.<mangled>` names stay far below. */
export const MAX_ELF_NAME_BYTES = 4096;
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Reads the section headers of an ELF object or executable (32 or 64 bit, either byte order).
 * Structure is checked before anything is allocated or looped over: the header fits the file, the
 * section header table (with extended numbering: `e_shnum = 0`, `e_shstrndx = SHN_XINDEX`) lies
 * inside it with entries of the standard size, every section with contents lies inside the file,
 * sizes stay below 2^53 in total, and every name ends with a NUL inside the string table within
 * `MAX_ELF_NAME_BYTES`; the names decoded add up to at most the file's size. Work and memory are
 * linear in the file.
 * @throws MlfError `MLF-E508` when the bytes are not a well-formed ELF file.
 */
export function readElfSections(bytes: Uint8Array, options: ReadElfOptions = {}): ElfSection[] {
  const where = options.file === undefined ? 'ELF' : `ELF ${options.file}`;
  const bad = (why: string, offset?: number) =>
    new MlfError('MLF-E508', `${where}: ${why}`, offset === undefined ? {} : { offset });
  const length = bytes.byteLength;
  if (length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    throw bad('not an ELF file (no \\x7fELF magic)', 0);
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  if ((bytes[4] !== 1 && !is64) || (bytes[5] !== 1 && bytes[5] !== 2))
    throw bad(`unknown ELF class ${bytes[4]} or byte order ${bytes[5]}`, 4);
  if (bytes[6] !== 1) throw bad(`unknown ELF version ${bytes[6]}`, 6);
  const ehsize = is64 ? 64 : 52;
  if (length < ehsize) throw bad(`the file has ${length} bytes, fewer than its ${ehsize}-byte ELF header`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const u16 = (o: number) => view.getUint16(o, le);
  const u32 = (o: number) => view.getUint32(o, le);
  // Addresses, offsets and sizes: BigInt for 64-bit files, compared against the file before use.
  const word = (o: number): bigint => (is64 ? view.getBigUint64(o, le) : BigInt(view.getUint32(o, le)));
  const entSize = is64 ? 64 : 40;
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const eShnum = u16(is64 ? 0x3c : 0x30);
  const eShstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0n) {
    if (eShnum !== 0) throw bad(`e_shnum is ${eShnum} but e_shoff is 0 (no section header table)`);
    return [];
  }
  if (shentsize !== entSize) throw bad(`e_shentsize is ${shentsize}, expected ${entSize}`, is64 ? 0x3a : 0x2e);
  if (shoff > BigInt(length - entSize))
    throw bad(`the section header table at offset ${shoff} lies past the end of the file (${length} bytes)`);
  const table = Number(shoff);
  const header = (i: number) => {
    const o = table + i * entSize; // inside the file: the count was checked against the bytes below
    const type = u32(o + 4);
    return {
      at: o,
      name: u32(o),
      type,
      // sh_flags: every flag the gABI and processor supplements define sits in the low 32 bits.
      flags: is64 ? view.getUint32(le ? o + 8 : o + 12, le) : u32(o + 8),
      offset: word(is64 ? o + 24 : o + 16),
      size: word(is64 ? o + 32 : o + 20),
      link: u32(is64 ? o + 40 : o + 24),
    };
  };
  const first = header(0);
  if (first.type !== SHT_NULL) throw bad(`section 0 has type ${first.type}, expected SHT_NULL`, first.at);
  // Extended numbering (gABI): a count too large for e_shnum lives in section 0's sh_size.
  const count = eShnum !== 0 ? BigInt(eShnum) : first.size;
  const room = BigInt(Math.floor((length - table) / entSize));
  if (count > room) {
    throw bad(
      `${count} section headers of ${entSize} bytes at offset ${table} need more than the ${length - table} bytes left in the file`,
      table,
    );
  }
  const shnum = Number(count);
  const shstrndx = eShstrndx === SHN_XINDEX ? first.link : eShstrndx;
  if (eShstrndx !== SHN_XINDEX && eShstrndx >= SHN_LORESERVE)
    throw bad(`e_shstrndx ${eShstrndx} is a reserved index`, is64 ? 0x3e : 0x32);
  if (shnum === 0) return [];
  if (shstrndx >= shnum) throw bad(`the section name table index ${shstrndx} is not below ${shnum} sections`);
  const contents = (h: ReturnType<typeof header>, i: number): [number, number] => {
    if (h.offset > BigInt(length) || h.size > BigInt(length) - h.offset) {
      throw bad(
        `section ${i} claims ${h.size} bytes at offset ${h.offset}, past the end of the file (${length} bytes)`,
        h.at,
      );
    }
    return [Number(h.offset), Number(h.size)];
  };
  let names: (at: number) => string = () => '';
  if (shstrndx !== 0) {
    const strtab = header(shstrndx);
    if (strtab.type !== SHT_STRTAB)
      throw bad(`the section name table (section ${shstrndx}) has type ${strtab.type}, not SHT_STRTAB`, strtab.at);
    const [start, size] = contents(strtab, shstrndx);
    const cache = new Map<number, string>();
    const decoder = new TextDecoder();
    let budget = length; // names decoded in all, so a table without NULs costs no more than the file
    names = (at) => {
      const hit = cache.get(at);
      if (hit !== undefined) return hit;
      if (at >= size) throw bad(`a section name at ${at} lies outside the ${size}-byte name table`, start);
      const stop = Math.min(start + size, start + at + MAX_ELF_NAME_BYTES + 1);
      const nul = bytes.subarray(start + at, stop).indexOf(0); // bounded: never a scan to the end
      const end = start + at + nul;
      if (nul < 0) {
        throw bad(
          `the section name at ${at} of the name table has no NUL within ${Math.min(size - at, MAX_ELF_NAME_BYTES + 1)} bytes`,
          start + at,
        );
      }
      budget -= end - start - at;
      if (budget < 0) throw bad(`section names add up to more bytes than the file holds (${length})`, start + at);
      const name = decoder.decode(bytes.subarray(start + at, end));
      cache.set(at, name);
      return name;
    };
  }
  const out: ElfSection[] = [];
  let total = 0n;
  for (let i = 0; i < shnum; i++) {
    const h = header(i);
    if (h.type === SHT_NULL) {
      out.push({ name: names(h.name), type: h.type, flags: h.flags, size: 0 });
      continue;
    }
    if (h.type !== SHT_NOBITS) contents(h, i);
    total += h.size;
    if (total > MAX) throw bad(`section sizes add up to more than 2^53 bytes (at section ${i}: ${h.size})`, h.at);
    out.push({ name: names(h.name), type: h.type, flags: h.flags, size: Number(h.size) });
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
