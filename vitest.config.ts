import { defineConfig } from 'vitest/config';

// Tests that need Chromium, C toolchains or a packed tarball: `npm test` runs them with the
// others; `npm run test:unit` (the `unit` project) leaves them out so it runs in well under a
// minute with only Node, python3 with NumPy, tar, gzip and zstd.
const SYSTEM = [
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
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SYSTEM } },
      { extends: true, test: { name: 'system', include: SYSTEM } },
    ],
  },
});
