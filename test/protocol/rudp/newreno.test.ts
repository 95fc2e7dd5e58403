// NewReno's opt-in Careful Resume (RFC 9959): the RTT check before the jump, the paced
// unvalidated jump, validation one RTT later, and the safe retreat when the jump overran.
import { describe, expect, it } from 'vitest';
import { NewReno } from '../../../protocol/rudp/newreno.ts';
import { RttEstimator } from '../../../protocol/rudp/rtt-estimator.ts';
import type { SentPacket } from '../../../protocol/rudp/sent-packet.ts';

const MSS = 1200;
const SAVED = { cwnd_bytes: 1_000_000, rtt_ms: 50 };

function packet(pn: number, time_sent: number): SentPacket {
  return {
    pn,
    time_sent,
    size_bytes: MSS,
    ackEliciting: true,
    inFlight: true,
    streamOffset: 0,
    streamLength: MSS,
    streamFin: false,
    maxData: false,
    close: false,
    pmtuProbe_bytes: 0, ackLargest: -1,
    delivered_bytes: 0,
    delivered_time: 0,
    firstSent_time: 0,
    appLimited: false,
  };
}

function rttOf(ms: number): RttEstimator {
  const rtt = new RttEstimator(333);
  rtt.update(ms, 0);
  return rtt;
}

describe('NewReno Careful Resume', () => {
  it('keeps the RFC 9002 initial window without saved state', () => {
    expect(new NewReno({ datagram_bytes: MSS }).window_bytes()).toBe(10 * MSS);
  });

  it('jumps to half the saved window and paces it at exactly window/RTT', () => {
    const cc = new NewReno({ datagram_bytes: MSS });
    const rtt = rttOf(50);
    expect(cc.resume(50, SAVED, rtt)).toBe(true);
    expect(cc.window_bytes()).toBe(500_000);
    expect(cc.pacingRate_bytes_per_ms(rtt)).toBeCloseTo(500_000 / 50);
  });

  it('refuses the jump when the handshake RTT does not confirm the saved path', () => {
    for (const ms of [20, 600]) {
      const cc = new NewReno({ datagram_bytes: MSS });
      expect(cc.resume(50, SAVED, rttOf(ms))).toBe(false);
      expect(cc.window_bytes()).toBe(10 * MSS);
    }
    const unsampled = new NewReno({ datagram_bytes: MSS });
    expect(unsampled.resume(50, SAVED, new RttEstimator(50))).toBe(false);
  });

  it('does not grow while unvalidated, then validates and resumes slow start', () => {
    const cc = new NewReno({ datagram_bytes: MSS });
    const rtt = rttOf(50);
    cc.resume(50, SAVED, rtt);
    // An ack for a packet sent before the jump leaves the window alone.
    cc.onAck(60, [packet(0, 40)], rtt, undefined, 400_000);
    expect(cc.window_bytes()).toBe(500_000);
    cc.onSent(80);
    // First jump packet acknowledged: window = flight + slow-start growth from the acks.
    cc.onAck(100, [packet(1, 50)], rtt, undefined, 480_000);
    expect(cc.window_bytes()).toBe(480_000 + MSS);
    expect(cc.inSlowStart()).toBe(true);
  });

  it('retreats to half the delivered bytes and leaves slow start when a jump packet is lost', () => {
    const cc = new NewReno({ datagram_bytes: MSS });
    const rtt = rttOf(50);
    cc.resume(50, SAVED, rtt);
    cc.onSent(70); // the jump is still being sent when its first acks return
    const acked = Array.from({ length: 100 }, (_, i) => packet(i, 50 + i * 0.1));
    cc.onAck(100, acked, rtt, undefined, 300_000);
    cc.onLoss(110, [packet(200, 60)], false);
    expect(cc.window_bytes()).toBe((100 * MSS) / 2);
    expect(cc.inSlowStart()).toBe(false);
  });
});

describe('NewReno Conservative Slow Start (RFC 9406)', () => {
  /** Acks `count` packets one by one, each with an RTT sample of `rtt_ms`; returns the growth. */
  function ackRun(cc: NewReno, rtt: RttEstimator, from_pn: number, count: number, rtt_ms: number, now: number): number {
    const before = cc.window_bytes();
    for (let i = 0; i < count; i++) {
      rtt.update(rtt_ms, 0);
      cc.onAck(now + i, [packet(from_pn + i, now + i - rtt_ms)], rtt, undefined, 0);
    }
    return cc.window_bytes() - before;
  }

  it('a delay rise slows growth to a quarter; an RTT back below it resumes slow start (spurious)', () => {
    const cc = new NewReno({ datagram_bytes: MSS });
    const rtt = rttOf(1);
    expect(ackRun(cc, rtt, 0, 8, 1, 100)).toBe(8 * MSS); // slow start: one MSS per acked MSS
    ackRun(cc, rtt, 8, 8, 10, 200); // 8 samples 9 ms above the minimum: CSS
    expect(ackRun(cc, rtt, 16, 4, 10, 300)).toBe(MSS); // a quarter of slow start's growth
    expect(cc.inSlowStart()).toBe(true);
    ackRun(cc, rtt, 20, 8, 1, 400); // the queue was not real: the RTT is back at the minimum
    expect(ackRun(cc, rtt, 28, 4, 1, 500)).toBe(4 * MSS);
  });

  it('a second rise above the CSS baseline ends slow start (a real queue)', () => {
    const cc = new NewReno({ datagram_bytes: MSS });
    const rtt = rttOf(1);
    ackRun(cc, rtt, 0, 8, 1, 100);
    ackRun(cc, rtt, 8, 8, 10, 200);
    ackRun(cc, rtt, 16, 8, 20, 300);
    expect(cc.inSlowStart()).toBe(false);
  });
});
