import os from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/slow-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One gateway process, as before gateway.workers, for every test that does not set it (gateway-worker-count.ts).
    env: { MLAAS_GATEWAY_WORKERS: '1' },
    // vitest's default, one fewer than the cores, is a single worker on a 2-core machine: most
    // of a file's time is spent waiting on the processes it starts, so two share 2 cores well.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default', './test/summary-reporter.ts'],
  },
  resolve: {
    alias: {
      'mlaas/sdk': new URL('./src/sdk/index.ts', import.meta.url).pathname,
      '@mlaas/sdk': new URL('./src/sdk/index.ts', import.meta.url).pathname,
    },
  },
});
