import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Fuzz and property suites are CPU-bound; two workers match the 2-core CI machine.
    maxWorkers: 2,
  },
});
