// Kernel-NAT lab, cone-symmetric and symmetric-symmetric: real nftables routers in namespaces, `peerlab connect`
// peers behind them, compared with the simulator's mirror (see runtime-node/lab/cases.ts).
import { describe, it } from 'vitest';
import { checkLabCase, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: cone-symmetric, symmetric-symmetric', () => {
  it('cone-symmetric', async () => {
    await checkLabCase('cone-symmetric');
  }, 90_000);
  it('symmetric-symmetric', async () => {
    await checkLabCase('symmetric-symmetric');
  }, 90_000);
});
