import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores on CI: keep workers to two so CPU-heavy simulation tests don't thrash.
    maxWorkers: 2,
    // No wall-clock limit a loaded 2-core machine trips: tests and hooks (a sweep or a validation run in beforeAll)
    // get an hour, meant only to end a hung run (the v1 validation hook, 62 s idle, took over 10 min at load 20).
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    // Removes the scratch folders tests made with tempDir() when each file ends.
    setupFiles: ['test/support/cleanup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
