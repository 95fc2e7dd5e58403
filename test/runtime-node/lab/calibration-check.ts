// Shared body of the NAT calibration tests: run one lab case's UDP probes through real
// nftables routers and through the simulator's mirror, and check that the two agree and that
// the kernel let through the hellos the case expects (docs/nat-calibration.md).
import { expect } from 'vitest';
import { calibrateCase } from '../../../runtime-node/lab/calibration.ts';
import { findCase } from '../../../runtime-node/lab/cases.ts';
import { withLab } from '../../../runtime-node/lab/harness.ts';

/** Wall-clock budget of one calibration case (fresh lab, probes, teardown). */
export const calibration_timeout_ms = 40_000;

export async function checkCalibration(name: string): Promise<void> {
  const labCase = findCase(name)!;
  const row = await withLab((session) => calibrateCase(session, labCase));
  const why = `reproduce: sudo peerlab lab ${name} --probe\nkernel ${JSON.stringify(row.raw.kernel)}\nsim ${JSON.stringify(row.raw.sim)}`;
  expect(row.agree, why).toBe(true);
  expect(row.kernel.through, why).toBe(labCase.probeExpectation);
}
