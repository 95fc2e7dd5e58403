// Property tests run on a fixed seed, so a run is reproducible; FC_SEED=<n> tries another.
import fc from 'fast-check';

const seed = Number(process.env['FC_SEED'] ?? 20_261_205);
fc.configureGlobal({ seed, numRuns: 20 });
