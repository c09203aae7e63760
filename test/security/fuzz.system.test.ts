/**
 * A short run of the fuzzing of `npm run fuzz` (scripts/fuzz-lib.js) over src/: fast-check
 * properties over mutated fixture bytes for the tar reader, params decoder, graph and metadata
 * parsers, npy and npz decoders and the ELF section reader, the same seeded mutation loop the long
 * run uses, and the whole reader
 * pipeline on mutated archives. Anything thrown that is not an MlfError fails.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/core/index.js';
import * as elf from '../../src/node/runner/elf.js';
import { inspectArchive } from '../../src/core/archive/inspect.js';
import { createTargets, execute, inputFor, mutate, rngFor, toBase64 } from '../../scripts/fuzz-lib.js';
import { tarfileDifferential } from '../../scripts/fuzz-tarfile.js';
import { FIXTURES } from '../helpers/common.js';

const lib = { ...core, ...elf };
const targets = createTargets(lib, FIXTURES) as {
  name: string;
  kind: string;
  seeds: Uint8Array[];
  hot: number[][];
  run(b: Uint8Array): void;
}[];
const SEED = 20261121;

/** Fails with the reproducer when a target throws anything but an MlfError. */
function check(target: (typeof targets)[number], input: Uint8Array): boolean {
  const error = execute(lib, target, input);
  if (error !== undefined) throw new Error(`${target.name} finding: ${error}\nreproducer (base64): ${toBase64(input)}`);
  return true;
}

describe('fuzz targets', () => {
  it('cover the seven readers with seeds from the fixtures', () => {
    expect(targets.map((t) => t.name)).toEqual(['tar', 'params', 'graph', 'metadata', 'npy', 'elf', 'npz']);
    for (const t of targets) {
      expect(t.seeds.length, t.name).toBeGreaterThanOrEqual(4);
      for (const s of t.seeds) expect(execute(lib, t, s), `${t.name} seed`).toBeUndefined(); // seeds are accepted
    }
  });

  for (const t of targets) {
    it(`${t.name}: fast-check byte patches and truncations of seeds give MlfErrors only`, () => {
      const patch = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });
      fc.assert(
        fc.property(
          fc.nat(t.seeds.length - 1),
          fc.array(patch, { minLength: 1, maxLength: 8 }),
          fc.option(fc.nat()),
          (k, patches, cut) => {
            const input = new Uint8Array(t.seeds[k]!);
            const hot = t.hot[k]!;
            // Half the patches land near a length/count/header field of the seed.
            for (const [j, p] of patches.entries())
              input[(j % 2 === 0 && hot.length > 0 ? hot[p.at % hot.length]! + (p.at % 12) : p.at) % input.length] =
                p.value;
            return check(t, cut === null ? input : input.subarray(0, cut % (input.length + 1)));
          },
        ),
        { seed: SEED, numRuns: 250 },
      );
    });

    it(`${t.name}: the seeded mutation loop of npm run fuzz (2000 executions)`, () => {
      let maxMs = 0;
      for (let i = 0; i < 2000; i++) {
        const input = inputFor(t, SEED, i);
        const start = performance.now();
        check(t, input);
        maxMs = Math.max(maxMs, performance.now() - start);
      }
      expect(maxMs).toBeLessThan(5000); // no execution near a hang (bounds leave room for a loaded CI machine)
    });
  }

  it('mutate is deterministic in (seed, execution)', () => {
    const t = targets[0]!;
    expect(toBase64(inputFor(t, 7, 123))).toBe(toBase64(inputFor(t, 7, 123)));
    const m = mutate(t.seeds[0]!, t.seeds, t.hot[0]!, t.kind, rngFor(7, 1));
    expect(m).toBeInstanceOf(Uint8Array);
  });
});

describe('the whole reader on mutated archives', () => {
  it('openArchive + readMlf + validateArchive + inspectArchive throw MlfErrors only', async () => {
    const tar = targets.find((t) => t.name === 'tar')!;
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (i) => {
        const input = inputFor(tar, SEED + 1, i);
        try {
          const archive = await lib.readMlf(await lib.openArchive(lib.bytesSource(input)));
          await lib.validateArchive(archive);
          await inspectArchive(archive);
        } catch (e) {
          if (!(e instanceof lib.MlfError))
            throw new Error(`pipeline finding: ${String(e)}\nreproducer (base64): ${toBase64(input)}`, { cause: e });
        }
        const report = await lib.validateContents(() => lib.openArchive(lib.bytesSource(input)));
        return report.errors + report.warnings >= 0;
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('differential fuzzing against CPython tarfile (scripts/fuzz-tarfile.js)', () => {
  it('mutated tars we accept are listed by tarfile exactly as we list them (4000 executions)', async () => {
    const tar = targets.find((t) => t.name === 'tar')!;
    const r = await tarfileDifferential(lib, tar, { seed: SEED, execs: 4000 });
    expect(r.accepted).toBeGreaterThan(200);
    expect(r.findings.map((f) => `${f.error}\nreproducer (base64): ${f.input}`)).toEqual([]);
  }, 60_000);
});
