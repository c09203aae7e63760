/**
 * The generated program under AddressSanitizer and UndefinedBehaviorSanitizer (issue 20): every
 * fixture that builds runs clean (TVM 0.18 fixtures on TVM's own inputs, compared with TVM's
 * outputs), every lying archive is refused before anything is built, and the C params loader
 * survives hostile .params files that the TypeScript reader would refuse (the binary's `-p` path
 * trusts the C loader alone). Each project is built once, with -fno-sanitize-recover=all so that
 * any report fails the run, and reused.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeParams, type ParamTensor } from '../../../src/core/params/codec.js';
import { decodeNpy } from '../../../src/core/params/npy.js';
import { TVM, tarFiles } from '../../helpers/archive.js';
import { copyAndNopOnly, copyOp, LYING } from '../../helpers/lying.js';
import { COMPLETE_WILD, tempDir, WILD } from '../../helpers/runner.js';
import { graphArchive, graphOf, input, op } from '../../helpers/synth.js';

const tmp = tempDir('mlf-san-');
const cache = tempDir('mlf-san-cache-');
afterAll(() => {
  for (const d of [tmp, cache]) rmSync(d, { recursive: true, force: true });
});

// shift-base is off: TVM's fixed-point requantisation (guberti-arduino-ic-v2) shifts negative
// values left, which C leaves undefined and GCC defines; that is the archive's code, not ours.
const SAN =
  '-O1 -g -fsanitize=address,undefined -fno-sanitize=shift-base -fno-omit-frame-pointer -fno-sanitize-recover=all';
const ENV = {
  ...process.env,
  NO_COLOR: '1',
  MLF_CACHE_DIR: cache,
  ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};
const REPORT = /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/;

/** `mlf run` with the sanitizer flags and no memory limit (ASan reserves terabytes of address space). */
function sanitizedRun(archive: string, ...args: string[]) {
  const out = join(tmp, `out-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync(
    process.execPath,
    ['bin/mlf.js', 'run', archive, ...args, '--cflags', SAN, '--memory-limit', '0', '--output-dir', out, '--json'],
    { encoding: 'utf8', env: ENV },
  );
  return { code: r.status, out: r.stdout, err: jsonError(r.stdout) + r.stderr, dir: out };
}

/** Under --json an error is `{ error: { code, message } }` on stdout: as the text form, for matching. */
function jsonError(stdout: string): string {
  try {
    const e = (JSON.parse(stdout) as { error?: { code: string; message: string } }).error;
    return e === undefined ? '' : `error ${e.code}: ${e.message}\n`;
  } catch {
    return '';
  }
}

const write = (name: string, bytes: Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

const REFERENCE = [
  ['graph-cnn', 'default', ['input']],
  ['aot-mlp', 'default', ['x']],
  ['mnist-graph', 'mnist', ['Input3']],
  ['multi-graph', 'mod1', ['input']],
  ['multi-graph', 'mod2', ['x']],
] as const;

const builds = new Map<string, string>();

describe('every fixture runs clean under ASan and UBSan', () => {
  for (const [fixture, module, inputs] of REFERENCE) {
    it(`${fixture} ${module}: TVM's outputs, no report`, () => {
      const args = inputs.flatMap((n) => ['--input', `${n}=${TVM}/${fixture}/${module}.input.${n}.npy`]);
      const r = sanitizedRun(`${TVM}/${fixture}/model.tar`, '--module', module, ...args, '--repeat', '2');
      expect(r.err).not.toMatch(REPORT);
      expect(r.code, r.err).toBe(0);
      builds.set(`${fixture}/${module}`, JSON.parse(r.out).build.dir);
      const got = decodeNpy(new Uint8Array(readFileSync(join(r.dir, 'output0.npy'))));
      const want = decodeNpy(new Uint8Array(readFileSync(`${TVM}/${fixture}/${module}.output.0.npy`)));
      const [a, b] = [
        new Float32Array(new Uint8Array(got.data).buffer),
        new Float32Array(new Uint8Array(want.data).buffer),
      ];
      expect(a.length).toBe(b.length);
      a.forEach((v, i) => expect(Math.abs(v - (b[i] as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
    });
  }

  it('operator-add-i8: no report', () => {
    const r = sanitizedRun(`${TVM}/operator-add-i8/model.tar`, '--random-inputs', '3');
    expect(r.err).not.toMatch(REPORT);
    expect(r.code, r.err).toBe(0);
  });

  for (const [path] of COMPLETE_WILD) {
    it(`wild: ${path}: no report`, () => {
      const r = sanitizedRun(`${WILD}/${path}`, '--random-inputs', '5');
      expect(r.err).not.toMatch(REPORT);
      expect(r.code, r.err).toBe(0);
    });
  }

  it('a graph of __copy and __nop only, and a graph whose copy feeds an operator: no report', () => {
    for (const archive of [write('copy-nop.tar', copyAndNopOnly()), write('copy-op.tar', copyGraph(16))]) {
      const r = sanitizedRun(archive, '--random-inputs', '1');
      expect(r.err).not.toMatch(REPORT);
      expect(r.code, r.err).toBe(0);
    }
  });
});

/** x float32[4] --__copy--> y --my_op (copies `bytes`)--> z float32[4]. */
function copyGraph(bytes: number): Uint8Array {
  return graphArchive(
    graphOf({
      nodes: [input('x'), op('copy', '__copy', [0]), op('z', 'my_op', [1])],
      entries: [
        [[4], 'float32', 0],
        [[4], 'float32', 1],
        [[4], 'float32', 2],
      ],
      heads: [[2, 0, 0]],
    }),
    copyOp(bytes),
  );
}

describe('the sanitizers are on', () => {
  it("an operator that writes past its output (the archive's own code lies) is caught: E506 with ASan's report", () => {
    const r = sanitizedRun(write('overflow.tar', copyGraph(16 + 64)), '--random-inputs', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MLF-E506[\s\S]*AddressSanitizer/);
  });
});

describe('lying archives are refused before a build, so nothing can overflow', () => {
  it.each(LYING)('$name: $code', ({ name, make, code }) => {
    const r = sanitizedRun(write(`lying-${name.replace(/\W+/g, '-')}.tar`, make()), '--random-inputs', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^error ${code}`));
    expect(r.err).not.toMatch(REPORT);
  });
});

// ---- the C params loader, on graph-cnn's sanitized build ----

const LIST_MAGIC = 0xf7e58d4f05049cb7n;
const ARRAY_MAGIC = 0xdd5e40f096b4a13fn;

interface RawTensor {
  name: string;
  code: number;
  bits: number;
  lanes: number;
  shape: (number | bigint)[];
  data: Uint8Array;
  /** Overrides the data size field. */
  size?: bigint;
}

/** TVM's param dict format (docs/format.md §6), written as given: duplicates and lies included. */
function rawParams(tensors: RawTensor[], options: { count?: bigint; nameLength?: bigint } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const u64 = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    parts.push(b);
  };
  const u32 = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    parts.push(b);
  };
  u64(LIST_MAGIC);
  u64(0n);
  u64(options.count ?? BigInt(tensors.length));
  for (const t of tensors) {
    const name = new TextEncoder().encode(t.name);
    u64(options.nameLength ?? BigInt(name.length));
    parts.push(name);
  }
  u64(BigInt(tensors.length));
  for (const t of tensors) {
    u64(ARRAY_MAGIC);
    u64(0n);
    u32(1);
    u32(0);
    u32(t.shape.length);
    u32(t.code | (t.bits << 8) | (t.lanes << 16));
    for (const d of t.shape) u64(BigInt(d));
    u64(t.size ?? BigInt(t.data.byteLength));
    parts.push(t.data);
  }
  return Buffer.concat(parts);
}

describe('the C params loader marks each slot once', () => {
  let binary = '';
  let dir = '';
  let original: RawTensor[] = [];
  const inputBin = join(tmp, 'graph-cnn-input.bin');
  beforeAll(() => {
    const r = sanitizedRun(`${TVM}/graph-cnn/model.tar`, '--random-inputs', '1');
    expect(r.code, r.err).toBe(0);
    dir = JSON.parse(r.out).build.dir;
    binary = join(dir, 'build', 'mlf_model');
    writeFileSync(inputBin, decodeNpy(new Uint8Array(readFileSync(`${TVM}/graph-cnn/default.input.input.npy`))).data);
    const dict = decodeParams(tarFiles(`${TVM}/graph-cnn/model.tar`).get('parameters/default.params') as Uint8Array);
    original = dict.tensors.map((t: ParamTensor) => ({
      name: t.name,
      code: t.dtype.code,
      bits: t.dtype.bits,
      lanes: t.dtype.lanes,
      shape: t.shape,
      data: t.data,
    }));
  });

  /** Runs the sanitized program on a params blob; exit status and stderr. */
  function load(blob: Uint8Array) {
    const p = join(tmp, `p-${Math.random().toString(36).slice(2)}.params`);
    writeFileSync(p, blob);
    const out = join(tmp, `o-${Math.random().toString(36).slice(2)}`);
    mkdirSync(out);
    const r = spawnSync(binary, ['-p', p, '-i', inputBin, '-o', out], { encoding: 'utf8', env: ENV, cwd: dir });
    expect(r.stderr).not.toMatch(REPORT);
    return { code: r.status, err: r.stderr, out };
  }
  const by = (name: string) => original.find((t) => t.name === name) as RawTensor;

  it('the exported params load and give TVM’s output', () => {
    const r = load(rawParams(original));
    expect(r.code, r.err).toBe(0);
    const want = decodeNpy(new Uint8Array(readFileSync(`${TVM}/graph-cnn/default.output.0.npy`))).data;
    expect(Buffer.from(readFileSync(join(r.out, 'output0.bin'))).equals(Buffer.from(want))).toBe(true);
  });

  it('p3 twice and p1 missing (main loaded it "successfully", p1 left zero) fails', () => {
    const blob = rawParams(original.map((t) => (t.name === 'p1' ? { ...by('p3') } : t)));
    expect(load(blob)).toMatchObject({ code: 1, err: expect.stringMatching(/the blob holds p3 twice/) });
  });

  it.each<[string, (t: RawTensor[]) => RawTensor[], RegExp]>([
    ['a slot the blob lacks', (ts) => ts.filter((t) => t.name !== 'p1'), /the blob has no tensor named p1/],
    ['another dtype', (ts) => ts.map((t) => (t.name === 'p0' ? { ...t, code: 0 } : t)), /p0 has a different dtype/],
    [
      'the same bytes in another shape',
      (ts) => ts.map((t) => (t.name === 'p0' ? { ...t, shape: [...t.shape].reverse() } : t)),
      /p0 has a different shape/,
    ],
    [
      'fewer bytes than its shape',
      (ts) => ts.map((t) => (t.name === 'p2' ? { ...t, data: t.data.subarray(4) } : t)),
      /p2 has a different byte size/,
    ],
    [
      'a size field of 2^63',
      (ts) => ts.map((t) => (t.name === 'p2' ? { ...t, size: 2n ** 63n } : t)),
      /ends inside a record/,
    ],
    [
      'a dimension of 2^64-1',
      (ts) => ts.map((t) => (t.name === 'p1' ? { ...t, shape: [2n ** 64n - 1n] } : t)),
      /different shape/,
    ],
  ])('%s fails with a message', (_name, edit, message) => {
    expect(load(rawParams(edit(original)))).toMatchObject({ code: 1, err: expect.stringMatching(message) });
  });

  it('a tensor no slot wants is ignored, as TVM does', () => {
    const extra = { ...by('p0'), name: 'unused' };
    expect(load(rawParams([...original, extra])).code).toBe(0);
  });

  it('a name length or a count of 2^40 fails fast', () => {
    expect(load(rawParams(original, { nameLength: 2n ** 40n }))).toMatchObject({
      code: 1,
      err: expect.stringMatching(/ends inside/),
    });
    expect(load(rawParams(original, { count: 2n ** 40n }))).toMatchObject({
      code: 1,
      err: expect.stringMatching(/ends inside/),
    });
  });

  it('every truncation and every single-byte flip of the header records fails cleanly or loads', () => {
    const blob = rawParams(original);
    // Record headers and names live in the first bytes of each record; flips there hit every field.
    const cuts = Array.from({ length: 48 }, (_, i) => Math.floor((i * blob.length) / 48));
    for (const n of cuts) expect(load(blob.subarray(0, n)).code).toBe(1);
    for (let at = 0; at < 120; at += 3) {
      const flipped = new Uint8Array(blob);
      flipped[at] = (flipped[at] as number) ^ 0xff;
      expect([0, 1]).toContain(load(flipped).code);
    }
  });
});
