// Holding a transfer for the punch (protocol/transfer/direct-hold.ts). Relay first opens the
// session on the relay at once; a small transfer then ends there, and its session closes
// before the punch's direct pair can be validated inside it. With await_direct_ms the sender
// starts once the punch settles, so the file moves on the direct path; when no punch can
// succeed it starts when the punch gives up, and never later than the bound.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import type { PeerEvent } from '../../../protocol/peer/peer.ts';
import { DirectHold } from '../../../protocol/transfer/direct-hold.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { runFileTransfer } from '../../../scenarios/transfer/punched.ts';

const nat = { local: 'x', peer: 'y' };
const punchStart = (strategy: 'simultaneous-open' | 'relay-only'): PeerEvent => ({ type: 'punch-start', peer: 'b', session: 1, controlling: true, strategy, delay_ms: 0, nat });
const reproduce = (seed: number): string => `reproduce: npx vitest run test/protocol/transfer/direct-hold.test.ts (seed ${seed})`;

describe('DirectHold', () => {
  it('starts at once without a bound, on a direct path, or with no punch running', () => {
    expect(new DirectHold(0).startNow(0, 'relay')).toBe(true);
    const h = new DirectHold(5_000);
    h.observe(punchStart('simultaneous-open'));
    expect(h.startNow(0, 'direct')).toBe(true);
    const relayOnly = new DirectHold(5_000);
    relayOnly.observe(punchStart('relay-only'));
    expect(relayOnly.startNow(0, 'relay')).toBe(true);
  });

  it('holds on the relay until the punch reaches direct, gives up, or the bound passes', () => {
    const direct = new DirectHold(5_000);
    direct.observe(punchStart('simultaneous-open'));
    expect(direct.startNow(100, 'relay')).toBe(false);
    expect(direct.deadline()).toBe(5_100);
    expect(direct.observe({ type: 'punch-failed', peer: 'b', attempts: 3 })).toBe(true);
    expect(direct.held).toBe(false);
    expect(direct.deadline()).toBeUndefined();

    const bound = new DirectHold(5_000);
    bound.observe(punchStart('simultaneous-open'));
    bound.startNow(100, 'relay');
    expect(bound.expired(5_099)).toBe(false);
    expect(bound.expired(5_100)).toBe(true);
    expect(bound.expired(9_000)).toBe(false); // once
  });

  it('refuses a bound that is not a finite number >= 0', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new DirectHold(bad)).toThrow(RangeError);
  });
});

/** An RFC 5780 rendezvous, so a symmetric sequential NAT is met with port prediction (slower than the relay). */
const rfc5780 = { alternate: addr('198.51.100.8', 3479) };

describe('a small transfer from a cone to a symmetric sequential NAT (the lab case rfc5780-cone-sequential)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: starts on the relay by default, on the direct path when held for the punch`, () => {
      const spec = { loss: 0, access_ms: 10, nat: 'port-restricted-cone' as const, nat_b: 'symmetric-sequential' as const, size_bytes: 4 * 1024, server: rfc5780 };
      const eager = runFileTransfer(new Simulator({ seed, scenario: 'direct-hold' }), seed, spec);
      const held = runFileTransfer(new Simulator({ seed, scenario: 'direct-hold' }), seed, { ...spec, await_direct_ms: 10_000 });
      expect(eager.sender, reproduce(seed)).toBe('ok');
      expect(eager.path_at_start, reproduce(seed)).toMatch(/^relay/);
      expect(held.sender, reproduce(seed)).toBe('ok');
      expect(held.receiver, reproduce(seed)).toBe('ok');
      expect(held.path_at_start, reproduce(seed)).toMatch(/^direct/);
      expect(held.path, reproduce(seed)).toMatch(/^direct/);
    });
  }

  it('against a random symmetric NAT the hold ends when the punch gives up, well before the bound', () => {
    const seed = 1;
    const spec = { loss: 0, access_ms: 10, nat: 'port-restricted-cone' as const, nat_b: 'symmetric' as const, size_bytes: 4 * 1024, server: rfc5780 };
    const eager = runFileTransfer(new Simulator({ seed, scenario: 'direct-hold' }), seed, spec);
    const held = runFileTransfer(new Simulator({ seed, scenario: 'direct-hold' }), seed, { ...spec, await_direct_ms: 60_000 });
    expect(held.sender, reproduce(seed)).toBe('ok');
    expect(held.path, reproduce(seed)).toMatch(/^relay/);
    expect(Number(held.sender_end_ms), reproduce(seed)).toBeGreaterThan(Number(eager.sender_end_ms));
    expect(Number(held.sender_end_ms), reproduce(seed)).toBeLessThan(30_000);
  });
});
