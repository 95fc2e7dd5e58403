// Kernel-NAT lab, cgnat: real nftables routers in namespaces, `peerlab connect`
// peers behind them, compared with the simulator's mirror (see runtime-node/lab/cases.ts).
import { describe, it } from 'vitest';
import { checkLabCase, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: cgnat', () => {
  it('cgnat', async () => {
    await checkLabCase('cgnat');
  }, 90_000);
});
