// fast-check arbitraries for the rendezvous wire messages, shared by the codec and server tests.
import { fc } from '@fast-check/vitest';
import type { RendezvousMessage } from '../../../protocol/punch/rendezvous-wire.ts';
import type { NatReport } from '../../../protocol/punch/nat-report.ts';

const arbAddr = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 })).map(([a, b, port]) => ({ family: 4 as const, ip: `10.${a}.${b}.1`, port })),
  fc.integer({ min: 0, max: 65535 }).map((port) => ({ family: 6 as const, ip: '2001:db8::1', port })),
);
const arbNat: fc.Arbitrary<NatReport> = fc.record({
  mapping: fc.constantFrom('unknown', 'endpoint-independent', 'address-dependent', 'address-and-port-dependent'),
  filtering: fc.constantFrom('unknown', 'endpoint-independent', 'address-dependent', 'address-and-port-dependent'),
  allocation: fc.constantFrom('unknown', 'preserve', 'sequential', 'random'),
  delta: fc.integer({ min: -100, max: 100 }),
  open: fc.boolean(),
});
const arbId = fc.string({ minLength: 1, maxLength: 16 });
const arbCandidates = fc.array(fc.record({ kind: fc.constantFrom('host', 'reflexive', 'predicted', 'relay'), addr: arbAddr }), { maxLength: 8 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const key = fc.uint8Array({ minLength: 8, maxLength: 8 });

export const arbMessage: fc.Arbitrary<RendezvousMessage> = fc.oneof(
  fc.record({ type: fc.constant('register' as const), nonce: u32, cookie: fc.uint8Array({ minLength: 16, maxLength: 16 }), id: arbId, token: fc.uint8Array({ minLength: 16, maxLength: 16 }), rtt_ms: fc.integer({ min: 0, max: 65535 }), nat: arbNat, candidates: arbCandidates }),
  fc.record({ type: fc.constant('registered' as const), nonce: u32, observed: arbAddr, ttl_ms: u32 }),
  fc.record({ type: fc.constant('connect' as const), nonce: u32, id: arbId, token: fc.uint8Array({ minLength: 16, maxLength: 16 }), target: arbId, mode: fc.constantFrom('dial' as const, 'accept' as const) }),
  fc.record({
    type: fc.constant('punch' as const), nonce: u32, session: u32, key, peer: arbId, controlling: fc.boolean(), delay_ms: fc.integer({ min: 0, max: 100000 }),
    peer_observed: arbAddr, nat: arbNat, candidates: arbCandidates,
  }),
  fc.record({ type: fc.constant('error' as const), nonce: u32, code: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('probe' as const), session: u32, key, tx: u32, flags: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('probe-ack' as const), session: u32, key, tx: u32, observed: arbAddr }),
  fc.record({ type: fc.constant('relay' as const), session: u32, payload: fc.uint8Array({ maxLength: 1400 }) }),
  fc.record({ type: fc.constant('lookup' as const), nonce: u32, id: arbId, token: fc.uint8Array({ minLength: 16, maxLength: 16 }), target: arbId }),
  fc.record({ type: fc.constant('peer' as const), nonce: u32, peer: arbId, observed: arbAddr, nat: arbNat, candidates: arbCandidates }),
  fc.record({ type: fc.constant('cookie' as const), nonce: u32, cookie: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  fc.record({ type: fc.constant('relay-limit' as const), session: u32, key, reason: fc.constantFrom('budget' as const, 'duration' as const) }),
  fc.record({ type: fc.constant('repunch' as const), session: u32, key, candidate: arbAddr }),
);

