/** Inputs and outputs of `mlf run`: .npy files checked against the model, random inputs, raw bytes. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDType, fromNumpyDescr, parseDType, toNumpyDescr } from '../../core/params/dtype.js';
import { MlfError } from '../../core/errors/errors.js';
import { decodeNpy, encodeNpy, npyToParam } from '../../core/params/npy.js';
import type { RunnerTensor } from './project/interface.js';
import { fsError } from '../fs-error.js';

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** The NumPy descr of a model tensor; E507 when .npy cannot hold its dtype (bfloat16, float8, ...). */
export function npyDescr(t: RunnerTensor): string {
  const descr = toNumpyDescr(parseDType(t.dtype));
  if (descr === undefined)
    throw new MlfError('MLF-E507', `${t.name} has dtype ${t.dtype}, which a .npy file cannot hold`);
  return descr;
}

/**
 * Reads `--input NAME=FILE.npy` files and checks them against the model: every name known (E501),
 * dtype and shape equal (E502). Returns raw C-order bytes in the model's input order; inputs not
 * given are null.
 */
export async function readInputFiles(
  model: readonly RunnerTensor[],
  given: Readonly<Record<string, string>>,
): Promise<(Uint8Array | null)[]> {
  const names = model.map((t) => t.name);
  // An input may be named as the model names it or by its C name (`x:0` or `x_0`), not both.
  const byName = new Map<string, string>();
  for (const [name, file] of Object.entries(given)) {
    const t = model.find((m) => m.name === name) ?? model.find((m) => m.cName === name);
    if (t !== undefined) {
      if (byName.has(t.name))
        throw new MlfError(
          'MLF-E501',
          `input ${JSON.stringify(t.name)} is given twice (as ${JSON.stringify(name)} too)`,
        );
      byName.set(t.name, file);
    }
  }
  for (const name of Object.keys(given)) {
    if (!names.includes(name) && !model.some((t) => t.cName === name)) {
      throw new MlfError(
        'MLF-E501',
        `the model has no input named ${JSON.stringify(name)}; its inputs are ${names.map((n) => JSON.stringify(n)).join(', ') || 'none'}`,
      );
    }
  }
  const out: (Uint8Array | null)[] = [];
  for (const t of model) {
    const file = byName.get(t.name);
    if (file === undefined) {
      out.push(null);
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      throw fsError(e, file, 'read', `input ${t.name} from`);
    }
    const npy = decodeNpy(bytes);
    const dtype = fromNumpyDescr(npy.descr);
    const dtypeName = dtype === undefined ? `NumPy ${npy.descr}` : formatDType(dtype);
    if (dtypeName !== t.dtype)
      throw new MlfError('MLF-E502', `input ${t.name}: ${file} holds ${dtypeName}, the model takes ${t.dtype}`);
    if (shapeText(npy.shape) !== shapeText(t.shape)) {
      throw new MlfError(
        'MLF-E502',
        `input ${t.name}: ${file} has shape ${shapeText(npy.shape)}, the model takes ${shapeText(t.shape)}`,
      );
    }
    out.push(npyToParam(t.name, npy).data); // Fortran-order arrays come back in C order
  }
  return out;
}

/** mulberry32: a small, fast, seedable generator (deterministic across platforms). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** IEEE half bits of k/1024 for |k| <= 1024 (exactly representable). */
function halfOf(k: number): number {
  if (k === 0) return 0;
  const m = Math.abs(k);
  const e = Math.floor(Math.log2(m));
  const bits = ((e - 10 + 15) << 10) | ((m << (10 - e)) - 1024);
  return k < 0 ? bits | 0x8000 : bits;
}

/**
 * Random bytes for a tensor from `seed`: floats uniform in [-1, 1), 8- and 16-bit integers over
 * their whole range, wider integers in [-128, 127] (unsigned [0, 255]), bools 0 or 1.
 */
export function randomTensor(t: RunnerTensor, seed: number): Uint8Array {
  const dt = parseDType(t.dtype);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const next = generator(seed);
  const out = new Uint8Array(t.bytes);
  const view = new DataView(out.buffer);
  const size = Math.ceil(dt.bits / 8);
  for (let i = 0; i < n; i++) {
    const r = next();
    const o = i * size;
    if (dt.code === 2 && dt.bits === 32) view.setFloat32(o, r * 2 - 1, true);
    else if (dt.code === 2 && dt.bits === 64) view.setFloat64(o, r * 2 - 1, true);
    else if (dt.code === 2 && dt.bits === 16) view.setUint16(o, halfOf(Math.floor(r * 2048) - 1024), true);
    else if (dt.bits === 1) out[o] = r < 0.5 ? 0 : 1;
    else if (dt.code === 0 || dt.code === 1) {
      const span = dt.bits <= 16 ? 2 ** dt.bits : 256;
      const v = Math.floor(r * span) - (dt.code === 0 ? span / 2 : 0);
      for (let b = 0; b < size; b++) out[o + b] = Number((BigInt(v) >> BigInt(8 * b)) & 0xffn); // little-endian two's complement
    } else throw new MlfError('MLF-E507', `cannot make random values of dtype ${t.dtype} for ${t.name}`);
  }
  return out;
}

/** An output's raw bytes as a .npy file of the model's dtype and shape. */
export function outputNpy(t: RunnerTensor, raw: Uint8Array): Uint8Array {
  return encodeNpy({ descr: npyDescr(t), shape: t.shape, data: raw });
}

/** The part of a project manifest that running needs, per module. */
export interface RunModule {
  module: string;
  inputs: RunnerTensor[];
  outputs: RunnerTensor[];
}

/** A module name used as a folder name (`<module>/output<i>.npy`): plain names only. */
const FOLDER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Splits `--input` keys among the modules of a run: plain `NAME` when one module runs,
 * `MODULE:NAME` when several do (a module name holds no `:`; an input name may). Every key must
 * find its module (E501).
 */
export function inputsByModule(
  modules: readonly RunModule[],
  given: Readonly<Record<string, string>>,
): Record<string, string>[] {
  const out = modules.map(() => Object.create(null) as Record<string, string>);
  for (const [key, file] of Object.entries(given)) {
    if (modules.length === 1) {
      (out[0] as Record<string, string>)[key] = file;
      continue;
    }
    const colon = key.indexOf(':');
    const k = colon < 0 ? -1 : modules.findIndex((m) => m.module === key.slice(0, colon));
    if (k < 0) {
      throw new MlfError(
        'MLF-E501',
        `${JSON.stringify(key)} does not name a module: with several modules give --input MODULE:NAME=FILE.npy (modules ${modules.map((m) => JSON.stringify(m.module)).join(', ')})`,
      );
    }
    (out[k] as Record<string, string>)[key.slice(colon + 1)] = file;
  }
  return out;
}

/**
 * The raw inputs of every module: the given `.npy` files (checked, E501/E502) and random values
 * from `seed` for the rest (without a seed every input must be given, E501). The same seed gives a
 * module the same inputs whether it runs alone or with others.
 */
export async function runInputs(
  modules: readonly RunModule[],
  given: Readonly<Record<string, string>>,
  seed: number | undefined,
): Promise<Uint8Array[][]> {
  const split = inputsByModule(modules, given);
  const out: Uint8Array[][] = [];
  for (const [k, m] of modules.entries()) {
    const files = await readInputFiles(m.inputs, split[k] ?? {});
    const missing = m.inputs.filter((_, i) => files[i] === null).map((t) => t.name);
    if (missing.length > 0 && seed === undefined) {
      const where = modules.length > 1 ? ` of module ${JSON.stringify(m.module)}` : '';
      throw new MlfError(
        'MLF-E501',
        `no value for input ${missing.map((n) => JSON.stringify(n)).join(', ')}${where}; give --input ${modules.length > 1 ? 'MODULE:' : ''}NAME=FILE.npy or --random-inputs SEED`,
      );
    }
    for (const t of m.outputs) npyDescr(t); // outputs .npy cannot hold fail before building
    out.push(m.inputs.map((t, i) => files[i] ?? randomTensor(t, ((seed ?? 0) + i * 0x9e3779b9) >>> 0)));
  }
  return out;
}

/**
 * Where module k's outputs go inside the output folder: the folder itself for a single module,
 * `<module>/` when several run (E408 for a module name that cannot be a folder name; generation
 * refuses those already).
 */
export function outputFolder(modules: readonly RunModule[], k: number): string {
  if (modules.length === 1) return '';
  const name = modules[k]?.module ?? '';
  if (!FOLDER_NAME.test(name) || name === '..' || name === '.')
    throw new MlfError(
      'MLF-E408',
      `module name ${JSON.stringify(name)} cannot be a folder name for its outputs; run it alone with --module`,
    );
  return `${name}/`;
}

/** One output of a run and where it was written (null when no output folder was given). */
export interface DescribedOutput {
  index: number;
  name: string;
  dtype: string;
  shape: number[];
  file: string | null;
}

/**
 * The outputs of a run as `.npy` files by path in the output folder (`<module>/` prefixes when
 * several modules ran), and their descriptions.
 */
export function outputFiles(
  modules: readonly RunModule[],
  raw: readonly (readonly Uint8Array[])[],
  outputDir: string | undefined,
): { files: Map<string, Uint8Array>; described: DescribedOutput[][] } {
  const files = new Map<string, Uint8Array>();
  const described = modules.map((m, k) => {
    const folder = outputFolder(modules, k);
    return m.outputs.map((t, i) => {
      const path = `${folder}output${i}.npy`;
      files.set(path, outputNpy(t, raw[k]?.[i] ?? new Uint8Array()));
      return {
        index: i,
        name: t.name,
        dtype: t.dtype,
        shape: t.shape,
        file: outputDir === undefined ? null : join(outputDir, path),
      };
    });
  });
  return { files, described };
}
