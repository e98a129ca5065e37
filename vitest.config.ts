import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
  resolve: {
    alias: {
      'mlaas/sdk': new URL('./src/sdk/index.ts', import.meta.url).pathname,
      '@mlaas/sdk': new URL('./src/sdk/index.ts', import.meta.url).pathname,
    },
  },
});
