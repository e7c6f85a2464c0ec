import { defineConfig } from 'vitest/config';

// The unit project alone, for Stryker's vitest runner (stryker.config.json, `npm run
// test:mutation`): plain Node, no network, no Viceroy, so that one mutant costs seconds. Stryker
// narrows each run to the test files related to the mutated file and to the tests that cover it.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
  },
});
