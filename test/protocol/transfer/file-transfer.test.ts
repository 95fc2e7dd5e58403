// FileTransfer (Peer + one transfer side) under the machine contract: a stranger's datagrams
// (random bytes, bytes in the transport's and the punch client's first-byte ranges), any
// command at any time and timers, all through CheckedMachine — nothing throws, a deadline is
// never still due after handleTimeout(now), and no stranger can make a transfer succeed.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { CheckedMachine } from '../../../protocol/core/checked-machine.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { Peer } from '../../../protocol/peer/peer.ts';
import type { TransferCommand, TransferEvent } from '../../../protocol/transfer/events.ts';
import { FileTransfer, type TransferPlan } from '../../../protocol/transfer/file-transfer.ts';
import { testRng } from '../core/test-rng.ts';

const LOCAL = addr('10.0.0.2', 5000);
const SERVER = addr('198.51.100.7', 3478);

function machine(seed: number, plan: TransferPlan): FileTransfer {
  const rng = testRng(seed);
  const peer = new Peer({ id: 'me', token: rng.nextBytes(16), server: SERVER, local: LOCAL, connect_to: 'you', staticSecret: rng.nextBytes(32), crypto: nobleCrypto, rng });
  // Half the seeds hold the sender's start for the punch (direct-hold.ts), so its deadline is fuzzed too.
  return new FileTransfer({ peer, plan, config: { progress_timeout_ms: 5_000, close_timeout_ms: 1_000 }, await_direct_ms: seed % 2 === 0 ? 2_000 : 0 });
}

const datagram = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }),
  fc.tuple(fc.integer({ min: 0xc0, max: 0xcf }), fc.uint8Array({ maxLength: 300 })).map(([b, rest]) => Uint8Array.of(b, ...rest)),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 120 })).map(([b, rest]) => Uint8Array.of(b, ...rest)),
);
const command: fc.Arbitrary<TransferCommand> = fc.oneof(
  fc.uint8Array({ maxLength: 100 }).map((data) => ({ type: 'data' as const, data })),
  fc.constant({ type: 'accept' as const }),
  fc.constant({ type: 'committed' as const }),
  fc.string({ maxLength: 20 }).map((reason) => ({ type: 'refuse' as const, reason })),
  fc.string({ maxLength: 20 }).map((message) => ({ type: 'source-failed' as const, message })),
  fc.constant({ type: 'abort' as const }),
);
const step = fc.oneof(
  fc.record({ kind: fc.constant('datagram' as const), data: datagram, port: fc.integer({ min: 1, max: 65535 }) }),
  fc.record({ kind: fc.constant('command' as const), command }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
);

describe('FileTransfer under the contract', () => {
  it.prop([fc.integer({ min: 1, max: 1 << 30 }), fc.constantFrom<TransferPlan['kind']>('send', 'receive', 'session-only'), fc.array(step, { maxLength: 60 })], { numRuns: 150 })(
    'strangers, commands and timers: nothing throws, deadlines move past now, no stranger makes it succeed',
    (seed, kind, steps) => {
      const plan: TransferPlan = kind === 'send' ? { kind, offer: { name: 'f', size_bytes: 1000, sha256: new Uint8Array(32) } } : { kind };
      const inner = machine(seed, plan);
      const m = new CheckedMachine<TransferCommand, TransferEvent>(inner, `file-transfer seed ${seed}`);
      const events: TransferEvent[] = [];
      let now = 0;
      const drain = (): void => {
        while (m.pollTransmit());
        for (let e = m.pollEvent(); e; e = m.pollEvent()) events.push(e);
        m.pollTimeout();
      };
      for (const s of steps) {
        if (s.kind === 'datagram') m.handleDatagram(now, addr('203.0.113.66', s.port), s.data, LOCAL);
        else if (s.kind === 'command') m.handleCommand(now, s.command);
        else {
          now += s.ms;
          const at = m.pollTimeout();
          if (at !== undefined && now >= at) m.handleTimeout(now);
        }
        drain();
      }
      expect(events.some((e) => e.type === 'transfer-end' && e.ok)).toBe(false);
      expect(events.filter((e) => e.type === 'transfer-end').length).toBeLessThanOrEqual(1);
      expect(inner.ended ? 1 : 0).toBe(events.filter((e) => e.type === 'transfer-end').length);
    },
  );
});
