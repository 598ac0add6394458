import { defineConfig } from 'vitest/config';

// One run covers the unit tests beside the server code and the black-box suites
// in test/. TEST_DB (sqlite | postgres) picks the database for the latter.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['server/src/**/*.test.ts', 'client/src/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['server/src/test-setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['server/src/test-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
