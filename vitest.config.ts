import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores on CI: keep workers to two so CPU-heavy simulation tests don't thrash.
    maxWorkers: 2,
    testTimeout: 120_000,
    // Hooks (building a sweep, installing a packed tarball, removing its scratch folder) get the same allowance:
    // vitest's default 10 s trips on a loaded 2-core machine.
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
