/** Helpers of the emulated-board tests: `mlf run --target` as JSON, and output comparisons. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { decodeNpy } from '../../src/core/params/npy.js';

/** The boards every TVM fixture runs on, and the others (one fixture each). */
export const FULL_BOARDS = ['cortex-m4', 'cortex-m55', 'riscv32'] as const;

/** What `mlf run --target … --json` prints (the parts the tests read). */
export interface TargetRunJson {
  target: string;
  modules: {
    module: string;
    kind: string;
    instructions: number;
    stackPeak: number;
    arena: { bytes: number; peak: number; touched: number };
    outputs: { index: number; file: string; shape: number[] }[];
  }[];
  firmware: {
    flash: number;
    ramStatic: number;
    stackBytes: number;
    stackPeak: number;
    counterError: number;
    elf: string;
    total: { text: number; rodata: number; data: number; bss: number };
    parts: { part: string; sizes: { text: number; rodata: number; data: number; bss: number } }[];
    sizeTool: { text: number; data: number; bss: number; agrees: boolean } | null;
  };
  build: { dir: string; cached: boolean };
  notes: string[];
}

/** Element count, bit-identical elements and largest error relative to the largest magnitude. */
export interface Comparison {
  n: number;
  bitExact: number;
  maxRelative: number;
}

/**
 * Compares two .npy files element by element: same dtype and element count; integers must be
 * equal, floats within 1e-5 of the reference's largest magnitude.
 */
export function expectOutputsClose(actualFile: string, expectedFile: string): Comparison {
  const a = decodeNpy(new Uint8Array(readFileSync(actualFile)));
  const e = decodeNpy(new Uint8Array(readFileSync(expectedFile)));
  expect(a.descr, actualFile).toBe(e.descr);
  expect(a.data.length, actualFile).toBe(e.data.length);
  const size = Number(/\d+$/.exec(e.descr)?.[0] ?? '1');
  const n = e.data.length / size;
  let bitExact = 0;
  for (let i = 0; i < n; i++) {
    if (Buffer.compare(a.data.subarray(i * size, (i + 1) * size), e.data.subarray(i * size, (i + 1) * size)) === 0)
      bitExact++;
  }
  if (!e.descr.includes('f')) {
    expect(bitExact, `${actualFile}: integers must be equal`).toBe(n);
    return { n, bitExact, maxRelative: 0 };
  }
  const view = (d: Uint8Array) => {
    const copy = new Uint8Array(d).buffer;
    return size === 8 ? new Float64Array(copy) : new Float32Array(copy);
  };
  const av = view(a.data);
  const ev = view(e.data);
  const largest = Math.max(...Array.from(ev, Math.abs));
  let maxRelative = 0;
  for (let i = 0; i < n; i++)
    maxRelative = Math.max(maxRelative, Math.abs((av[i] as number) - (ev[i] as number)) / largest);
  expect(maxRelative, actualFile).toBeLessThanOrEqual(1e-5);
  return { n, bitExact, maxRelative };
}

/** Two output files hold the same bytes (same values, dtype and shape). */
export function expectSameFile(a: string, b: string): void {
  expect(readFileSync(a).equals(readFileSync(b)), `${a} = ${b}`).toBe(true);
}
