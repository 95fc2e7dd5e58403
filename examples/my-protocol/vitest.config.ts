// The example's own test run: its tests only, a fixed fast-check seed (FC_SEED overrides).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/fast-check-seed.ts'],
    testTimeout: 60_000,
  },
});
