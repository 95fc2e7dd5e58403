// The fuzz run's configuration (`npm run fuzz`, test/support/fuzz.ts): the normal one, plus
// run counts scaled by FC_RUNS_SCALE for every property (fast-check is aliased to
// test/support/fast-check-scaled.ts) and no per-test time limit (100x the runs takes time).
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default mergeConfig(
  base,
  defineConfig({
    resolve: { alias: { 'fast-check': fileURLToPath(new URL('./test/support/fast-check-scaled.ts', import.meta.url)) } },
    test: {
      server: { deps: { inline: ['@fast-check/vitest'] } },
      testTimeout: 0,
      hookTimeout: 0,
    },
  }),
);
