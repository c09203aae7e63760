import { defineConfig } from 'vitest/config';

// Two projects; `npm test` runs both, `npm run test:unit` only `unit` (under a minute on two cores).
//
// unit: examples run in the test process on small inputs. They may ask python3 (NumPy, tarfile),
// tar, gzip and zstd about small data as oracles, and need only `tsc -b` (dist/ for the package
// entries), not the viewer or CLI bundles.
//
// system: a test goes here, in a sibling `<name>.system.test.ts` of the file it belongs with
// (shared setup in test/helpers/), when it
//   1. starts Node: the built `mlf` CLI, a script over dist/, or any other Node child process;
//   2. needs Chromium, a C toolchain or QEMU, or a packed tarball (the globs below);
//   3. handles big data: 16 MiB or more, or tens of thousands of entries, keys or records;
//   4. loops for coverage rather than checking examples: fast-check properties, fuzz and mutation
//      loops, sweeps over every byte, prefix, offset, chunking or bit pattern, every fixture at
//      every container or level through external tools, linear-time (doubling) checks, peak-RSS
//      and kill-timing measurements.
// test/package/layout.test.ts checks what it can of this (no child Node, no fast-check in unit).
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
