import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The JSON report feeds scripts/test-summary.mjs (the closing 'N passed, N failed' line of npm test).
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest/results.json' },
  },
});
