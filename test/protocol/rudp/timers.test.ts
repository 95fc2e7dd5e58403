// Issue 10: every rudp timer is a stored deadline compared as now >= deadline, so after
// handleTimeout(now) (and the drain) nothing is due at now. Cases where a difference-based
// deadline stayed in the past: a PTO whose back-off reached pto_max while no probe could leave,
// and a keepalive PING held back by a full congestion window. The pipe's contract checker
// (protocol/core/contract.ts) fails any test whose endpoint stays due after handleTimeout.
import { describe, expect, it } from 'vitest';
import { LossDetection } from '../../../protocol/rudp/loss-detection.ts';
import { NewReno } from '../../../protocol/rudp/newreno.ts';
import type { SentPacket } from '../../../protocol/rudp/sent-packet.ts';
import { Pipe } from './pipe.ts';

function packet(pn: number, time_sent: number): SentPacket {
  return {
    pn, time_sent, size_bytes: 1200, ackEliciting: true, inFlight: true, streamOffset: 0, streamLength: 1000, streamFin: false,
    maxData: false, close: false, pmtuProbe_bytes: 0, ackLargest: -1, delivered_bytes: 0, delivered_time: 0, firstSent_time: 0, appLimited: false,
  };
}

describe('rudp timers are stored deadlines (issue 10)', () => {
  it('issue 10: a PTO that fires with no probe sent re-arms beyond now, even at the pto_max cap', () => {
    const loss = new LossDetection(100, new NewReno({ datagram_bytes: 1200 }), 25, 400);
    loss.onSent(0, packet(0, 0));
    let now = 0;
    for (let fired = 0; fired < 20; fired++) {
      const deadline = loss.timeout()!;
      expect(deadline).toBeGreaterThan(now);
      now = deadline;
      expect(loss.onTimeout(now).probe).toBe(true);
      // No probe leaves (e.g. a draining connection): the next deadline must still lie ahead.
      expect(loss.timeout()!, `after firing ${fired + 1} times at ${now}`).toBeGreaterThan(now);
    }
    expect(loss.timeout()! - now).toBeLessThanOrEqual(400);
  });

  it('issue 10: a keepalive PING held back by a full congestion window leaves no deadline at now', () => {
    // A -> B loses everything after the handshake: A's window fills, PTO backs off far beyond
    // the keepalive interval, and the keepalive fires while A may not send.
    const pipe = new Pipe(1001, { delay_ms: 10 }, { keepalive_interval_ms: 300, pto_max_ms: 60_000, idle_timeout_ms: 20_000 });
    const a = pipe.connect();
    expect(pipe.run(() => pipe.endpoints[0].connection(a)?.state === 'established', 5_000)).toBe(true);
    pipe.links = [{ delay_ms: 10, loss: 1 }, { delay_ms: 10 }];
    pipe.endpoints[0].write(pipe.now, a, new Uint8Array(2_000_000));
    // The pipe checks the contract after every handleTimeout and throws on a violation.
    pipe.run(() => false, 15_000);
    const c = pipe.endpoints[0].connection(a)!;
    expect(c.loss.bytesInFlight).toBeGreaterThanOrEqual(c.cc.window_bytes() - 1200);
    expect(c.state).toBe('established');
  });

  it('after the drain deadline a finished connection has no deadline and is forgotten', () => {
    const pipe = new Pipe(1002, { delay_ms: 5 }, { drain_ms: 500 });
    const a = pipe.connect();
    pipe.run(() => pipe.events[1].some((e) => e.type === 'connected'), 5_000);
    const b = pipe.events[1].find((e) => e.type === 'connected')!.conn;
    pipe.endpoints[0].close(pipe.now, a);
    pipe.endpoints[1].close(pipe.now, b);
    pipe.drain();
    pipe.run(() => pipe.endpoints[0].connectionCount === 0 && pipe.endpoints[1].connectionCount === 0, 10_000);
    expect(pipe.endpoints[0].connectionCount + pipe.endpoints[1].connectionCount).toBe(0);
    expect(pipe.endpoints[0].pollTimeout()).toBeUndefined();
  });

  it('issue 10: a pacing wake-up is never armed at now (float rounding at a large clock and a tiny RTT)', () => {
    // At now = 1e15 ms one ulp is 0.125 ms; on a zero-delay link the RTT floor (0.001 ms)
    // makes the pacing rate so high that `now + deficit / rate` rounds back to now.
    const pipe = new Pipe(1003, { delay_ms: 0 });
    pipe.now = 1e15;
    const a = pipe.connect();
    pipe.run(() => pipe.endpoints[0].connection(a)?.state === 'established', 5_000);
    pipe.endpoints[0].write(pipe.now, a, new Uint8Array(4_000_000));
    let received = 0;
    const b = pipe.events[1].find((e) => e.type === 'connected')!.conn;
    // The pipe's contract checker throws if a deadline is left at now after handleTimeout.
    pipe.run(() => {
      for (let c = pipe.endpoints[1].read(b); c; c = pipe.endpoints[1].read(b)) received += c.byteLength;
      return received === 4_000_000;
    }, 5_000);
    expect(received).toBe(4_000_000);
  });
});
