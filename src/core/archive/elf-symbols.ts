/**
 * The names an ELF object file defines for the linker, so that a function a graph calls can be
 * checked against the archive's own objects (codegen/host/lib/*.o) before a plan calls it.
 * Every offset and count is checked against the file before it is used; work is bounded by a
 * budget proportional to the file, and anything malformed gives null ("cannot tell").
 */
import { MAX_C_IDENTIFIER } from './c-scan.js';

const SHT_SYMTAB = 2;
const SHN_UNDEF = 0;
const STB_GLOBAL = 1;
const STB_WEAK = 2;

/**
 * Global and weak symbols defined (not undefined) in an ELF32/ELF64 object of either byte order,
 * or null when the bytes are not a well-formed ELF file with a symbol table we can read.
 */
export function definedElfSymbols(bytes: Uint8Array): Set<string> | null {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    return null;
  const is64 = bytes[4] === 2;
  if (!is64 && bytes[4] !== 1) return null;
  if (bytes[5] !== 1 && bytes[5] !== 2) return null;
  const le = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  const u16 = (o: number) => view.getUint16(o, le);
  const u32 = (o: number) => view.getUint32(o, le);
  const word = (o: number) => {
    if (!is64) return u32(o);
    const v = view.getBigUint64(o, le);
    return v > BigInt(len) ? Infinity : Number(v); // anything past the file is out of bounds anyway
  };
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const headerSize = is64 ? 64 : 40;
  if (shnum === 0 || shentsize !== headerSize || shoff + shnum * shentsize > len) return null;
  const section = (i: number) => {
    const o = shoff + i * shentsize;
    return {
      type: u32(o + 4),
      offset: word(is64 ? o + 24 : o + 16),
      size: word(is64 ? o + 32 : o + 20),
      link: u32(is64 ? o + 40 : o + 24),
      entsize: word(is64 ? o + 56 : o + 36),
    };
  };
  const names = new Set<string>();
  const decoder = new TextDecoder('latin1');
  let budget = 8 * len + (1 << 20);
  let found = false;
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_SYMTAB) continue;
    const symSize = is64 ? 24 : 16;
    if (s.entsize !== symSize || s.offset + s.size > len || s.size % symSize !== 0 || s.link >= shnum) return null;
    const strtab = section(s.link);
    if (strtab.offset + strtab.size > len) return null;
    found = true;
    const seen = new Set<number>();
    for (let o = s.offset; o < s.offset + s.size; o += symSize) {
      const name = u32(o);
      const info = bytes[is64 ? o + 4 : o + 12] as number;
      const shndx = u16(is64 ? o + 6 : o + 14);
      const bind = info >> 4;
      if (shndx === SHN_UNDEF || (bind !== STB_GLOBAL && bind !== STB_WEAK) || name >= strtab.size) continue;
      if (seen.has(name)) continue;
      seen.add(name);
      const start = strtab.offset + name;
      const limit = Math.min(strtab.offset + strtab.size, start + MAX_C_IDENTIFIER + 1);
      let end = start;
      while (end < limit && bytes[end] !== 0) end++;
      budget -= end - start + 1;
      if (budget < 0) return null;
      if (end === limit) continue; // no NUL within the longest name we accept
      names.add(decoder.decode(bytes.subarray(start, end)));
    }
  }
  return found ? names : null;
}
