// The transfer suite beyond the determinism seed: the FileTransfer machine `peerlab connect`
// runs, in the simulator between two NATed Peers. Both sides always end with the same typed
// outcome: ok with the right sha256 under random loss, hash-mismatch or size-mismatch when the
// sender's offer lies, relay-limit when the relay cuts the circuit (issue 9, finding 7: both
// sides say so), and a 16 MiB file crosses two symmetric NATs through the relay with the
// rendezvous server's default settings (finding 7). Each failure prints its reproduce line.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { registry } from '../../scenarios/index.ts';
import { runScenario } from '../../scenarios/runner.ts';
import { runFileTransfer } from '../../scenarios/transfer/punched.ts';
import { Simulator } from '../../runtime-sim/index.ts';

function reproduce(what: string, seed: number): string {
  return `reproduce: runFileTransfer(${what}) seed ${seed} (test/scenarios/transfer.test.ts)`;
}

describe('both sides agree on the outcome', () => {
  it.prop([fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 200_000 })], { numRuns: 6 })(
    'a small file under 0–20% loss per access link: both ok, same sha256 as the payload',
    (seed, lossPct, size) => {
      const sim = new Simulator({ seed, scenario: 'transfer-property' });
      const o = runFileTransfer(sim, seed, { loss: lossPct / 100, access_ms: 10, nat: 'port-restricted-cone', size_bytes: size });
      const why = reproduce(`loss ${lossPct}%, ${size} bytes`, seed);
      expect(o.sender, why).toBe('ok');
      expect(o.receiver, why).toBe('ok');
      expect(o.agree, why).toBe(true);
      expect(o.sha256_equal, why).toBe(true);
      expect(o.gaps, why).toBe(0);
    },
  );

  it('a sender that offers the wrong sha256: both sides end hash-mismatch, nothing is committed', () => {
    const sim = new Simulator({ seed: 11, scenario: 'transfer-lie' });
    const o = runFileTransfer(sim, 11, { loss: 0.01, access_ms: 10, nat: 'port-restricted-cone', size_bytes: 100_000, offer: { sha256: new Uint8Array(32).fill(1) } });
    expect(o.sender, reproduce('wrong sha256', 11)).toBe('hash-mismatch');
    expect(o.receiver).toBe('hash-mismatch');
    expect(o.agree).toBe(true);
  });

  it('a sender whose file is shorter than its offer: both sides end size-mismatch', () => {
    const sim = new Simulator({ seed: 12, scenario: 'transfer-short' });
    const o = runFileTransfer(sim, 12, { loss: 0, access_ms: 10, nat: 'port-restricted-cone', size_bytes: 100_000, offer: { size_bytes: 150_000 } });
    expect(o.sender, reproduce('short file', 12)).toBe('size-mismatch');
    expect(o.receiver).toBe('size-mismatch');
    expect(o.agree).toBe(true);
  });
});

describe('issue 9, finding 7: the relay', () => {
  it('a limit that ends a transfer is reported as relay-limit by both sides (seeds 1..3)', async () => {
    const scenario = registry.scenario('transfer-relay-limit')!;
    for (const seed of [1, 2, 3]) {
      const result = await runScenario(scenario, seed);
      expect(result.outcome?.sender, `reproduce: ${result.reproduce}`).toBe('relay-limit');
      expect(result.outcome?.receiver, `reproduce: ${result.reproduce}`).toBe('relay-limit');
      expect(result.passed, `reproduce: ${result.reproduce}`).toBe(true);
    }
  });

  it('16 MiB between two symmetric NATs completes via the relay with default settings (seed 1)', async () => {
    const result = await runScenario(registry.scenario('transfer-16mib/relay-symmetric')!, 1);
    const why = [...result.failures.map((f) => `${f.expectation}: ${f.why}`), result.error ?? ''].filter(Boolean);
    expect(why, `reproduce: ${result.reproduce}`).toEqual([]);
    expect(String(result.outcome?.path)).toMatch(/^relay/);
  });
});
