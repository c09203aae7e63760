import { defineConfig } from 'vitest/config';

// Two projects: `npm test` runs both, `npm run test:unit` only `unit` (well under a minute on two
// cores; it needs only Node, python3 with NumPy, tar, gzip and zstd).
//
// unit (`*.test.ts`): examples run in the test process on small inputs; they may ask python3
// (NumPy, tarfile), tar, gzip and zstd about small data as oracles. Unit files share one module
// graph (isolate: false): a test restores what it changes (process.env) and keeps its scratch
// folders to its file (the factories of test/helpers/).
//
// system (`*.system.test.ts` beside the unit file of the same name, shared setup in test/helpers/,
// plus the globs below): a test that
//   1. starts Node: the built `mlf` CLI, a script over dist/, or any other Node child process;
//   2. needs Chromium, a C toolchain or QEMU, or a packed tarball;
//   3. handles big inputs: 16 MiB or more of data, or 10 000 or more archive entries, JSON values
//      or keys, shape dimensions, graph nodes or nesting levels;
//   4. loops for coverage rather than checking examples: fast-check properties, fuzz and mutation
//      loops, sweeps over every byte, prefix, offset, chunking or bit pattern, every fixture through
//      external tools at several compression levels (or written to every container and read back by
//      them), linear-time (doubling) checks, peak-RSS and kill-timing measurements.
// test/package/layout.test.ts checks what it can: no child Node and no fast-check in a unit file,
// and every folder of src/core imported by some unit file.
export const SYSTEM = [
  'test/**/*.system.test.ts',
  'test/viewer/**/*.e2e.test.ts',
  'test/node/runner/**/*.test.ts',
  'test/package/pack.test.ts',
  'test/package/api-docs.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SYSTEM, isolate: false } },
      { extends: true, test: { name: 'system', include: SYSTEM } },
    ],
  },
});
