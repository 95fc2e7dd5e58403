// Simulator NAT presets against the kernel, at the NAT level: the same STUN + simultaneous
// hellos through real nftables routers and through the simulator's mirror must agree on
// port preservation and on which hellos got through (docs/nat-calibration.md).
import { describe, it } from 'vitest';
import { calibration_timeout_ms, checkCalibration } from './calibration-check.ts';
import { labSkip } from './lab-case.ts';

describe.skipIf(labSkip !== undefined)('NAT calibration, full cone and shared LAN: kernel vs simulator (UDP probes)', () => {
  for (const name of ['fullcone-symmetric', 'same-lan']) {
    it(name, () => checkCalibration(name), calibration_timeout_ms);
  }
});
