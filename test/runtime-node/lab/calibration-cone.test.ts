// Simulator NAT presets against the kernel, at the NAT level: the same STUN + simultaneous
// hellos through real nftables routers and through the simulator's mirror must agree on
// port preservation and on which hellos got through (docs/nat-calibration.md).
import { describe, expect, it } from 'vitest';
import { calibrateCase } from '../../../runtime-node/lab/calibration.ts';
import { findCase } from '../../../runtime-node/lab/cases.ts';
import { withLab } from '../../../runtime-node/lab/harness.ts';
import { labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('NAT calibration, full cone and shared LAN: kernel vs simulator (UDP probes)', () => {
  for (const name of ['fullcone-symmetric', 'same-lan']) {
    it(name, async () => {
      const labCase = findCase(name)!;
      const row = await withLab((session) => calibrateCase(session, labCase));
      const why = `reproduce: sudo peerlab lab ${name} --probe\nkernel ${JSON.stringify(row.raw.kernel)}\nsim ${JSON.stringify(row.raw.sim)}`;
      expect(row.agree, why).toBe(true);
      expect(row.kernel.through, why).toBe(labCase.probeExpectation);
    }, 40_000);
  }
});
