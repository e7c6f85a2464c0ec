import { defineConfig } from 'vitest/config';

// Three layers, one project each (see docs/testing.md), and the playground page:
//  unit        plain Node, no network, fakes from test/support/fakes
//  integration our modules against kinesalite and local stand-ins over HTTP on 127.0.0.1
//  e2e         the compiled bin/main.wasm in Viceroy, with kinesalite and a demo origin
//  browser     the built format playground (playground/dist) in Debian's Chromium, over 127.0.0.1
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
