// Birthday-paradox probing: the analytic probability matches the published figures
// (nat.md 2.2, danderson's paradox.py over ports 1025-65535), and in the simulator the
// measured direct rate of a chance cell over 100 seeds agrees with it within 5 points.
import { describe, expect, it } from 'vitest';
import { birthdayProbability } from '../../../protocol/punch/strategy.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { analyticDirect, expectedCell } from '../../../scenarios/nat-matrix/expected.ts';
import { runCell } from '../../../scenarios/nat-matrix/index.ts';

const TAILSCALE_RANGE = 65_535 - 1025 + 1;

describe('birthday probability', () => {
  it('reproduces the published table for 256 open ports', () => {
    expect(birthdayProbability(256, 174, TAILSCALE_RANGE)).toBeCloseTo(0.4998, 3);
    expect(birthdayProbability(256, 256, TAILSCALE_RANGE)).toBeCloseTo(0.6394, 3);
    expect(birthdayProbability(256, 1024, TAILSCALE_RANGE)).toBeCloseTo(0.9835, 3);
    expect(birthdayProbability(256, 2048, TAILSCALE_RANGE)).toBeCloseTo(0.9997, 3);
    expect(birthdayProbability(256, 0, TAILSCALE_RANGE)).toBe(0);
  });

  it('measured first-attempt direct rate over 100 seeds is within 5 points of the analytic value', () => {
    const expected = expectedCell('port-restricted-cone', 'symmetric');
    const analytic = analyticDirect(expected, 0)!;
    let direct = 0;
    const seeds = 100;
    for (let seed = 1; seed <= seeds; seed++) {
      const outcome = runCell(new Simulator({ seed }), 'port-restricted-cone', 'symmetric', { loss: 0 });
      expect(['direct', 'relay']).toContain(outcome.path);
      if (outcome.first_attempt_direct === true) direct++;
    }
    const measured = direct / seeds;
    // Reproduce: peerlab run nat-matrix/port-restricted-cone+symmetric/loss0 --seeds 1..100
    expect(Math.abs(measured - analytic) * 100).toBeLessThanOrEqual(5);
  }, 60_000);
});
