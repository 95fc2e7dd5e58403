// Kernel-NAT lab, fullcone-symmetric, conntrack-clash and its firewalled control: real nftables routers in namespaces, `peerlab connect`
// peers behind them, compared with the simulator's mirror (see runtime-node/lab/cases.ts).
import { describe, it } from 'vitest';
import { checkLabCase, labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('kernel-NAT lab: fullcone-symmetric, conntrack-clash, firewall-preseed', () => {
  it('fullcone-symmetric', async () => {
    await checkLabCase('fullcone-symmetric');
  }, 90_000);
  it('conntrack-clash', async () => {
    await checkLabCase('conntrack-clash');
  }, 90_000);
  it('firewall-preseed', async () => {
    await checkLabCase('firewall-preseed');
  }, 90_000);
});
