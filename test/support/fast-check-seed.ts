// Every property test runs on a fixed fast-check seed so that `npm test` is deterministic.
// FC_SEED overrides it and FC_RUNS_SCALE multiplies the run counts (the fuzz run,
// test/support/fuzz.ts, sets both); FC_PATH replays one failing case: fast-check prints
// `{ seed, path }` on a failure, and `FC_SEED=<seed> FC_PATH=<path> npx vitest run <file> -t <name>`
// reruns exactly that counterexample.
import fc from 'fast-check';

const seedText = process.env['FC_SEED'];
const seed = seedText === undefined || seedText === '' ? 0x5eed : Number(seedText);
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${seedText}`);
const scaleText = process.env['FC_RUNS_SCALE'];
const scale = scaleText === undefined || scaleText === '' ? 1 : Number(scaleText);
if (!(scale > 0)) throw new Error(`FC_RUNS_SCALE must be positive, got ${scaleText}`);
const path = process.env['FC_PATH'];
if (path !== undefined && path !== '' && !/^\d+(:\d+)*$/.test(path)) throw new Error(`FC_PATH must look like 12:0:3, got ${path}`);

fc.configureGlobal({
  seed,
  ...(scale === 1 ? {} : { numRuns: Math.round(100 * scale) }),
  ...(path === undefined || path === '' ? {} : { path }),
});
