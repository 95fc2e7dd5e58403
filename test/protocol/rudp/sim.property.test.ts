// The integrity property again, on runtime-sim's links (loss, duplication, reordering and
// corruption up to 30% each, corrupted datagrams delivered): a stream arrives sha256-equal
// or the connection fails with an explicit error. Reproduce with the printed seed.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { Simulator, type LinkConfig } from '../../../runtime-sim/index.ts';
import { hexDigest, payload } from '../../../scenarios/transfer/payload.ts';
import { startEndpointPair } from '../../../scenarios/kit/endpoint-pair.ts';

const p30 = fc.double({ min: 0, max: 0.3, noNaN: true });

function run(seed: number, size: number, link: LinkConfig) {
  const sim = new Simulator({ seed, scenario: 'rudp-property' });
  sim.addHost({ name: 'c', ips: ['198.51.100.1'], link });
  sim.addHost({ name: 's', ips: ['198.51.100.2'], link });
  const data = payload(seed, size);
  const { progress } = startEndpointPair(sim, {
    clientHost: 'c',
    serverHost: 's',
    server: addr('198.51.100.2', 4000),
    clientPort: 5000,
    crypto: nobleCrypto,
    config: { idle_timeout_ms: 20_000 },
    data,
  });
  for (let t = 1_000; t <= 300_000 && (progress.senderClosedAt === undefined || progress.receiverClosedAt === undefined); t += 1_000) sim.runUntil(t);
  return { progress, data };
}

describe('rudp over runtime-sim hostile links', () => {
  it.prop([fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 64 * 1024 }), p30, p30, p30, p30, fc.integer({ min: 1, max: 40 })], { numRuns: 12 })(
    'delivers exactly or fails explicitly',
    (seed, size, loss, duplicate_p, reorder_p, corrupt_p, ms) => {
      const link: LinkConfig = { latency: { kind: 'fixed', ms }, loss: { kind: 'bernoulli', p: loss }, duplicate_p, reorder_p, reorder_delay_ms: ms, corrupt_p };
      const { progress, data } = run(seed, size, link);
      if (progress.errors.length === 0) {
        expect(progress.digest.bytes).toBe(size);
        expect(progress.digest.hex()).toBe(hexDigest(data));
      } else {
        expect(progress.errors.join()).toMatch(/timeout|aborted|violation/);
        expect(progress.digest.bytes).toBeLessThanOrEqual(size);
        // What did arrive is exactly the start of what was sent (never reordered or altered).
        expect(progress.digest.hex()).toBe(hexDigest(data.subarray(0, progress.digest.bytes)));
      }
    },
  );
});
