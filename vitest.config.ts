import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Tests provoke errors on purpose; their log lines would only drown the report.
          env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
          // Groups run one after another: on two cores, integration and infra would starve each other.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          // Each file starts its own local AWS (PostgreSQL included): keep two cores from thrashing.
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          globalSetup: ['test/infra/global-setup.ts'],
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          // Last, alone: a browser and a local AWS are the heaviest things the suite runs.
          sequence: { groupOrder: 3 },
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Cold starts of the local functions take seconds on a busy machine.
          expect: { poll: { timeout: 20_000, interval: 100 } },
        },
      },
    ],
  },
});
