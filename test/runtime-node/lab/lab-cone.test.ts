// Kernel-NAT lab, cone-cone and same-lan: real nftables routers in namespaces, `peerlab connect`
// peers behind them, compared with the simulator's mirror (see runtime-node/lab/cases.ts).
import { describe, it } from 'vitest';
import { checkLabCase, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: cone-cone, same-lan', () => {
  it('cone-cone', async () => {
    await checkLabCase('cone-cone');
  }, 90_000);
  it('same-lan', async () => {
    await checkLabCase('same-lan');
  }, 90_000);
});
