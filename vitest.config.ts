// Test runner configuration: every test lives under test/, mirroring the source tree.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Heavy scenarios (1,000-node overlays, minutes each) are checked for determinism by
    // `npm run test:heavy`, a long job of its own like the swarm's long run.
    exclude: process.env['PEERLAB_HEAVY'] === '1' ? [] : ['test/scenarios/determinism-heavy.test.ts'],
    setupFiles: ['test/support/fast-check-seed.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
