import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Builds dist/cli/ when missing or stale: tests that spawn the CLI run the shipped bundle.
    globalSetup: ['test/support/build-cli.ts'],
    reporters: ['default', new SummaryReporter()],
  },
});
