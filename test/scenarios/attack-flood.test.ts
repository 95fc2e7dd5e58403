// attack/flood: the spoofed flood scenario passes against the server as built and gives the
// same trace twice; and its checks can fail: against a server that answers every datagram
// twice (an amplifier), the lookup reply-ratio expectation reports it and the bytes reflected
// to forged sources double.
import { describe, expect, it } from 'vitest';
import type { Transmit } from '../../protocol/core/machine.ts';
import { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import { FLOOD_SCENARIO, runFlood, type FloodOptions } from '../../scenarios/attack/flood.ts';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';

const SEED = 3;

/** A small flood: enough forged sources and requests of every type to measure ratios. */
const SMALL: FloodOptions = { ...FLOOD_SCENARIO, registrations: 2_000, sources: 400, duration_ms: 3_000, honest: 2, squatters: 4, probe_sources_per_type: 8, probe_requests_per_source: 2 };

/** Sends every datagram twice: each reply is then twice its honest size. */
class AmplifyingServer extends RendezvousServer {
  private copy: Transmit | undefined;
  override pollTransmit(): Transmit | undefined {
    if (this.copy) {
      const t = this.copy;
      this.copy = undefined;
      return t;
    }
    const t = super.pollTransmit();
    if (t) this.copy = { ...t, data: t.data.slice() };
    return t;
  }
}

describe('attack/flood', () => {
  it('its checks catch a server that answers twice', () => {
    const scenario = registry.scenario('attack/flood')!;
    const honest = runFlood(new Simulator({ seed: SEED }), SMALL).outcome;
    const amplified = runFlood(new Simulator({ seed: SEED }), SMALL, (config, rng) => new AmplifyingServer(config, rng)).outcome;
    const failed = (outcome: typeof honest): string[] => scenario.expectations.filter((e) => e.check(outcome) !== true).map((e) => e.name);
    expect(failed(honest), `honest server, reproduce with runFlood(seed ${SEED})`).toEqual([]);
    expect(Number(amplified.ratio_lookup)).toBeGreaterThan(1);
    expect(Number(amplified.ratio_lookup)).toBeGreaterThan(Number(honest.ratio_lookup));
    expect(failed(amplified)).toContain('no forged lookup gets more bytes back than it sent');
    expect(Number(amplified.reflection_ratio)).toBeCloseTo(2 * Number(honest.reflection_ratio), 2);
  });

  it(`passes and gives the same trace twice (seed ${SEED})`, async () => {
    const result = await runScenario(registry.scenario('attack/flood')!, SEED, { checkDeterminism: true });
    const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
    expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
    expect(result.determinism?.identical).toBe(true);
    expect(result.outcome.honest_registered).toBe(result.outcome.honest_total);
  });
});
