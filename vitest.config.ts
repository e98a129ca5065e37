import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One gateway process, as before gateway.workers, for every test that does not set it (gateway-worker-count.ts).
    env: { MLAAS_GATEWAY_WORKERS: '1' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
  resolve: {
    alias: {
      'mlaas/sdk': new URL('./src/sdk/index.ts', import.meta.url).pathname,
      '@mlaas/sdk': new URL('./src/sdk/index.ts', import.meta.url).pathname,
    },
  },
});
