/**
 * Firmware for emulated boards: one firmware holds every module of an archive (and its outputs
 * equal per-module runs), clashing symbols are refused with their names, the footprint of the
 * linked ELF agrees with the toolchain's `size`, generated projects build with make and CMake,
 * the wild archives that run on the host run on a Cortex-M4, and user errors carry their codes.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withMlfPath } from '../../../src/node/read/open.js';
import { generateProject } from '../../../src/node/runner/project/generate.js';
import { packFiles, TVM, tarFiles, text } from '../../helpers/archive.js';
import { expectOutputsClose, expectSameFile, type TargetRunJson } from '../../helpers/mcu.js';
import { cli, COMPLETE_WILD, exec, leftovers, tempDir, treeFiles, WILD } from '../../helpers/runner.js';

const cache = tempDir('mlf-fw-cache-');
const tmp = tempDir('mlf-fw-');
const mlf = cli(cache);
afterAll(() => {
  for (const d of [cache, tmp]) rmSync(d, { recursive: true, force: true });
});
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

function run(archive: string, board: string, name: string, ...args: string[]): TargetRunJson {
  const out = join(tmp, name);
  const r = mlf('run', archive, '--target', board, '-o', out, '--force', '--json', ...args);
  expect(r.code, r.err).toBe(0);
  const j = JSON.parse(r.out) as TargetRunJson;
  // The linker map's parts (modules, runtime, library, padding) add up to the ELF's sections.
  for (const k of ['text', 'rodata', 'data', 'bss'] as const)
    expect(
      j.firmware.parts.reduce((a, p) => a + p.sizes[k], 0),
      k,
    ).toBe(j.firmware.total[k]);
  expect(j.firmware.sizeTool?.agrees).toBe(true);
  return j;
}

/** A board profile file: a shipped one with some fields changed. */
function boardFile(name: string, from: string, change: (b: Record<string, unknown>) => void): string {
  const b = JSON.parse(readFileSync(`templates/boards/${from}.json`, 'utf8')) as Record<string, unknown>;
  b.name = name;
  change(b);
  const path = join(tmp, `${name}.json`);
  writeFileSync(path, JSON.stringify(b));
  return path;
}

function fails(code: string, ...args: string[]): string {
  const r = mlf(...args);
  expect(r.code, r.out).toBe(1);
  expect(r.err).toMatch(new RegExp(`error ${code}`));
  noStack(r.err);
  return r.err;
}

describe('every module in one firmware', () => {
  it('multi-graph: one cortex-m4 firmware runs mod1 and mod2, outputs equal the per-module firmwares', () => {
    const inputs = ['--input', `mod1:input=${TVM}/multi-graph/mod1.input.input.npy`];
    inputs.push('--input', `mod2:x=${TVM}/multi-graph/mod2.input.x.npy`);
    const all = run(`${TVM}/multi-graph/model.tar`, 'cortex-m4', 'multi-all', ...inputs);
    expect(all.modules.map((m) => m.module)).toEqual(['mod1', 'mod2']);
    expect(readdirSync(join(tmp, 'multi-all')).sort()).toEqual(['mod1', 'mod2']);
    for (const [m, input] of [
      ['mod1', 'input'],
      ['mod2', 'x'],
    ] as const) {
      const one = run(
        `${TVM}/multi-graph/model.tar`,
        'cortex-m4',
        `multi-${m}`,
        '--module',
        m,
        '--input',
        `${input}=${TVM}/multi-graph/${m}.input.${input}.npy`,
      );
      expect(one.modules).toHaveLength(1);
      expectSameFile(join(tmp, `multi-all/${m}/output0.npy`), join(tmp, `multi-${m}/output0.npy`));
      expectOutputsClose(join(tmp, `multi-all/${m}/output0.npy`), `${TVM}/multi-graph/${m}.output.0.npy`);
      // The same code runs either way: the inference costs the same instructions.
      expect(all.modules.find((x) => x.module === m)?.instructions).toBe(one.modules[0]?.instructions);
    }
  });

  it('a merge of a graph and an AOT fixture: one firmware, outputs equal the per-archive firmwares', () => {
    const merged = join(tmp, 'merged.tar');
    const r = mlf('merge', `${TVM}/mnist-graph/model.tar`, `${TVM}/aot-mlp/model.tar`, '-o', merged);
    expect(r.code, r.err).toBe(0);
    const inputs = ['--input', `mnist:Input3=${TVM}/mnist-graph/mnist.input.Input3.npy`];
    inputs.push('--input', `default:x=${TVM}/aot-mlp/default.input.x.npy`);
    const both = run(merged, 'riscv32', 'merged-all', ...inputs);
    expect(both.modules.map((m) => [m.module, m.kind])).toEqual([
      ['default', 'aot-c'],
      ['mnist', 'graph'],
    ]);
    run(
      `${TVM}/mnist-graph/model.tar`,
      'riscv32',
      'merged-mnist',
      '--input',
      `Input3=${TVM}/mnist-graph/mnist.input.Input3.npy`,
    );
    run(`${TVM}/aot-mlp/model.tar`, 'riscv32', 'merged-mlp', '--input', `x=${TVM}/aot-mlp/default.input.x.npy`);
    expectSameFile(join(tmp, 'merged-all/mnist/output0.npy'), join(tmp, 'merged-mnist/output0.npy'));
    expectSameFile(join(tmp, 'merged-all/default/output0.npy'), join(tmp, 'merged-mlp/output0.npy'));
    expectOutputsClose(join(tmp, 'merged-all/mnist/output0.npy'), `${TVM}/mnist-graph/mnist.output.0.npy`);
    expectOutputsClose(join(tmp, 'merged-all/default/output0.npy'), `${TVM}/aot-mlp/default.output.0.npy`);
  });

  it('modules that define the same C symbols are refused before linking (E512), naming the symbols', () => {
    // Module "copy" is graph-cnn's "default" again under another name, its code not renamed: what an
    // archive merged from two builds that reused a module name (or a hand-made one) looks like.
    const files = tarFiles(`${TVM}/graph-cnn/model.tar`);
    const metadata = JSON.parse(new TextDecoder().decode(files.get('metadata.json')));
    metadata.modules.copy = metadata.modules.default;
    files.set('metadata.json', text(JSON.stringify(metadata)));
    for (const [p, bytes] of [...files])
      if (/(^|\/)default[._]/.test(p)) files.set(p.replace('default', 'copy'), bytes);
    const clash = join(tmp, 'clash.tar');
    writeFileSync(clash, packFiles(files));
    expect(mlf('validate', clash).code).toBe(0); // a valid archive: only linking both is impossible
    for (const target of [[], ['--target', 'cortex-m4']]) {
      const out = join(tmp, 'clash-out');
      const err = fails('MLF-E512', 'run', clash, ...target, '--random-inputs', '1', '-o', out);
      expect(err).toMatch(/9 C symbols are defined by more than one part of the program/);
      expect(err).toMatch(/tvmgen_default_fused_nn_max_pool2d: module "default", module "copy"/);
      expect(existsSync(out)).toBe(false);
      // Each module alone builds and runs.
      const one = mlf('run', clash, ...target, '--module', 'copy', '--random-inputs', '1');
      expect(one.code, one.err).toBe(0);
    }
  });
});

describe('footprint of the linked firmware', () => {
  it('equals arm-none-eabi-size on the ELF, its parts add up, and mlf run reports the same figures', () => {
    const r = mlf('footprint', `${TVM}/multi-graph/model.tar`, '--target', 'cortex-m4', '--json');
    expect(r.code, r.err).toBe(0);
    const f = JSON.parse(r.out) as TargetRunJson['firmware'] & { capacity: { flash: number; ram: number } };
    const size = exec('arm-none-eabi-size', [f.elf]);
    expect(size.code, size.err).toBe(0);
    const [text, data, bss] = (size.out.split('\n')[1] ?? '').trim().split(/\s+/).map(Number);
    expect(f.total.text + f.total.rodata).toBe(text);
    expect(f.total.data).toBe(data);
    expect(f.total.bss).toBe(bss);
    expect(f.sizeTool?.agrees).toBe(true);
    expect(f.flash).toBe((text as number) + (data as number));
    expect(f.ramStatic).toBe((data as number) + (bss as number));
    expect(f.capacity).toEqual({ flash: 4194304, ram: 4194304 });
    for (const k of ['text', 'rodata', 'data', 'bss'] as const)
      expect(
        f.parts.reduce((a, p) => a + p.sizes[k], 0),
        k,
      ).toBe(f.total[k]);
    expect(f.parts.map((p) => p.part)).toEqual(
      expect.arrayContaining(['module "mod1"', 'module "mod2"', 'mlf runtime', 'C library']),
    );
    // mod1's params (compiled in) are read-only data of mod1.
    expect(f.parts.find((p) => p.part === 'module "mod1"')?.sizes.rodata).toBeGreaterThan(20000);
    const j = run(`${TVM}/multi-graph/model.tar`, 'cortex-m4', 'fp-run', '--random-inputs', '1');
    expect(j.build.cached).toBe(true);
    expect([j.firmware.flash, j.firmware.ramStatic]).toEqual([f.flash, f.ramStatic]);
  });

  it('mlf check --max-flash/--max-ram --target measures each module as its own firmware', () => {
    const ok = mlf(
      'check',
      `${TVM}/aot-mlp/model.tar`,
      '--target',
      'cortex-m55',
      '--max-flash',
      '64KiB',
      '--max-ram',
      '64KiB',
      '--format',
      'json',
    );
    expect(ok.code, ok.err).toBe(0);
    const f = JSON.parse(mlf('footprint', `${TVM}/aot-mlp/model.tar`, '--target', 'cortex-m55', '--json').out);
    const measured = JSON.stringify(JSON.parse(ok.out));
    expect(measured).toContain(`${f.flash}`);
    expect(measured).toContain(`${f.ramStatic + f.stackBytes}`);
    const over = mlf('check', `${TVM}/aot-mlp/model.tar`, '--target', 'cortex-m55', '--max-flash', '8KiB');
    expect(over.code).toBe(1);
    expect(over.out).toMatch(/flash/);
  });
});

describe('generated firmware projects', () => {
  it('are deterministic and build with make and with CMake (toolchain file), warning-free', () => {
    const a = join(tmp, 'proj-a');
    const b = join(tmp, 'proj-b');
    for (const d of [a, b])
      expect(mlf('project', `${TVM}/graph-cnn/model.tar`, '--template', 'riscv32', '-o', d).code).toBe(0);
    const fa = treeFiles(a);
    const fb = treeFiles(b);
    expect([...fa.keys()]).toEqual([...fb.keys()]);
    for (const [p, bytes] of fa) expect(bytes.equals(fb.get(p) as Buffer), p).toBe(true);
    expect([...fa.keys()]).toEqual(
      expect.arrayContaining([
        'board/link.ld',
        'board/startup.S',
        'board/counter.c',
        'board.mk',
        'toolchain.cmake',
        'mlf_modules.c',
      ]),
    );
    for (const [p, bytes] of fa) if (!p.startsWith('model/')) expect(bytes.toString(), p).not.toMatch(/@MLF_[A-Z_]+@/);
    expect(fa.get('board/link.ld')?.toString()).toMatch(/FLASH \(rx\) : ORIGIN = 0x80000000, LENGTH = 4194304/);
    const m = exec('make', ['-j2'], a);
    expect(m.code, m.err).toBe(0);
    expect(m.err).not.toMatch(/warning/);
    expect(existsSync(join(a, 'build/firmware.elf'))).toBe(true);
    const c = join(tmp, 'proj-cmake');
    expect(mlf('project', `${TVM}/aot-mlp/model.tar`, '--template', 'cortex-m33', '-o', c).code).toBe(0);
    const configure = exec('cmake', ['-S', '.', '-B', 'bc', '-DCMAKE_TOOLCHAIN_FILE=toolchain.cmake'], c);
    expect(configure.code, configure.err).toBe(0);
    const build = exec('cmake', ['--build', 'bc', '-j2'], c);
    expect(build.code, build.out + build.err).toBe(0);
    expect(build.out + build.err).not.toMatch(/warning/);
    expect(existsSync(join(c, 'bc/firmware.elf'))).toBe(true);
  });

  it('params read at run time over semihosting (heap) give the same outputs as params compiled in', () => {
    const input = ['--input', `input=${TVM}/graph-cnn/default.input.input.npy`];
    const embedded = run(`${TVM}/graph-cnn/model.tar`, 'riscv32', 'params-in', ...input);
    const loaded = run(`${TVM}/graph-cnn/model.tar`, 'riscv32', 'params-heap', ...input, '--no-embed-params');
    expectSameFile(join(tmp, 'params-in/output0.npy'), join(tmp, 'params-heap/output0.npy'));
    expect(loaded.modules[0]?.instructions).toBe(embedded.modules[0]?.instructions);
    expect(embedded.firmware.flash - loaded.firmware.flash).toBeGreaterThan(20000);
  });
});

describe('wild archives that run on the host run on cortex-m4 with the same outputs', () => {
  for (const [path] of COMPLETE_WILD) {
    it(path, () => {
      const name = path.split('/')[0] as string;
      const host = mlf('run', `${WILD}/${path}`, '--random-inputs', '9', '-o', join(tmp, `${name}-host`));
      expect(host.code, host.err).toBe(0);
      const j = run(`${WILD}/${path}`, 'cortex-m4', `${name}-m4`, '--random-inputs', '9');
      expect(j.firmware.counterError).toBe(0);
      for (const f of readdirSync(join(tmp, `${name}-host`)))
        expectOutputsClose(join(tmp, `${name}-m4`, f), join(tmp, `${name}-host`, f));
    });
  }
});

describe('errors: a code, a non-zero exit, nothing written', () => {
  const GRAPH = `${TVM}/graph-cnn/model.tar`;
  const out = () => join(tmp, `err-${Math.random().toString(36).slice(2)}`);

  it('unknown or unsafe board profiles (E510)', () => {
    expect(fails('MLF-E510', 'run', GRAPH, '--target', 'cortex-m99', '--random-inputs', '1', '-o', out())).toMatch(
      /not a shipped board; the boards are cortex-m3, cortex-m33, cortex-m4, cortex-m55, cortex-m7, riscv32/,
    );
    const inject = boardFile('inject', 'cortex-m4', (b) => {
      (b.toolchain as { cflags: string[] }).cflags.push('-O2; rm -rf ~');
    });
    expect(fails('MLF-E510', 'project', GRAPH, '--template', inject, '-o', out())).toMatch(
      /\$\.toolchain\.cflags\[4\]/,
    );
    const comment = boardFile('comment', 'cortex-m4', (b) => {
      (b.memory as { ram: { what: string } }).ram.what = 'RAM */ SECTIONS {';
    });
    expect(fails('MLF-E510', 'project', GRAPH, '--template', comment, '-o', out())).toMatch(/\$\.memory\.ram\.what/);
    const kernel = boardFile('kernel', 'cortex-m4', (b) => {
      (b.qemu as { args: string[] }).args.push('-kernel');
    });
    expect(fails('MLF-E510', 'project', GRAPH, '--template', kernel, '-o', out())).toMatch(/set by mlf itself/);
    const inexact = boardFile('inexact', 'cortex-m4', (b) => {
      (b.counter as { icountShift: number }).icountShift = 0;
    });
    expect(fails('MLF-E510', 'project', GRAPH, '--template', inexact, '-o', out())).toMatch(
      /fewer than two ticks per instruction/,
    );
  });

  it('a board profile given to the library as an object is checked too (E510)', async () => {
    const board = JSON.parse(readFileSync('templates/boards/cortex-m4.json', 'utf8'));
    board.qemu.args.push('$(shell', 'touch', 'pwned)');
    await expect(withMlfPath(GRAPH, (a) => generateProject(a, { board }))).rejects.toMatchObject({
      code: 'MLF-E510',
      message: expect.stringMatching(/\$\.qemu\.args\[2\]: expected one argument/),
    });
  });

  it('a model that cannot fit is refused before building (E509), and so is one the linker finds too big', () => {
    const small = boardFile('small-ram', 'cortex-m4', (b) => {
      (b.memory as { ram: { bytes: number } }).ram.bytes = 32768;
    });
    const before = readdirSync(cache).length;
    const err = fails(
      'MLF-E509',
      'run',
      `${TVM}/mnist-graph/model.tar`,
      '--target',
      small,
      '--random-inputs',
      '1',
      '-o',
      out(),
    );
    expect(err).toMatch(
      /RAM: at least 98992 B \(module mnist: graph storage \(params, activations, I\/O\) 71856 B, workspace arena 10752 B, stack 16384 B\) but small-ram has 32768 B/,
    );
    expect(readdirSync(cache).length).toBe(before); // nothing was built
    const flash = boardFile('small-flash', 'cortex-m4', (b) => {
      (b.memory as { flash: { bytes: number } }).flash.bytes = 8192;
    });
    expect(
      fails('MLF-E509', 'run', `${TVM}/aot-mlp/model.tar`, '--target', flash, '--random-inputs', '1', '-o', out()),
    ).toMatch(/region `FLASH' overflowed by \d+ bytes/);
    expect(leftovers(cache)).toEqual([]);
  });

  it('missing QEMU (E511), a stack overflow (E506), a firmware that runs too long (E520)', () => {
    const noQemu = boardFile('no-qemu', 'cortex-m4', (b) => {
      (b.qemu as { binary: string }).binary = 'qemu-system-missing';
    });
    expect(fails('MLF-E511', 'run', GRAPH, '--target', noQemu, '--random-inputs', '1', '-o', out())).toMatch(
      /cannot run qemu-system-missing/,
    );
    const probe = ['--cflags', '-O2 -DMLF_STACK_PROBE=2048'];
    for (const from of ['cortex-m4', 'cortex-m33']) {
      const tiny = boardFile(`${from}-tiny-stack`, from, (b) => {
        b.stackBytes = 1024;
      });
      expect(
        fails('MLF-E506', 'run', GRAPH, '--target', tiny, ...probe, '--random-inputs', '1', '-o', out()),
        from,
      ).toMatch(/exited with status 4:[\s\S]*stack overflowed/);
    }
    const slow = `${WILD}/snuvlsi-conv-v7-graph-2inputs/lib_graph_system-lib.tar`;
    expect(
      fails(
        'MLF-E520',
        'run',
        slow,
        '--target',
        'cortex-m3',
        '--run-timeout',
        '2',
        '--random-inputs',
        '1',
        '-o',
        out(),
      ),
    ).toMatch(
      /the firmware on cortex-m3 \(QEMU\) took longer than 2 s and was stopped; raise the limit with --run-timeout/,
    );
  });

  it('a cached firmware runs only when its files match their record; QEMU runs under --memory-limit (E520)', () => {
    const archive = `${TVM}/aot-mlp/model.tar`;
    const first = run(archive, 'cortex-m4', 'cache-1', '--random-inputs', '3');
    const elf = join(first.build.dir, 'build', 'firmware.elf');
    writeFileSync(elf, Buffer.concat([readFileSync(elf), Buffer.from('planted')]));
    const again = run(archive, 'cortex-m4', 'cache-2', '--random-inputs', '3');
    expect(again.build).toEqual({ dir: first.build.dir, cached: false });
    expect(again.notes).toEqual([
      expect.stringMatching(/was rebuilt: build\/firmware\.elf changed after it was built/),
    ]);
    expectSameFile(join(tmp, 'cache-1/output0.npy'), join(tmp, 'cache-2/output0.npy'));
    expect(run(archive, 'cortex-m4', 'cache-3', '--random-inputs', '3').build.cached).toBe(true);
    // The build is cached, so only QEMU meets the limit.
    expect(
      fails('MLF-E520', 'run', archive, '--target', 'cortex-m4', '--random-inputs', '3', '--memory-limit', '100'),
    ).toMatch(
      /the firmware on cortex-m4 \(QEMU\) ran out of memory under the limit of 100 MiB; raise it with --memory-limit/,
    );
  });

  it('names from the archive never become C code (E408)', () => {
    const files = tarFiles(GRAPH);
    const graph = JSON.parse(new TextDecoder().decode(files.get('executor-config/graph/default.graph')));
    const node = graph.nodes.find((n: { op: string }) => n.op === 'tvm_op');
    node.attrs.func_name = 'f(void); int evil';
    files.set('executor-config/graph/default.graph', text(JSON.stringify(graph)));
    const bad = join(tmp, 'evil.tar');
    writeFileSync(bad, packFiles(files));
    expect(fails('MLF-E408', 'project', bad, '--template', 'cortex-m4', '-o', out())).toMatch(
      /node 1 calls func_name "f\(void\); int evil", which has characters other than/,
    );
  });
});
