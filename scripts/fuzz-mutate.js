/**
 * The mutation engine of the fuzzer (scripts/fuzz.js, test/security/fuzz.system.test.ts): a seeded PRNG, byte-level
 * edits, and structure-aware edits of JSON values, npy headers and tar checksums. Every function is
 * deterministic in the PRNG, so an input can be rebuilt from (seed, execution) alone.
 */

/** splitmix32: a fast PRNG; `createRng(seed)` returns floats in [0, 1). */
export function createRng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** The PRNG of execution `i` of a run: inputs can be rebuilt from (seed, i) alone. */
export const rngFor = (seed, i) => createRng(Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(i + 1, 0x9e3779b9));

const INTERESTING_BYTES = [
  0x00, 0xff, 0x7f, 0x80, 0x01, 0x20, 0x2e, 0x2f, 0x30, 0x37, 0x38, 0x39, 0x22, 0x5b, 0x5d, 0x7b, 0x7d, 0x2c, 0x3a,
  0x5c, 0x0a,
];
const INTERESTING_INTS = [
  0n,
  1n,
  2n,
  7n,
  8n,
  31n,
  32n,
  33n,
  64n,
  255n,
  256n,
  511n,
  512n,
  4095n,
  4096n,
  65535n,
  65536n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 40n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
];
const TOKENS = [
  '"',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '-1',
  '0',
  '1e999',
  '-0',
  '1.5',
  'null',
  'true',
  '""',
  '[]',
  '{}',
  '99999999999999999999',
  '9007199254740993',
  '"\\u0000"',
  '"\\ud800"',
  '"version"',
  '"modules"',
  '"nodes"',
  '"attrs"',
  '"shape"',
  '"storage_id"',
  '"dltype"',
  '"node_row_ptr"',
  '"heads"',
  '"arg_nodes"',
  '"inputs"',
  '"sids"',
  '"__proto__"',
  '"float32"',
  '"bool"',
  '"int4"',
  '"list_shape"',
  '"tvm_op"',
  '"null"',
  "'",
  '(',
  ')',
  'True',
  'False',
  '<f4',
  '>f8',
  '|b1',
  '<U3',
  '<M8[ns]',
  '1L',
  '\n',
  ' ',
];
export const enc = new TextEncoder();

/**
 * One mutated copy of `seed`: 1-4 stacked edits (bit flips, byte sets, truncations, splices from
 * `others`, inserts, deletes, integer edits in binary/octal/decimal, dictionary tokens), placed at
 * `hot` offsets (headers, count and size fields) more often than elsewhere.
 */
export function mutate(seed, others, hot, kind, rng) {
  let b = new Uint8Array(seed);
  const r = (n) => Math.floor(rng() * n);
  const pos = () =>
    hot.length > 0 && rng() < 0.6
      ? Math.max(0, Math.min(b.length - 1, hot[r(hot.length)] + r(16) - 4))
      : r(Math.max(1, b.length));
  const edits = 1 + r(4);
  for (let k = 0; k < edits; k++) {
    const op = r(kind === 'text' ? 10 : 9);
    const p = pos();
    if (op === 0 && b.length > 0) b[p] ^= 1 << r(8);
    else if (op === 1 && b.length > 0) b[p] = rng() < 0.7 ? INTERESTING_BYTES[r(INTERESTING_BYTES.length)] : r(256);
    else if (op === 2) b = b.slice(0, rng() < 0.5 ? r(b.length + 1) : p);
    else if (op === 3 && others.length > 0) {
      const src = others[r(others.length)];
      const from = r(src.length);
      const chunk = src.subarray(from, from + 1 + r(512));
      b = concat(b.subarray(0, p), chunk, rng() < 0.5 ? b.subarray(p + chunk.length) : b.subarray(p));
    } else if (op === 4) {
      const n = 1 + r(rng() < 0.9 ? 8 : 600);
      b = concat(b.subarray(0, p), b.subarray(p, p + n), b.subarray(p));
    } else if (op === 5) b = concat(b.subarray(0, p), b.subarray(p + 1 + r(rng() < 0.9 ? 8 : 600)));
    else if (op === 6) writeInt(b, p, INTERESTING_INTS[r(INTERESTING_INTS.length)] + BigInt(r(3)) - 1n, kind, rng);
    else if (op === 7 && b.length > 0) b.fill(rng() < 0.5 ? 0 : 0x30 + r(8), p, p + 1 + r(12));
    else if (op === 8 && b.length > 1) {
      const q = r(b.length);
      const n = 1 + r(64);
      b = concat(b.subarray(0, p), b.subarray(q, q + n), b.subarray(p + n)); // copy within
    } else if (op === 9)
      b = concat(
        b.subarray(0, p),
        enc.encode(TOKENS[r(TOKENS.length)]),
        rng() < 0.5 ? b.subarray(p) : b.subarray(p + 1 + r(4)),
      );
  }
  return b;
}

/** Writes an integer over the bytes at `p`, in place: little-endian binary, octal or decimal text. */
function writeInt(out, p, v, kind, rng) {
  const form = rng();
  if (kind !== 'text' && form < 0.4) {
    const size = [1, 2, 4, 8][Math.floor(rng() * 4)];
    for (let i = 0; i < size && p + i < out.length; i++)
      out[p + i] = Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn);
    return;
  }
  const digits = enc.encode(
    form < 0.7 ? BigInt.asUintN(64, v).toString(8).padStart(11, '0') : (rng() < 0.2 ? -v : v).toString(),
  );
  out.set(digits.subarray(0, Math.max(0, out.length - p)), p);
}

/** Concatenates byte arrays. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

/** Rewrites the checksum of every block that carries the ustar magic. */
export function fixChecksums(b) {
  for (let at = 0; at + 512 <= b.length; at += 512) {
    if (b[at + 257] !== 0x75 || b[at + 258] !== 0x73 || b[at + 259] !== 0x74) continue; // "ust"
    let sum = 8 * 0x20;
    for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += b[at + i];
    b.set(enc.encode(`${sum.toString(8).padStart(6, '0')}\0 `), at + 148);
  }
}

const JSON_VALUES = [
  0,
  -1,
  1,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 64,
  1e300,
  '',
  'x',
  'float32',
  'int8',
  'bool',
  'float16x4',
  'tvm_op',
  'null',
  'graph',
  'aot',
  '../x',
  'a/b',
  'C:x',
  null,
  true,
  false,
  [],
  {},
  [0],
  [[0, 0, 0]],
  ['list_int', []],
  ['list_shape', [[1]]],
  { storage_id: 0, size_bytes: 4 },
];

/** Parses JSON text, edits 1-3 values (replace, delete, duplicate, copy another, append), writes it back. */
export function mutateJson(seed, rng) {
  let root;
  try {
    root = JSON.parse(new TextDecoder().decode(seed));
  } catch {
    return seed;
  }
  const r = (n) => Math.floor(rng() * n);
  const edits = 1 + r(3);
  for (let k = 0; k < edits; k++) {
    const slots = [];
    const walk = (v) => {
      if (v === null || typeof v !== 'object' || slots.length > 20000) return;
      for (const key of Object.keys(v)) {
        slots.push([v, key]);
        walk(v[key]);
      }
    };
    walk(root);
    if (slots.length === 0) break;
    const [parent, key] = slots[r(slots.length)];
    const op = r(6);
    if (op === 0) parent[key] = structuredClone(JSON_VALUES[r(JSON_VALUES.length)]);
    else if (op === 1) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (op === 2 && Array.isArray(parent)) {
      // Many copies of a number or string only: copies of copies of arrays would grow without bound.
      const many = typeof parent[key] !== 'object' && rng() < 0.1;
      parent.splice(Number(key), 0, ...Array(1 + r(many ? 2000 : 3)).fill(parent[key]));
    } else if (op === 3) parent[key] = structuredClone(slots[r(slots.length)][0][slots[r(slots.length)][1]] ?? null);
    else if (op === 4 && typeof parent[key] === 'number')
      parent[key] = [parent[key] + 1, parent[key] - 1, parent[key] * 1024, -parent[key]][r(4)];
    else if (op === 5 && Array.isArray(parent[key]))
      parent[key].push(structuredClone(parent[key][0] ?? JSON_VALUES[r(JSON_VALUES.length)]));
    else if (!Array.isArray(parent)) parent[`${key}_${r(9)}`] = structuredClone(parent[key]);
  }
  return enc.encode(JSON.stringify(root, null, rng() < 0.5 ? 2 : undefined));
}

const NPY_DESCRS = [
  '<f4',
  '>f4',
  '<f8',
  '<f2',
  '|b1',
  '|u1',
  '|i1',
  '<i8',
  '>u2',
  '<c8',
  '<c16',
  '|S0',
  '|S5',
  '<U3',
  '|V4',
  '<M8[ns]',
  '<m8',
  'O',
  '<f3',
  '>c7',
  '<i0',
  '=i4',
  '|f4',
  '<U999999999',
];
const NPY_DIMS = [0, 1, 2, 3, 7, 64, 65535, 2 ** 31, 2 ** 40, 2 ** 53, 2 ** 63];

/** A new npy header (descr, order, shape from interesting values) over the seed's data bytes. */
export function mutateNpyHeader(seed, rng) {
  const r = (n) => Math.floor(rng() * n);
  const hlen = seed.length > 10 ? seed[8] | (seed[9] << 8) : 0;
  const data = seed.subarray(Math.min(seed.length, 10 + hlen));
  const dims = Array.from({ length: r(rng() < 0.9 ? 4 : 40) }, () =>
    rng() < 0.7 ? 1 + r(8) : NPY_DIMS[r(NPY_DIMS.length)],
  );
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  const header = `{'descr': '${NPY_DESCRS[r(NPY_DESCRS.length)]}', 'fortran_order': ${rng() < 0.3 ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const padded = header + ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length & 0xff, padded.length >> 8]);
  out.set(enc.encode(padded), 10);
  out.set(data, 10 + padded.length);
  return out;
}

let crcTable;
/** CRC-32 (IEEE), for rewriting zip CRCs after a mutation; independent of the reader's. */
export function crc32(b) {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Offsets of the records of a zip (end record, central entries, local headers) found by their
 * signatures: the fields the zip reader trusts most, where mutations land more often.
 */
export function zipHot(b) {
  const out = [];
  for (let i = 0; i + 4 <= b.length; i++) {
    if (b[i] !== 0x50 || b[i + 1] !== 0x4b) continue;
    const s = b[i + 2] | (b[i + 3] << 8);
    if (s === 0x0201) out.push(i + 8, i + 10, i + 16, i + 20, i + 24, i + 28, i + 30, i + 42);
    else if (s === 0x0403) out.push(i + 6, i + 8, i + 14, i + 18, i + 22, i + 26, i + 28);
    else if (s === 0x0605) out.push(i + 8, i + 10, i + 12, i + 16, i + 20);
    else if (s === 0x0606) out.push(i + 4, i + 24, i + 32, i + 40, i + 48);
    else if (s === 0x0706) out.push(i + 4, i + 8, i + 16);
  }
  return out;
}

/**
 * Rewrites the CRC-32 of every stored member whose directory entry and local header can be found,
 * in place (in the central entry, and in the local header unless sizes come in a descriptor), so
 * that byte edits of member data reach the `.npy` decoder instead of stopping at the CRC check.
 */
export function fixZipCrcs(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 22) return;
  const end = b.length - 22;
  if (v.getUint32(end, true) !== 0x06054b50) return;
  let p = v.getUint32(end + 16, true);
  for (let i = 0, n = v.getUint16(end + 10, true); i < n && p + 46 <= b.length; i++) {
    if (v.getUint32(p, true) !== 0x02014b50) return;
    const next = p + 46 + v.getUint16(p + 28, true) + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
    const local = v.getUint32(p + 42, true);
    const size = v.getUint32(p + 20, true);
    if (v.getUint16(p + 10, true) === 0 && local + 30 <= b.length && v.getUint32(local, true) === 0x04034b50) {
      const data = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
      if (data + size <= b.length) {
        const crc = crc32(b.subarray(data, data + size));
        v.setUint32(p + 16, crc, true);
        if ((v.getUint16(local + 6, true) & 8) === 0) v.setUint32(local + 14, crc, true);
      }
    }
    p = next;
  }
}

/** Section-header fields of an ELF file (and its header's table fields): where mutations land more often. */
export function elfHot(b) {
  if (b.length < 64 || b[0] !== 0x7f) return [];
  const is64 = b[4] === 2;
  const le = b[5] === 1;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = is64 ? [0x28, 0x3a, 0x3c, 0x3e] : [0x20, 0x2e, 0x30, 0x32];
  const shoff = Number(is64 ? v.getBigUint64(0x28, le) : v.getUint32(0x20, le));
  const ent = is64 ? 64 : 40;
  for (let i = 0; i < 64 && shoff + (i + 1) * ent <= b.length; i++) {
    const o = shoff + i * ent;
    out.push(...(is64 ? [o, o + 4, o + 8, o + 24, o + 32, o + 40] : [o, o + 4, o + 8, o + 16, o + 20, o + 24]));
  }
  return out;
}
