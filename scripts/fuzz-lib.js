/**
 * Mutation fuzzing shared by `npm run fuzz` (scripts/fuzz.js, over dist/) and test/security/fuzz.system.test.ts
 * (over src/): seeds from the real fixtures, a seeded PRNG, structure-aware mutations, and one
 * function per target. The oracle: anything thrown that is not an MlfError is a finding, and so
 * is a params file that decodes but does not re-encode to the same bytes, or ELF sizes that are
 * not safe integers. `lib` is the core library plus the ELF reader (`readElfSections`, `elfSizes`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { zipSync } from 'fflate';
import { join } from 'node:path';
import {
  concat,
  elfHot,
  enc,
  fixChecksums,
  fixZipCrcs,
  mutate,
  mutateJson,
  mutateNpyHeader,
  rngFor,
  zipHot,
} from './fuzz-mutate.js';

export { createRng, mutate, rngFor } from './fuzz-mutate.js';

/**
 * A tar with every member's data cut to at most 64 bytes: headers (and extended headers) are
 * copied verbatim with the size field and checksum patched, so the dialect of each real fixture
 * is kept while an execution costs microseconds, not a 300 KB copy.
 */
function shrinkTar(lib, bytes) {
  const parts = [];
  let prevEnd = 0;
  for (const e of lib.readTarIndexSync(bytes).entries) {
    const head = bytes.slice(prevEnd, e.headerOffset + 512);
    const h = head.subarray(head.length - 512);
    const size = Math.min(e.size, 64);
    if (size !== e.size) {
      h.set(enc.encode(`${size.toString(8).padStart(11, '0')}\0`), 124);
      h.fill(0x20, 148, 156);
      let sum = 0;
      for (const x of h) sum += x;
      h.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    }
    const data = new Uint8Array(Math.ceil(size / 512) * 512);
    data.set(bytes.subarray(e.dataOffset, e.dataOffset + size));
    parts.push(head, data);
    prevEnd = e.dataOffset + Math.ceil(e.size / 512) * 512;
  }
  return concat(...parts, new Uint8Array(1024));
}

/** One 512-byte header (ustar, GNU or v7 magic) with a correct checksum, then its data padded. */
function craft(name, data = new Uint8Array(0), { typeflag = '0', magic = 'ustar', prefix = '', size } = {}) {
  const h = new Uint8Array(512);
  const put = (at, text) => h.set(enc.encode(text), at);
  put(0, name.slice(0, 100));
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, `${(size ?? data.length).toString(8).padStart(11, '0')}\0`);
  put(136, '00000000000\0');
  put(156, typeflag);
  if (magic === 'ustar') put(257, 'ustar\x0000');
  if (magic === 'gnu') put(257, 'ustar  \0');
  put(345, prefix);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  return concat(h, padded);
}

function paxRecords(pairs) {
  return enc.encode(
    pairs
      .map(([k, v]) => {
        const body = ` ${k}=${v}\n`;
        let n = body.length + 1;
        while (String(n).length + enc.encode(body).length !== n) n = String(n).length + enc.encode(body).length;
        return `${n}${body}`;
      })
      .join(''),
  );
}

/**
 * Accepted tars built around the constructs tar readers disagree on (issue 13): PAX records,
 * GNU long names, v7 folders, ustar prefixes, the end marker and what follows. Mutations of
 * these reach the refusals (empty values, slashes, prefixes in GNU/v7 headers, data after the end).
 */
function ambiguitySeeds() {
  const end = new Uint8Array(1024);
  const pax = (pairs, typeflag = 'x') => craft('././@PaxHeader', paxRecords(pairs), { typeflag });
  return [
    concat(
      pax([
        ['path', 'dir/long-name.c'],
        ['size', '5'],
        ['mtime', '1.5'],
      ]),
      craft('x', enc.encode('12345')),
      end,
    ),
    concat(
      craft('././@LongLink', enc.encode('gnu/long/name.c\0'), { typeflag: 'L', magic: 'gnu' }),
      craft('n', enc.encode('g'), { magic: 'gnu' }),
      end,
    ),
    concat(
      craft('v7dir/', undefined, { typeflag: '\0', magic: 'v7' }),
      craft('v7dir/f', enc.encode('v'), { magic: 'v7' }),
      end,
    ),
    concat(craft('default_lib0.c', enc.encode('int x;'), { prefix: 'codegen/host/src' }), end, new Uint8Array(512)),
    concat(pax([['mtime', '7']], 'g'), craft('d', undefined, { typeflag: '5' }), craft('d/f', enc.encode('f')), end),
  ];
}

/** The same 64-bit little-endian object with extended numbering: e_shnum 0, e_shstrndx SHN_XINDEX, both in section 0. */
function extendedNumbering(elf) {
  const b = elf.slice();
  const v = new DataView(b.buffer);
  if (b[4] !== 2 || b[5] !== 1) return b;
  const shoff = Number(v.getBigUint64(0x28, true));
  v.setBigUint64(shoff + 32, BigInt(v.getUint16(0x3c, true)), true);
  v.setUint32(shoff + 40, v.getUint16(0x3e, true), true);
  v.setUint16(0x3c, 0, true);
  v.setUint16(0x3e, 0xffff, true);
  return b;
}

/** The same zip with a Zip64 end record and locator (as zipfile writes them), the end record's fields all ones. */
function withZip64End(zip) {
  const at = zip.length - 22;
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const count = v.getUint16(at + 10, true);
  const rec = new Uint8Array(56 + 20);
  const r = new DataView(rec.buffer);
  r.setUint32(0, 0x06064b50, true);
  r.setBigUint64(4, 44n, true);
  r.setUint16(12, 45, true);
  r.setUint16(14, 45, true);
  r.setBigUint64(24, BigInt(count), true);
  r.setBigUint64(32, BigInt(count), true);
  r.setBigUint64(40, BigInt(v.getUint32(at + 12, true)), true);
  r.setBigUint64(48, BigInt(v.getUint32(at + 16, true)), true);
  r.setUint32(56, 0x07064b50, true);
  r.setBigUint64(64, BigInt(at), true);
  r.setUint32(72, 1, true);
  const end = zip.slice(at);
  end.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 8);
  return concat(zip.subarray(0, at), rec, end);
}

function files(dir, test) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, test));
    else if (test(p)) out.push(p);
  }
  return out;
}

/**
 * The fuzz targets over a library module (`dist/core/index.js` or `src/core/index.ts`), seeded
 * from `fixtures` (test/fixtures). Each: `{ name, kind, seeds, hot, run(bytes) }`.
 */
export function createTargets(lib, fixtures) {
  const tars = files(fixtures, (p) => p.endsWith('.tar') && statSync(p).size < 400_000).map(
    (p) => new Uint8Array(readFileSync(p)),
  );
  const members = (test) => {
    const out = [];
    for (const t of tars) {
      for (const e of lib.readTarIndexSync(t).entries)
        if (e.type === 'file' && test(e.path)) out.push(lib.tarEntryData(t, e).slice());
    }
    return out;
  };
  const params = [
    ...members((p) => p.endsWith('.params')),
    ...files(fixtures, (p) => p.endsWith('.params')).map((p) => new Uint8Array(readFileSync(p))),
  ];
  const npys = files(fixtures, (p) => p.endsWith('.npy')).map((p) => new Uint8Array(readFileSync(p)));
  for (const bytes of params.slice(0, 6)) {
    for (const t of lib.decodeParams(bytes).tensors) {
      try {
        npys.push(lib.encodeNpy(lib.paramToNpy(t)));
      } catch {
        // a dtype NumPy lacks: no seed from it
      }
    }
  }
  npys.push(
    lib.encodeNpy({ descr: '>i4', shape: [2, 3], fortranOrder: true, data: new Uint8Array(24) }),
    lib.encodeNpy({ descr: '<U3', shape: [1], data: new Uint8Array(12) }),
  );
  const npzs = files(fixtures, (p) => p.endsWith('.npz')).map((p) => new Uint8Array(readFileSync(p)));
  const fromParams = Object.fromEntries(npys.slice(0, 4).map((b, i) => [`p${i}`, lib.decodeNpy(b)]));
  npzs.push(lib.encodeNpz(fromParams), lib.encodeNpz(fromParams, { compress: true }));
  npzs.push(...npzs.slice(0, 2).map(withZip64End));
  for (const z of npzs) for (const [, a] of Object.entries(lib.decodeNpz(z))) npys.push(lib.encodeNpy(a));
  const elfs = files(fixtures, (p) => p.endsWith('.o')).map((p) => new Uint8Array(readFileSync(p)));
  elfs.push(...elfs.filter((e) => e[4] === 2).map(extendedNumbering));
  const utf8 = new TextDecoder(); // lenient, like the readers decode text members
  const text = (b) => utf8.decode(b);
  const tarHot = (t) =>
    lib
      .readTarIndexSync(t)
      .entries.flatMap((e) => [
        e.headerOffset,
        e.headerOffset + 124,
        e.headerOffset + 148,
        e.headerOffset + 156,
        e.headerOffset + 345,
        e.dataOffset - 512 * 2,
      ]);
  const paramsHot = (b) => [
    16,
    ...lib
      .decodeParams(b)
      .tensors.flatMap((t) => [
        t.headerOffset - 8,
        t.headerOffset,
        t.headerOffset + 16,
        t.headerOffset + 24,
        t.headerOffset + 28,
        t.headerOffset + 32,
        t.dataOffset - 8,
      ]),
  ];
  const targets = [
    {
      name: 'tar',
      kind: 'binary',
      seeds: [
        ...tars.map((t) => shrinkTar(lib, t)),
        lib.packTar([
          { path: `${'long/'.repeat(30)}name.c`, type: 'file', data: new Uint8Array(3) },
          { path: 'caf\u00e9.txt', type: 'file' },
        ]),
        ...ambiguitySeeds(),
      ],
      run(b) {
        const index = lib.readTarIndexSync(b);
        for (const e of index.entries) if (e.type === 'file') lib.tarEntryData(b, e);
      },
    },
    {
      name: 'params',
      kind: 'binary',
      seeds: params,
      run(b) {
        const dict = lib.decodeParams(b);
        const again = lib.encodeParams(dict);
        if (again.length !== b.length || again.some((x, i) => x !== b[i]))
          throw new Error('params: decode then encode is not byte-identical');
      },
    },
    {
      name: 'graph',
      kind: 'text',
      seeds: [
        ...members((p) => p.endsWith('.graph') || p.endsWith('graph.json')),
        ...files(fixtures, (p) => p.endsWith('.graph')).map((p) => new Uint8Array(readFileSync(p))),
      ],
      run(b) {
        const g = lib.parseGraph(text(b));
        lib.computeSids(g);
        lib.computeStoragePools(g);
        lib.graphOutputs(g);
      },
    },
    {
      name: 'metadata',
      kind: 'text',
      seeds: [
        ...members((p) => p === 'metadata.json'),
        ...files(fixtures, (p) => p.endsWith('metadata.json')).map((p) => new Uint8Array(readFileSync(p))),
      ],
      run(b) {
        lib.parseMetadata(text(b));
      },
    },
    {
      name: 'npy',
      kind: 'binary',
      seeds: npys,
      run(b) {
        const a = lib.decodeNpy(b);
        lib.npyToParam('x', a);
      },
    },
    {
      name: 'elf',
      kind: 'binary',
      seeds: elfs,
      run(b) {
        const sizes = lib.elfSizes(lib.readElfSections(b));
        for (const [k, n] of Object.entries(sizes))
          if (!Number.isSafeInteger(n) || n < 0) throw new Error(`elf: ${k} is ${n}, not a byte count`);
      },
    },
    {
      name: 'npz',
      kind: 'binary',
      seeds: npzs,
      run(b) {
        for (const [name, a] of Object.entries(lib.decodeNpz(b))) lib.npyToParam(name, a);
      },
    },
  ];
  // npz: one member's .npy edited (header rebuilt or bytes mutated), the zip written again, so
  // edits reach the .npy decoder through a well-formed zip.
  const mutateNpzMember = (seed, rng) => {
    const members = Object.entries(lib.decodeNpz(seed)).map(([k, a]) => [`${k}.npy`, lib.encodeNpy(a)]);
    const k = Math.floor(rng() * members.length);
    const [name, npy] = members[k];
    members[k] = [
      name,
      rng() < 0.5 ? mutateNpyHeader(npy, rng) : mutate(npy, npys, [6, 8, 10, 20, 40, 60], 'binary', rng),
    ];
    return zipSync(Object.fromEntries(members), { level: rng() < 0.8 ? 0 : 6, mtime: new Date(1980, 0, 1) });
  };
  for (const t of targets) {
    if (t.kind === 'text') t.structured = mutateJson;
    if (t.name === 'npy') t.structured = mutateNpyHeader;
    if (t.name === 'npz') t.structured = mutateNpzMember;
    t.hot = t.seeds.map((s) => {
      try {
        return t.name === 'tar'
          ? tarHot(s)
          : t.name === 'params'
            ? paramsHot(s)
            : t.name === 'npy'
              ? [6, 8, 10, 20, 40, 60, 70, 80]
              : t.name === 'elf'
                ? elfHot(s)
                : t.name === 'npz'
                  ? zipHot(s)
                  : [];
      } catch {
        return [];
      }
    });
  }
  return targets;
}

/** The input of execution `i` of `target` in a run seeded with `seed`. */
export function inputFor(target, seed, i) {
  const rng = rngFor(seed, i);
  const k = Math.floor(rng() * target.seeds.length);
  // Half the inputs get a structure-aware edit (JSON values, npy headers), most of them alone, so
  // they reach past the syntax checks; tar headers get their checksums fixed after most byte edits.
  const base =
    target.structured !== undefined && rng() < 0.5 ? target.structured(target.seeds[k], rng) : target.seeds[k];
  const out =
    base !== target.seeds[k] && rng() < 0.7 ? base : mutate(base, target.seeds, target.hot[k], target.kind, rng);
  if (target.name === 'tar' && rng() < 0.9) fixChecksums(out);
  if (target.name === 'npz' && rng() < 0.7) fixZipCrcs(out);
  return out;
}

/**
 * Runs `target` on one input. Returns undefined, or a finding: a thrown value that is not an
 * MlfError (the library's only error class), or an oracle failure.
 */
export function execute(lib, target, bytes) {
  try {
    target.run(bytes);
    return undefined;
  } catch (e) {
    if (e instanceof lib.MlfError) return undefined;
    return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  }
}

/** Base64 of bytes, for reproducers. */
export const toBase64 = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
