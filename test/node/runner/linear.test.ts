/**
 * Every scan of project generation and validation is linear on hostile input (issues 13 and 20):
 * doubling the input at most ~2.5x the time. Each measurement is the fastest of several runs,
 * and a case is measured again (up to 3 times) before it fails, so a loaded machine does not
 * make a linear scan look quadratic; a quadratic one gives ~4x every time.
 */
import { describe, expect, it } from 'vitest';
import { scanCDefines, scanCFunctions, scanCStructFields } from '../../../src/core/archive/c-scan.js';
import { definedElfSymbols } from '../../../src/core/archive/elf-symbols.js';
import { definedSymbols } from '../../../src/core/archive/packages.js';
import { validateArchive } from '../../../src/core/archive/validate.js';
import { parseRelayMain } from '../../../src/core/graph/relay.js';
import { findCFunction, paramDtype, readAotEntry } from '../../../src/node/runner/project/c-source.js';
import { generateProject } from '../../../src/node/runner/project/generate.js';
import { allocationSizes } from '../../../src/node/runner/project/plan-common.js';
import { archiveOf, graphArchive, nopChain } from '../../helpers/synth.js';
import { text } from '../../helpers/archive.js';

const RUNS = 5;

async function fastest(f: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/**
 * Growth per doubling of the input: sqrt(time(4n)/time(n)), the smallest over up to five
 * measurements. Two doublings at once keep a loaded machine's noise small against the signal
 * (linear: 2 per doubling, quadratic: 4).
 */
async function growth<T>(make: (n: number) => T, f: (input: T) => unknown, n: number): Promise<number> {
  const [small, large] = [make(n), make(4 * n)];
  let best = Infinity;
  for (let attempt = 0; attempt < 5 && best > 2.5; attempt++) {
    await f(small); // warm-up (JIT)
    const a = await fastest(() => f(small));
    const b = await fastest(() => f(large));
    best = Math.min(best, Math.sqrt(b / Math.max(a, 0.05)));
  }
  return best;
}

/** An ELF64 object with `n` global symbols whose names all run into one long NUL-free string table. */
function elfWithLongNames(n: number): Uint8Array {
  const symSize = 24;
  const strtab = 4 * n;
  const symOff = 64;
  const strOff = symOff + n * symSize;
  const shOff = strOff + strtab;
  const bytes = new Uint8Array(shOff + 3 * 64);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  v.setBigUint64(0x28, BigInt(shOff), true);
  v.setUint16(0x3a, 64, true);
  v.setUint16(0x3c, 3, true);
  for (let i = 0; i < n; i++) {
    const o = symOff + i * symSize;
    v.setUint32(o, 4 * i, true); // each name starts 4 bytes further into the same run of 'a'
    bytes[o + 4] = 0x12; // GLOBAL FUNC
    v.setUint16(o + 6, 1, true); // defined in section 1
  }
  bytes.fill(0x61, strOff, strOff + strtab);
  const sh = (i: number, type: number, off: number, size: number, link: number, entsize: number) => {
    const o = shOff + i * 64;
    v.setUint32(o + 4, type, true);
    v.setBigUint64(o + 24, BigInt(off), true);
    v.setBigUint64(o + 32, BigInt(size), true);
    v.setUint32(o + 40, link, true);
    v.setBigUint64(o + 56, BigInt(entsize), true);
  };
  sh(1, 2, symOff, n * symSize, 2, symSize); // SYMTAB, strings in section 2
  sh(2, 3, strOff, strtab, 0, 0); // STRTAB
  return bytes;
}

const CASES: [string, (n: number) => unknown, (x: never) => unknown, number][] = [
  // plan-common.ts ALLOC_CALL: 42 s for 1.2 MB in `mlf project`
  [
    'TVMBackendAllocWorkspace( repeated without commas',
    (n) => 'TVMBackendAllocWorkspace('.repeat(n),
    allocationSizes as never,
    40_000,
  ],
  [
    'TVMBackendAllocWorkspace(a, b, (uint64_t) calls',
    (n) => 'TVMBackendAllocWorkspace(1, d, (uint64_t)64, 2, 32);\n'.repeat(n),
    allocationSizes as never,
    10_000,
  ],
  // packages.ts definedSymbols: 35 s for 700 KB of `int f(` lines in `mlf convert`
  [
    'definedSymbols on `int f(` lines',
    (n) => ({ name: 'm', codegen: [{ path: 'codegen/host/src/m_lib0.c', data: text('int f(\n'.repeat(n)) }] }),
    definedSymbols as never,
    100_000,
  ],
  ['function definitions with unclosed bodies', (n) => 'void f(void) {'.repeat(n), scanCFunctions as never, 50_000],
  ['unclosed parameter lists', (n) => 'f('.repeat(n), scanCFunctions as never, 400_000],
  ['unclosed comments and strings', (n) => '/* " \' '.repeat(n), scanCFunctions as never, 100_000],
  ['extern "C" { blocks', (n) => 'extern "C" {'.repeat(n), scanCFunctions as never, 100_000],
  // c-source.ts findCFunction/matchBrace: a brace scan per regex match
  [
    'findCFunction over many unclosed definitions',
    (n) => ['int g(void) {'.repeat(n)],
    (s: string[]) => findCFunction(s, 'nope'),
    50_000,
  ],
  [
    'a parameter list of one long type',
    (n) => [`int g(${'int '.repeat(n)}x) { }`],
    (s: string[]) => findCFunction(s, 'g'),
    100_000,
  ],
  [
    'paramDtype through many calls into a large body',
    (n) => [`void h(void* q) { ${'x = 1; ((void*)y); '.repeat(n)} }`, `void g(void* p) { ${'h(p); '.repeat(n)} }`],
    (s: string[]) => paramDtype(s, 'g', 0),
    10_000,
  ],
  [
    'paramDtype on casts followed by spaces',
    (n) => [`void g(void* p) { ((a${' '.repeat(n)} }`],
    (s: string[]) => paramDtype(s, 'g', 0),
    200_000,
  ],
  [
    'readAotEntry on a body of calls',
    (n) => [`int32_t tvmgen_default_run(void* a) { ${'f(a, '.repeat(n)} }`],
    (s: string[]) => readAotEntry(s, 'tvmgen_default_run'),
    50_000,
  ],
  ['#define lines', (n) => '#define TVMGEN_DEFAULT_X_SIZE 4\n'.repeat(n), scanCDefines as never, 50_000],
  [
    'unclosed struct bodies',
    (n) => 'struct tvmgen_default_inputs { void* x;'.repeat(n),
    (t: string) => scanCStructFields(t, 'tvmgen_default_inputs'),
    50_000,
  ],
  ['ELF symbols whose names run into each other', elfWithLongNames, definedElfSymbols as never, 20_000],
  [
    'Relay @main with unclosed tensor types',
    (n) => `def @main(${'%a: Tensor[(1, '.repeat(n)}`,
    parseRelayMain as never,
    200_000,
  ],
];

describe('scans of project generation and validation grow linearly', () => {
  it.each(CASES)('%s', async (_name, make, f, n) => {
    expect(await growth(make, f as (x: unknown) => unknown, n)).toBeLessThanOrEqual(2.5);
  });

  it('validate and project on a graph of many nodes with a large C source', async () => {
    const make = (n: number) => graphArchive(nopChain(n), `int unused(void) { return 0; }\n${'int f(\n'.repeat(n)}`);
    const archives = new Map<number, Awaited<ReturnType<typeof archiveOf>>>();
    const open = async (bytes: Uint8Array) => archiveOf(bytes);
    for (const n of [4000, 8000]) archives.set(n, await open(make(n)));
    const validate = async (bytes: Uint8Array) => validateArchive(await archiveOf(bytes));
    const project = async (bytes: Uint8Array) => generateProject(await archiveOf(bytes));
    expect((await validateArchive(archives.get(4000) as never)).valid).toBe(true);
    expect(await growth(make, validate, 4000)).toBeLessThanOrEqual(2.5);
    expect(await growth(make, project, 4000)).toBeLessThanOrEqual(2.5);
  });
});
