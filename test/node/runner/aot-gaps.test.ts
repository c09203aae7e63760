/**
 * Gaps found by running public archives, each on a synthetic fixture made from a real one:
 * C-sanitised input names, an early v5 `tvmgen_<m>_run_model` entry point, more than 64 inputs,
 * a graph module whose params file is missing, and prebuilt objects for another machine.
 * Expected outputs are TVM's reference outputs or sums computed here.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../../src/core/params/npy.js';
import { json, packFiles, text, TVM, tarFiles } from '../../helpers/archive.js';
import { cli, exec, npyValues, tempDir, WILD } from '../../helpers/runner.js';

const cache = tempDir('mlf-gaps-cache-');
const tmp = tempDir('mlf-gaps-');
const mlf = cli(cache);
afterAll(() => {
  for (const d of [cache, tmp]) rmSync(d, { recursive: true, force: true });
});

const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const write = (name: string, files: Map<string, Uint8Array>) => {
  const p = join(tmp, name);
  writeFileSync(p, packFiles(files));
  return p;
};

/** aot-mlp with its input `x` renamed to a TFLite-style name TVM sanitises in C. */
function sanitisedArchive(): string {
  const files = tarFiles(`${TVM}/aot-mlp/model.tar`);
  const edit = (path: string, f: (s: string) => string) => files.set(path, text(f(decode(files.get(path)))));
  const md = json(files.get('metadata.json'));
  const main = md.modules.default.memory.functions.main[0];
  main.inputs = { 'serving_default_input_1:0': main.inputs.x };
  files.set('metadata.json', text(JSON.stringify(md)));
  edit('src/default.relay', (s) => s.replaceAll('%x', '%serving_default_input_1:0'));
  edit('codegen/host/include/tvmgen_default.h', (s) =>
    s
      .replace('TVMGEN_DEFAULT_X_SIZE', 'TVMGEN_DEFAULT_SERVING_DEFAULT_INPUT_1_0_SIZE')
      .replace('void* x;', 'void* serving_default_input_1_0;'),
  );
  edit('codegen/host/src/default_lib0.c', (s) => s.replace('inputs->x', 'inputs->serving_default_input_1_0'));
  return write('sanitised.tar', files);
}

describe('input names TVM sanitised in C', () => {
  const archive = sanitisedArchive();

  it('inspect keys the input by its model name, with dtype, shape, size and the C name', () => {
    const r = mlf('inspect', archive, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).modules.default.inputs).toEqual({
      'serving_default_input_1:0': { dtype: 'float32', shape: [1, 64], bytes: 256, cName: 'serving_default_input_1_0' },
    });
  });

  it('run takes either name and reproduces TVM outputs', () => {
    for (const [i, name] of ['serving_default_input_1:0', 'serving_default_input_1_0'].entries()) {
      const out = join(tmp, `sanitised-${i}`);
      const r = mlf('run', archive, '--input', `${name}=${TVM}/aot-mlp/default.input.x.npy`, '--output-dir', out);
      expect(r.code, r.err).toBe(0);
      expect(npyValues(join(out, 'output0.npy'))).toEqual(npyValues(`${TVM}/aot-mlp/default.output.0.npy`));
    }
    const both = mlf(
      'run',
      archive,
      '--input',
      `serving_default_input_1:0=${TVM}/aot-mlp/default.input.x.npy`,
      '--input',
      `serving_default_input_1_0=${TVM}/aot-mlp/default.input.x.npy`,
      '--output-dir',
      join(tmp, 'both'),
    );
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/MLF-E501.*given twice/);
  });
});

describe('early v5 AOT: only tvmgen_default_run_model(void* input, void* output)', () => {
  it('runs through run_model and gives the outputs of the complete archive', () => {
    const full = `${WILD}/guberti-arduino-kws-v5-aot-packed/model.tar`;
    const files = tarFiles(full);
    files.delete('codegen/host/src/default_lib0.c'); // the packed tvmgen_default_run wrapper
    const bare = write('run-model-only.tar', files);
    const run = (archive: string, out: string) => {
      const r = mlf('run', archive, '--random-inputs', '5', '--output-dir', join(tmp, out), '--json');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out);
    };
    const a = run(bare, 'rm-bare');
    expect(a.kind).toBe('aot-raw');
    expect(a.outputs[0]).toMatchObject({ name: 'output', dtype: 'int8', shape: [1, 4] });
    run(full, 'rm-full');
    expect(npyValues(join(tmp, 'rm-bare', 'output0.npy'))).toEqual(npyValues(join(tmp, 'rm-full', 'output0.npy')));
  });
});

/** An AOT module with `n` float32[1] inputs whose output is their sum, generated as TVM would lay it out. */
function manyInputs(n: number): string {
  const names = Array.from({ length: n }, (_, i) => `in${i}`);
  const header = `#ifndef TVMGEN_DEFAULT_H_
#define TVMGEN_DEFAULT_H_
#include <stdint.h>
struct tvmgen_default_inputs {
${names.map((x) => `  void* ${x};`).join('\n')}
};
struct tvmgen_default_outputs {
  void* output;
};
int32_t tvmgen_default_run(struct tvmgen_default_inputs* inputs, struct tvmgen_default_outputs* outputs);
#define TVMGEN_DEFAULT_WORKSPACE_SIZE 0
#endif
`;
  const lib0 = `#include "tvm/runtime/c_runtime_api.h"
#include <tvmgen_default.h>
TVM_DLL int32_t tvmgen_default___tvm_main__(${names.map((x) => `void* ${x}`).join(',')},void* output0);
int32_t tvmgen_default_run(struct tvmgen_default_inputs* inputs,struct tvmgen_default_outputs* outputs) {return tvmgen_default___tvm_main__(${names.map((x) => `inputs->${x}`).join(',')},outputs->output);
}
`;
  const lib1 = `#include "tvm/runtime/c_runtime_api.h"
TVM_DLL int32_t tvmgen_default_fused_sum(float** p, float* T_sum) {
  float s = 0.0f;
  for (int32_t i = 0; i < ${n}; ++i) s = s + p[i][0];
  T_sum[0] = s;
  return 0;
}
TVM_DLL int32_t tvmgen_default___tvm_main__(${names.map((x) => `float* ${x}_buffer_var`).join(', ')}, float* output_buffer_var) {
  float* all[${n}] = {${names.map((x) => `${x}_buffer_var`).join(', ')}};
  if (tvmgen_default_fused_sum(all, output_buffer_var) != 0 ) return -1;
  return 0;
}
`;
  const relay = `def @main(${names.map((x) => `%${x}: Tensor[(1), float32]`).join(', ')}) {\n${names
    .slice(1)
    .map((x, i) => `  %${i} = add(${i === 0 ? '%in0' : `%${i - 1}`}, %${x});`)
    .join('\n')}\n  %${n - 2}\n}\n`;
  const entry = {
    executors: ['aot'],
    export_datetime: '2024-01-01 00:00:00Z',
    external_dependencies: [],
    memory: {
      functions: {
        main: [
          {
            constants_size_bytes: 0,
            device: 1,
            inputs: Object.fromEntries(names.map((x) => [x, { dtype: 'float32', size: 4 }])),
            io_size_bytes: 4 * (n + 1),
            outputs: { output: { dtype: 'float32', size: 4 } },
            workspace_size_bytes: 0,
          },
        ],
        operator_functions: [],
      },
    },
    model_name: 'default',
    style: 'full-model',
    target: ['c -keys=cpu -model=host'],
  };
  const files = new Map<string, Uint8Array>([
    ['metadata.json', text(JSON.stringify({ modules: { default: entry }, version: 7 }))],
    ['codegen/host/include/tvmgen_default.h', text(header)],
    ['codegen/host/src/default_lib0.c', text(lib0)],
    ['codegen/host/src/default_lib1.c', text(lib1)],
    ['src/default.relay', text(relay)],
    ['parameters/default.params', tarFiles(`${TVM}/aot-mlp/model.tar`).get('parameters/default.params') as Uint8Array],
  ]);
  return write(`inputs-${n}.tar`, files);
}

describe('more than 64 inputs', () => {
  it('70 inputs, each given as a .npy file: the output is their sum', () => {
    const n = 70;
    const args: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = join(tmp, `in${i}.npy`);
      writeFileSync(f, encodeNpy({ descr: '<f4', shape: [1], data: new Uint8Array(new Float32Array([i + 1]).buffer) }));
      args.push('--input', `in${i}=${f}`);
    }
    const out = join(tmp, 'many');
    const r = mlf('run', manyInputs(n), ...args, '--output-dir', out, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).outputs[0].shape).toEqual([1]);
    expect(npyValues(join(out, 'output0.npy')).values).toEqual([(n * (n + 1)) / 2]);
  });
});

describe('a graph module whose params file is missing', () => {
  const files = tarFiles(`${TVM}/graph-cnn/model.tar`);
  files.delete('parameters/default.params');
  const archive = write('no-params.tar', files);

  it('is refused (E401) rather than run with its weights as inputs', () => {
    const r = mlf('run', archive, '--random-inputs', '1', '--output-dir', join(tmp, 'np'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error MLF-E401 .*parameters\/default\.params \(params of module "default"\) is missing/);
    expect(r.err).toMatch(/--allow-missing-params/);
  });

  it('runs with --allow-missing-params, every graph input (weights too) fed', () => {
    const r = mlf(
      'run',
      archive,
      '--random-inputs',
      '1',
      '--allow-missing-params',
      '--output-dir',
      join(tmp, 'np2'),
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.notes).toContain('the params file is missing: every graph input, weights included, is an input');
  });
});

describe('prebuilt objects for another machine', () => {
  it('run names the object and both machines (E416) instead of failing in the linker', () => {
    const src = join(tmp, 'f.c');
    const obj = join(tmp, 'f.o');
    writeFileSync(src, 'int mlf_test_extra(void) { return 1; }\n');
    const c = exec('clang', ['--target=aarch64-linux-gnu', '-c', src, '-o', obj]);
    expect(c.code, c.err).toBe(0);
    const host = exec('cc', ['-dumpmachine']).out.trim();
    expect(host).toMatch(/^x86_64/); // the test's premise: this machine is not AArch64
    const files = tarFiles(`${TVM}/aot-mlp/model.tar`);
    files.set('codegen/host/lib/default_lib0.o', new Uint8Array(readFileSync(obj)));
    const r = mlf('run', write('arm-object.tar', files), '--random-inputs', '1', '--output-dir', join(tmp, 'arm'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error MLF-E416 codegen\/host\/lib\/default_lib0\.o: .*arm-object\.tar: codegen\/host\/lib\/default_lib0\.o is AArch64 code \(ELF\), but cc builds for x86-64/,
    );
  });
});
