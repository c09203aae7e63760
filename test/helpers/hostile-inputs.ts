/**
 * Hostile inputs past the tar layer (issue 20): ELF objects for `mlf footprint`, `.npz` zips and
 * `.npy` headers for `mlf params import`, each built from code, byte by byte.
 */

import { deflateRawSync } from 'node:zlib';
import { crc32 as fuzzCrc32 } from '../../scripts/fuzz-mutate.js';

const enc = new TextEncoder();

/** A section header of `elf64`. */
export interface Sh {
  name?: number;
  type?: number;
  flags?: bigint;
  offset?: bigint;
  size?: bigint;
  link?: number;
}

/** Header fields of `elf64`; the defaults describe a well-formed relocatable object. */
export interface ElfSpec {
  shoff?: bigint;
  shentsize?: number;
  shnum?: number;
  shstrndx?: number;
  sections?: Sh[];
  /** Bytes placed right after the 64-byte header (section contents). */
  body?: Uint8Array;
  /** Where the section header table goes (default: right after the body). */
  tableAt?: number;
  /** Big-endian (default little-endian). */
  bigEndian?: boolean;
}

/** An ELF64 relocatable object (x86-64, or big-endian SPARC V9) with the given section headers. */
export function elf64(spec: ElfSpec): Uint8Array {
  const le = spec.bigEndian !== true;
  const body = spec.body ?? new Uint8Array(0);
  const sections = spec.sections ?? [];
  const tableAt = spec.tableAt ?? 64 + body.byteLength;
  const out = new Uint8Array(Math.max(64 + body.byteLength, tableAt + sections.length * 64));
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, 0], 0);
  v.setUint16(16, 1, le); // ET_REL
  v.setUint16(18, le ? 62 : 43, le); // EM_X86_64, EM_SPARCV9
  v.setUint32(20, 1, le);
  v.setBigUint64(0x28, spec.shoff ?? (sections.length > 0 ? BigInt(tableAt) : 0n), le);
  v.setUint16(0x34, 64, le); // e_ehsize
  v.setUint16(0x3a, spec.shentsize ?? 64, le);
  v.setUint16(0x3c, spec.shnum ?? sections.length, le);
  v.setUint16(0x3e, spec.shstrndx ?? 0, le);
  out.set(body, 64);
  sections.forEach((s, i) => {
    const o = tableAt + i * 64;
    v.setUint32(o, s.name ?? 0, le);
    v.setUint32(o + 4, s.type ?? 0, le);
    v.setBigUint64(o + 8, s.flags ?? 0n, le);
    v.setBigUint64(o + 24, s.offset ?? 0n, le);
    v.setBigUint64(o + 32, s.size ?? 0n, le);
    v.setUint32(o + 40, s.link ?? 0, le);
  });
  return out;
}

/** The ELF cases of issue 20, as observed (each once hung, exhausted memory, crashed or lied). */
export const HOSTILE_ELF: Record<string, () => Uint8Array> = {
  // 128 bytes: e_shentsize 0 and e_shnum 0 send the count to section 0, whose sh_size is 2^40.
  'e_shentsize 0, e_shnum 0, section 0 sh_size 2^40': () =>
    elf64({ shentsize: 0, shnum: 0, sections: [{ size: 2n ** 40n }] }),
  // 65535 headers named at 65535 offsets of a 4 MiB run without a NUL.
  '65535 section names into 4 MiB without a NUL': () => {
    const run = 4 * 1024 * 1024;
    const sections: Sh[] = [{}, { type: 3, offset: 64n, size: BigInt(run) }];
    for (let i = 2; i < 65535; i++) sections.push({ name: i, type: 1 });
    return elf64({ shstrndx: 1, body: new Uint8Array(run).fill(0x41), sections });
  },
  // 56 bytes: the ident says ELF64, whose header has 64.
  'header truncated at 56 bytes': () => elf64({}).slice(0, 56),
  // An allocated PROGBITS section of 2^64-1 bytes in a 200-byte file (was reported as 18 EB).
  'sh_size 2^64-1': () =>
    elf64({
      shstrndx: 1,
      body: enc.encode('\0.strtab\0.text\0'),
      sections: [
        {},
        { name: 1, type: 3, offset: 64n, size: 15n },
        { name: 9, type: 1, flags: 6n, size: 2n ** 64n - 1n },
      ],
    }),
};

// ---- zip ----

/** CRC-32 (IEEE) of the fuzzer, written apart from src: an independent check of the reader's. */
export const crc32Slow: (bytes: Uint8Array) => number = fuzzCrc32;

/** Little-endian fields, as [width in bytes, value] pairs, into bytes. */
export function le(...fields: [1 | 2 | 4 | 8, number | bigint][]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, [w]) => n + w, 0));
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [w, x] of fields) {
    if (w === 1) v.setUint8(at, Number(x));
    else if (w === 2) v.setUint16(at, Number(x), true);
    else if (w === 4) v.setUint32(at, Number(x), true);
    else v.setBigUint64(at, BigInt(x), true);
    at += w;
  }
  return out;
}

/** Concatenates byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A central directory entry (46 bytes + name + extra). */
export function centralEntry(e: {
  name: string;
  method?: number;
  flags?: number;
  crc?: number;
  csize: number;
  usize: number;
  offset: number;
  extra?: Uint8Array;
}): Uint8Array {
  const name = enc.encode(e.name);
  const extra = e.extra ?? new Uint8Array(0);
  return cat(
    le(
      [4, 0x02014b50],
      [2, 20],
      [2, 20],
      [2, e.flags ?? 0],
      [2, e.method ?? 0],
      [2, 0],
      [2, 0x21],
      [4, e.crc ?? 0],
      [4, e.csize],
      [4, e.usize],
      [2, name.byteLength],
      [2, extra.byteLength],
      [2, 0],
      [2, 0],
      [2, 0],
      [4, 0],
      [4, e.offset],
    ),
    name,
    extra,
  );
}

/** A local file header (30 bytes + name + extra). */
export function localHeader(e: {
  name: string;
  method?: number;
  flags?: number;
  crc?: number;
  csize: number;
  usize: number;
  extra?: Uint8Array;
}): Uint8Array {
  const name = enc.encode(e.name);
  const extra = e.extra ?? new Uint8Array(0);
  return cat(
    le(
      [4, 0x04034b50],
      [2, 20],
      [2, e.flags ?? 0],
      [2, e.method ?? 0],
      [2, 0],
      [2, 0x21],
      [4, e.crc ?? 0],
      [4, e.csize],
      [4, e.usize],
      [2, name.byteLength],
      [2, extra.byteLength],
    ),
    name,
    extra,
  );
}

/** An end of central directory record. */
export const endRecord = (entries: number, cdSize: number, cdOffset: number) =>
  le([4, 0x06054b50], [2, 0], [2, 0], [2, entries], [2, entries], [4, cdSize], [4, cdOffset], [2, 0]);

/** A stored zip of the members, laid out as Python's zipfile lays out `numpy.savez` output. */
export function storedZip(members: [string, Uint8Array][]): Uint8Array {
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let at = 0;
  for (const [name, data] of members) {
    const crc = crc32Slow(data);
    const local = cat(localHeader({ name, crc, csize: data.byteLength, usize: data.byteLength }), data);
    central.push(centralEntry({ name, crc, csize: data.byteLength, usize: data.byteLength, offset: at }));
    locals.push(local);
    at += local.byteLength;
  }
  const cd = cat(...central);
  return cat(...locals, cd, endRecord(members.length, cd.byteLength, at));
}

/** A `.npy` file (format 1.0) with the given header text, padded as NumPy pads, then `data`. */
export function npyWithHeader(header: string, data = new Uint8Array(0), major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  let text = header;
  const pad = (64 - ((6 + 2 + lenBytes + text.length + 1) % 64)) % 64;
  text += `${' '.repeat(pad)}\n`;
  const head = cat(
    Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0),
    lenBytes === 2 ? le([2, text.length]) : le([4, text.length]),
    enc.encode(text),
  );
  return cat(head, data);
}

/** XORs a bit mask into one byte. */
const flip = (b: Uint8Array, at: number, mask: number): void => {
  b[at] = (b[at] ?? 0) ^ mask;
};

/** The `.npz` cases of issue 20. */
/** A small valid .npy: four float32 values. */
export const SMALL_NPY = npyWithHeader(
  "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
  new Uint8Array(16).fill(7),
);

export const HOSTILE_NPZ: Record<string, () => Uint8Array> = {
  // 98 bytes: Zip64 end record (56) + locator (20) + end record (22); 0xFFFFFFFF entries, directory past the end.
  'Zip64 end record claiming 0xFFFFFFFF entries': () =>
    cat(
      le(
        [4, 0x06064b50],
        [8, 44],
        [2, 45],
        [2, 45],
        [4, 0],
        [4, 0],
        [8, 0xffffffff],
        [8, 0xffffffff],
        [8, 2n ** 40n],
        [8, 65536], // the directory past the end: fflate read 0xFFFFFFFF entries of zeros
      ),
      le([4, 0x07064b50], [4, 0], [8, 0], [4, 1]),
      le([4, 0x06054b50], [2, 0], [2, 0], [2, 0xffff], [2, 0xffff], [4, 0xffffffff], [4, 0xffffffff], [2, 0]),
    ),
  'empty zip (no arrays)': () => endRecord(0, 0, 0),
  // One stored 1 MiB member and 4000 directory entries pointing at it, each declaring usize 0.
  '4000 entries overlapping one stored 1 MiB member': () => {
    const data = npyWithHeader(
      "{'descr': '|u1', 'fortran_order': False, 'shape': (1048000,), }",
      new Uint8Array(1048000),
    );
    const crc = crc32Slow(data);
    const local = cat(localHeader({ name: 'a.npy', csize: data.byteLength, usize: data.byteLength, crc }), data);
    const central: Uint8Array[] = [];
    for (let i = 0; i < 4000; i++)
      central.push(centralEntry({ name: `a${i}.npy`, csize: data.byteLength, usize: 0, offset: 0, crc }));
    const cd = cat(...central);
    return cat(local, cd, endRecord(4000, cd.byteLength, local.byteLength));
  },
  'a flipped data byte (CRC-32 mismatch)': () => {
    const npy = npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(16));
    const zip = storedZip([['a.npy', npy]]);
    flip(zip, 30 + 5 + npy.length - 1, 0x01); // the last data byte of a.npy (its header still parses)
    return zip;
  },
  'encrypted flag set': () => {
    const zip = storedZip([
      ['a.npy', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new Uint8Array(16))],
    ]);
    flip(zip, 6, 1); // local header
    const cd = zip.byteLength - 22 - (46 + 5);
    flip(zip, cd + 8, 1); // central directory
    return zip;
  },
  // ~150 KB: a deflated .npy whose shape tuple holds 60 million "1," (a 120 MB header, under the
  // 1000x ratio limit thanks to 0-3 spaces after every 2000 items): was 2.9 GB of heap for 37 s.
  'deflated npy header of a 60-million-entry shape tuple': () => {
    const head = enc.encode("{'descr': '|u1', 'fortran_order': False, 'shape': (");
    const tail = enc.encode('), }\n');
    const run = enc.encode('1,'.repeat(2000));
    const blocks = 30_000;
    const text = new Uint8Array(head.length + blocks * (run.length + 3) + tail.length).fill(0x20);
    text.set(head);
    let at = head.length;
    let seed = 1;
    for (let b = 0; b < blocks; b++) {
      text.set(run, at);
      seed = (seed * 1103515245 + 12345) >>> 0;
      at += run.length + (seed >>> 30); // 0-3 spaces (the fill) after each run
    }
    text.set(tail, at);
    const header = text.subarray(0, at + tail.length);
    const npy = cat(
      Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0),
      le([4, header.length]),
      header,
      Uint8Array.of(1),
    );
    const compressed = new Uint8Array(deflateRawSync(npy, { level: 6 }));
    const e = { name: 'a.npy', method: 8, crc: crc32Slow(npy), csize: compressed.length, usize: npy.length };
    const local = cat(localHeader(e), compressed);
    const cd = centralEntry({ ...e, offset: 0 });
    return cat(local, cd, endRecord(1, cd.length, local.length));
  },
  // 150 KB: a stored .npy whose shape tuple holds 75 000 times "1,".
  'npy header of a 75 000-entry shape tuple': () =>
    storedZip([
      [
        'a.npy',
        npyWithHeader(
          `{'descr': '|u1', 'fortran_order': False, 'shape': (${'1,'.repeat(75_000)}), }`,
          Uint8Array.of(1),
          2,
        ),
      ],
    ]),
};
