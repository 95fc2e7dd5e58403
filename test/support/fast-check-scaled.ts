// fast-check with every property's run count multiplied by FC_RUNS_SCALE, for the fuzz run
// only: vitest.fuzz.config.ts aliases 'fast-check' to this module (and inlines
// @fast-check/vitest so its import is aliased too). A property that names its own numRuns
// (chosen for the time budget of `npm test`) is scaled as well; one that does not takes the
// global numRuns that fast-check-seed.ts scales. `npm test` never loads this file.
import * as real from '../../node_modules/fast-check/lib/fast-check.js';
import realDefault from '../../node_modules/fast-check/lib/fast-check.js';

export * from '../../node_modules/fast-check/lib/fast-check.js';

const scaleText = process.env['FC_RUNS_SCALE'];
const scale = scaleText === undefined || scaleText === '' ? 1 : Number(scaleText);

type AssertParameters = Parameters<typeof real.assert>[1];

function scaled<P extends AssertParameters>(params: P): P {
  if (params === undefined || params.numRuns === undefined || scale === 1) return params;
  return { ...params, numRuns: Math.max(1, Math.round(params.numRuns * scale)) };
}

export const assert: typeof real.assert = ((property: Parameters<typeof real.assert>[0], params?: AssertParameters) =>
  real.assert(property as never, scaled(params) as never)) as typeof real.assert;

export default { ...realDefault, assert };
