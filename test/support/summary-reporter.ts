import type { Reporter, SerializedError, TestModule, TestSuite } from 'vitest/node';

/**
 * Prints one plain last line, `N passed, N failed`, that CI logs and scripts can read. "failed" counts every failure
 * vitest knows of, not only failed tests: a file that fails to collect, a hook that throws (beforeAll/afterAll of a
 * file or a suite; its tests are then skipped, not failed), and errors thrown outside any test (unhandled rejections).
 * A file or suite whose state is failed but where none of those was seen still counts once, so the line can never
 * read "0 failed" for a run vitest itself calls failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    const containerFailures = (c: TestModule | TestSuite, failedTests: number): number => {
      const errors = c.errors().length;
      return errors > 0 ? errors : c.state() === 'failed' && failedTests === 0 ? 1 : 0;
    };
    for (const mod of testModules) {
      let failedInModule = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedInModule++;
      }
      for (const suite of mod.children.allSuites()) {
        failedInModule += containerFailures(suite, [...suite.children.allTests('failed')].length);
      }
      failed += failedInModule + containerFailures(mod, failedInModule);
    }
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }
}
