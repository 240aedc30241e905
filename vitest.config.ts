import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores on CI: keep workers to two so CPU-heavy simulation tests don't thrash.
    maxWorkers: 2,
    // No wall-clock limit a loaded 2-core machine trips: tests and hooks (a sweep or a validation run in beforeAll)
    // get the same generous ceiling, meant only to end a hung run.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Removes the scratch folders tests made with tempDir() when each file ends.
    setupFiles: ['test/support/cleanup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
