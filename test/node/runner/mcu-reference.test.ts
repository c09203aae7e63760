/**
 * `mlf run --target`: every TVM 0.18 fixture module runs on emulated Cortex-M4, Cortex-M55 and
 * RV32 boards (QEMU) with TVM's reference outputs, and one fixture on each other board; the
 * instruction counter is exact (self-check) and repeatable; the measured stack and arena agree
 * with independent measures (a deliberately deeper call; the linker's symbol sizes).
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../../src/core/params/npy.js';
import { TVM } from '../../helpers/archive.js';
import { expectOutputsClose, FULL_BOARDS, type TargetRunJson } from '../../helpers/mcu.js';
import { cli, exec, npyValues, tempDir } from '../../helpers/runner.js';

const cache = tempDir('mlf-mcu-cache-');
const tmp = tempDir('mlf-mcu-');
const mlf = cli(cache);
afterAll(() => {
  for (const d of [cache, tmp]) rmSync(d, { recursive: true, force: true });
});

/** Fixture, its modules with their input names; all modules run from one firmware. */
const FIXTURES: readonly (readonly [string, readonly (readonly [string, readonly string[]])[]])[] = [
  ['graph-cnn', [['default', ['input']]]],
  ['aot-mlp', [['default', ['x']]]],
  ['mnist-graph', [['mnist', ['Input3']]]],
  ['mnist-aot-usmp', [['mnist', ['Input3']]]],
  [
    'multi-graph',
    [
      ['mod1', ['input']],
      ['mod2', ['x']],
    ],
  ],
];

/** Runs a fixture on a board with TVM's reference inputs; returns the JSON report and output folder. */
function runReference(board: string, fixture: string, extra: string[] = []): { j: TargetRunJson; out: string } {
  const modules = FIXTURES.find(([f]) => f === fixture)?.[1] ?? [];
  const several = modules.length > 1;
  const inputs = modules.flatMap(([m, names]) =>
    names.flatMap((n) => ['--input', `${several ? `${m}:` : ''}${n}=${TVM}/${fixture}/${m}.input.${n}.npy`]),
  );
  const out = join(tmp, `${board}-${fixture}-${extra.length}`);
  const r = mlf(
    'run',
    `${TVM}/${fixture}/model.tar`,
    '--target',
    board,
    ...inputs,
    '-o',
    out,
    '--force',
    '--json',
    ...extra,
  );
  expect(r.code, r.err).toBe(0);
  const j = JSON.parse(r.out) as TargetRunJson;
  expect(j.target).toBe(board);
  expect(j.modules.map((m) => m.module)).toEqual(modules.map(([m]) => m));
  expect(j.firmware.counterError, 'the counter self-check: measured minus known instructions').toBe(0);
  for (const m of j.modules) {
    expect(m.instructions).toBeGreaterThan(0);
    expect(m.stackPeak).toBeGreaterThan(0);
    expect(m.stackPeak).toBeLessThanOrEqual(j.firmware.stackPeak);
    expect(m.arena.touched).toBeLessThanOrEqual(m.arena.peak);
    expect(m.arena.peak).toBeLessThanOrEqual(m.arena.bytes);
  }
  for (const [m] of modules) {
    const produced = readdirSync(several ? join(out, m) : out);
    expect(produced).toEqual(['output0.npy']);
    expectOutputsClose(join(out, several ? `${m}/output0.npy` : 'output0.npy'), `${TVM}/${fixture}/${m}.output.0.npy`);
  }
  return { j, out };
}

/** operator-add-i8 has no reference run: c = a + b[0] with int8 wrap-around, computed here. */
function runOperator(board: string): void {
  let seed = 4242;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 8) % 256;
  const a = Int8Array.from({ length: 64 }, () => next() - 128);
  const b = Int8Array.from([next() - 128]);
  const file = (name: string, v: Int8Array) => {
    const p = join(tmp, `${board}-${name}.npy`);
    writeFileSync(p, encodeNpy({ descr: '|i1', shape: [v.length], data: new Uint8Array(v.buffer) }));
    return p;
  };
  const out = join(tmp, `${board}-operator`);
  const r = mlf(
    'run',
    `${TVM}/operator-add-i8/model.tar`,
    '--target',
    board,
    '--input',
    `a=${file('a', a)}`,
    '--input',
    `b=${file('b', b)}`,
    '-o',
    out,
  );
  expect(r.code, r.err).toBe(0);
  const expected = Int8Array.from(a, (x) => x + (b[0] as number)); // Int8Array wraps like C's (int8_t) cast
  expect(npyValues(join(out, 'output0.npy'))).toEqual({ descr: '|i1', shape: [64], values: Array.from(expected) });
}

describe.each(FULL_BOARDS)('every TVM 0.18 fixture module on %s equals TVM', (board) => {
  for (const [fixture] of FIXTURES) it(fixture, () => void runReference(board, fixture));
  it('operator-add-i8', () => runOperator(board));
});

describe('one fixture on each other board', () => {
  it.each([
    ['cortex-m3', 'aot-mlp'],
    ['cortex-m7', 'mnist-aot-usmp'],
    ['cortex-m33', 'graph-cnn'],
  ])('%s: %s', (board, fixture) => void runReference(board, fixture));
});

describe('measurements', () => {
  it('instruction counts are identical across two runs of the same build (and the outputs too)', () => {
    const a = runReference('cortex-m4', 'mnist-graph');
    const b = runReference('cortex-m4', 'mnist-graph');
    expect(b.j.build.cached).toBe(true);
    expect(b.j.modules[0]?.instructions).toBe(a.j.modules[0]?.instructions);
    expect(b.j.modules[0]?.stackPeak).toBe(a.j.modules[0]?.stackPeak);
    const c = runReference('riscv32', 'multi-graph');
    const d = runReference('riscv32', 'multi-graph');
    expect(d.j.modules.map((m) => m.instructions)).toEqual(c.j.modules.map((m) => m.instructions));
  });

  it('peak stack: a deliberately deeper call (4096 written bytes) raises the measured peak by 4096 plus a frame', () => {
    for (const board of ['cortex-m4', 'riscv32']) {
      const base = runReference(board, 'graph-cnn').j.modules[0]?.stackPeak ?? 0;
      const probe = runReference(board, 'graph-cnn', ['--cflags', '-O2 -ffp-contract=off -DMLF_STACK_PROBE=4096']);
      const deeper = probe.j.modules[0]?.stackPeak ?? 0;
      expect(deeper - base, board).toBeGreaterThanOrEqual(4096);
      expect(deeper - base, board).toBeLessThanOrEqual(4096 + 64);
    }
  });

  it('arena: its size is the linked symbol (nm), the painted high-water mark equals the allocator peak', () => {
    const { j } = runReference('cortex-m4', 'aot-mlp');
    const m = j.modules[0];
    const nm = exec('arm-none-eabi-nm', ['-S', j.firmware.elf]);
    expect(nm.code, nm.err).toBe(0);
    const line = nm.out.split('\n').find((l) => / workspace_arena$/.test(l)) ?? '';
    expect(Number.parseInt(line.split(' ')[1] ?? '', 16)).toBe(m?.arena.bytes);
    // aot-mlp writes every byte it allocates, so painting (what was written) and bookkeeping agree.
    expect(m?.arena.touched).toBe(m?.arena.peak);
    expect(m?.arena.peak).toBeGreaterThan(0);
  });
});
