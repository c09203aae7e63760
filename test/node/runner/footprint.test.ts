/**
 * `mlf footprint`: section sizes read from the ELF objects agree with binutils' `size` run on the
 * same objects, for the host compiler and for arm-none-eabi-gcc (Cortex-M4).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { elfSizes, readElfSections } from '../../../src/node/runner/elf.js';
import { packFiles, TVM, tarFiles } from '../../helpers/archive.js';
import { cli, exec, tempDir } from '../../helpers/runner.js';

const cache = tempDir('mlf-footprint-cache-');
const tmp = tempDir('mlf-footprint-');
const mlf = cli(cache);
afterAll(() => {
  for (const d of [cache, tmp]) rmSync(d, { recursive: true, force: true });
});
const GRAPH = `${TVM}/graph-cnn/model.tar`;

interface Footprint {
  cc: string;
  cflags: string;
  modules: {
    module: string;
    files: { file: string; object: string; text: number; rodata: number; data: number; bss: number }[];
    total: { text: number; rodata: number; data: number; bss: number };
    flash: number;
    ram: number;
    workspace: number;
    io: number;
    params: number;
  }[];
}

function footprint(...args: string[]): Footprint {
  const r = mlf('footprint', ...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Footprint;
}

/** Berkeley `size` of one object: text (code + read-only data), data, bss. */
function berkeley(tool: string, object: string): { text: number; data: number; bss: number } {
  const r = exec(tool, [object]);
  expect(r.code, r.err).toBe(0);
  const [text, data, bss] = (r.out.split('\n')[1] ?? '').trim().split(/\s+/).map(Number);
  return { text: text as number, data: data as number, bss: bss as number };
}

function crossCheck(report: Footprint, sizeTool: string): void {
  for (const m of report.modules) {
    for (const f of m.files) {
      expect({ text: f.text + f.rodata, data: f.data, bss: f.bss }, f.file).toEqual(berkeley(sizeTool, f.object));
    }
    const sum = (k: 'text' | 'rodata' | 'data' | 'bss') => m.files.reduce((a, f) => a + f[k], 0);
    expect(m.total).toEqual({ text: sum('text'), rodata: sum('rodata'), data: sum('data'), bss: sum('bss') });
    expect(m.flash).toBe(m.total.text + m.total.rodata + m.total.data);
    expect(m.ram).toBe(m.total.data + m.total.bss + m.workspace + m.io + m.params);
  }
}

describe('mlf footprint', () => {
  it('host cc: figures equal `size` on the built objects; RAM adds metadata workspace, io and params', () => {
    const report = footprint(GRAPH);
    expect(report).toMatchObject({ cc: 'cc', cflags: '-Os' });
    const m = report.modules[0];
    expect(m?.files.map((f) => f.file)).toEqual([
      'model/codegen/host/src/default_lib0.c',
      'model/codegen/host/src/default_lib1.c',
      'runtime/src/mlf_backend.c',
      'runtime/src/mlf_params.c',
    ]);
    expect(m).toMatchObject({ module: 'default', workspace: 33720, io: 3112, params: 21416 });
    expect(m?.total.text).toBeGreaterThan(1000);
    crossCheck(report, 'size');
  });

  it('arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os: 32-bit ARM objects, figures equal arm-none-eabi-size', () => {
    const report = footprint(
      `${TVM}/aot-mlp/model.tar`,
      '--cc',
      'arm-none-eabi-gcc',
      '--cflags',
      '-mcpu=cortex-m4 -mthumb -Os',
    );
    const m = report.modules[0];
    const object = readFileSync(m?.files[0]?.object as string);
    expect(object[4]).toBe(1); // ELFCLASS32
    expect(object.readUInt16LE(18)).toBe(40); // EM_ARM
    // The AOT weights are constants in the generated code: flash, not RAM.
    expect(m?.total.rodata).toBeGreaterThan(4 * (2048 + 320));
    expect(m).toMatchObject({ workspace: 8352, io: 256 + 40, params: 0 });
    crossCheck(report, 'arm-none-eabi-size');
  });

  it('reports every module of a multi-module archive', () => {
    const report = footprint(`${TVM}/multi-graph/model.tar`);
    expect(report.modules.map((m) => m.module)).toEqual(['mod1', 'mod2']);
    crossCheck(report, 'size');
  });

  it('readElfSections / elfSizes agree with `size -A` section by section', () => {
    const file = footprint(GRAPH).modules[0]?.files[1];
    const sections = readElfSections(new Uint8Array(readFileSync(file?.object as string)));
    const listed = exec('size', ['-A', file?.object as string])
      .out.split('\n')
      .slice(2)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c.length >= 2 && c[0] !== 'Total');
    expect(listed.length).toBeGreaterThan(2);
    for (const [name, size] of listed) expect(sections.find((s) => s.name === name)?.size, name).toBe(Number(size));
    expect(elfSizes(sections)).toEqual({ text: file?.text, rodata: file?.rodata, data: file?.data, bss: file?.bss });
  });

  it('errors: missing compiler (E503), compile error (E504), no codegen (E505)', () => {
    const a = mlf('footprint', GRAPH, '--cc', '/nonexistent/cc');
    expect([a.code, a.err]).toEqual([1, expect.stringMatching(/^error MLF-E503/)]);
    const files = tarFiles(GRAPH);
    files.set('codegen/host/src/default_lib0.c', new TextEncoder().encode('#error deliberately broken\n'));
    writeFileSync(join(tmp, 'broken.tar'), packFiles(files));
    const b = mlf('footprint', join(tmp, 'broken.tar'));
    expect([b.code, b.err]).toEqual([1, expect.stringMatching(/^error MLF-E504.*\n.*deliberately broken/)]);
    for (const p of [...files.keys()]) if (p.startsWith('codegen/')) files.delete(p);
    writeFileSync(join(tmp, 'bare.tar'), packFiles(files));
    const c = mlf('footprint', join(tmp, 'bare.tar'));
    expect([c.code, c.err]).toEqual([1, expect.stringMatching(/^error MLF-E505/)]);
  });
});
