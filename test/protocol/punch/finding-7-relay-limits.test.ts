// Finding 7 of issue 9 (relay budgets renewed by reconnecting: 4 x 128 KiB in 22 s for one
// pair; and 128 KiB per circuit meant two peers behind symmetric NATs could not move 16 MiB).
// Now: rates (bytes/s per circuit and per server), a per-pair budget over a window that a new
// circuit does not renew, and a typed `relay-limit` event at both clients when a limit ends
// the relay.
import { describe, expect, it } from 'vitest';
import type { PunchEvent } from '../../../protocol/punch/punch-events.ts';
import { DEFAULT_RENDEZVOUS, type RendezvousServerConfig } from '../../../protocol/punch/rendezvous-server.ts';
import { RELAY_PAYLOAD_BYTES_MAX, type RendezvousMessage } from '../../../protocol/punch/rendezvous-wire.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { buildWorld, type Peer } from '../../../scenarios/nat-matrix/world.ts';
import { A, B, connect, register, send, server, token } from './server-harness.ts';

const MiB = 1024 * 1024;

function paired(config: Partial<RendezvousServerConfig> = {}, now = 0) {
  const s = server(config);
  register(s, now, A, 'a', token(1));
  register(s, now, B, 'b', token(2));
  connect(s, now, B, 'b', token(2), 'a', 'accept');
  return { s, session: punchSession(connect(s, now, A, 'a', token(1), 'b')) };
}

function punchSession(out: Array<{ m: RendezvousMessage }>): number {
  const m = out[0]?.m;
  if (m?.type !== 'punch') throw new Error(`no punch: ${m?.type}`);
  return m.session;
}

const frame = (session: number, n: number): RendezvousMessage => ({ type: 'relay', session, payload: new Uint8Array(n) });

describe('finding 7: relay limits are rates and windowed budgets', () => {
  it('finding-7: with default settings 16 MiB crosses the relay at the circuit rate without a limit ending it', () => {
    expect(DEFAULT_RENDEZVOUS.circuit_bytes_max).toBeGreaterThanOrEqual(4 * 16 * MiB);
    const { s, session } = paired();
    const bytes = RELAY_PAYLOAD_BYTES_MAX;
    const every_ms = ((bytes + 5) / DEFAULT_RENDEZVOUS.circuit_rate_bytes_per_s) * 1000 * 1.05; // 5% under the rate
    let delivered = 0;
    let now = 0;
    for (let sent = 0; sent < 16 * MiB; sent += bytes) {
      const out = send(s, (now += every_ms), sent % (2 * bytes) ? A : B, frame(session, bytes));
      if (out.length === 1 && out[0]!.m.type === 'relay') delivered += bytes;
    }
    expect(delivered).toBeGreaterThanOrEqual(16 * MiB);
    expect(s.stats.relay_limits).toBe(0);
    console.log(`16 MiB relayed in ${(now / 1000).toFixed(1)} s of virtual time at 95% of the default circuit rate (${DEFAULT_RENDEZVOUS.circuit_rate_bytes_per_s / MiB} MiB/s)`);
  });

  it('finding-7: faster than the circuit rate is policed (dropped, counted), not ended', () => {
    const { s, session } = paired({ circuit_rate_bytes_per_s: 100_000, circuit_burst_bytes: 10_000 });
    let forwarded = 0;
    for (let i = 0; i < 100; i++) forwarded += send(s, 0, A, frame(session, 995)).length; // 1,000-byte frames
    expect(forwarded).toBe(10);
    expect(s.counters['relay-rate-limited']).toBe(90);
    expect(send(s, 100, A, frame(session, 995))).toHaveLength(1); // 10,000 bytes/100 ms back
    expect(s.stats.relay_limits).toBe(0);
  });

  it('finding-7: the whole server is policed too', () => {
    const s = server({ relay_rate_bytes_per_s: 1_000, relay_burst_bytes: 3_000 });
    const sessions: number[] = [];
    for (const [i, j] of [[1, 2], [3, 4]]) {
      const x = { ...A, port: 1000 + i };
      const y = { ...B, port: 1000 + j };
      register(s, 0, x, `p${i}`, token(i));
      register(s, 0, y, `p${j}`, token(j));
      connect(s, 0, y, `p${j}`, token(j), `p${i}`, 'accept');
      sessions.push(punchSession(connect(s, 0, x, `p${i}`, token(i), `p${j}`)));
    }
    let forwarded = 0;
    for (let k = 0; k < 10; k++) forwarded += send(s, 1, { ...A, port: 1001 }, frame(sessions[0]!, 995)).length + send(s, 1, { ...A, port: 1003 }, frame(sessions[1]!, 995)).length;
    expect(forwarded).toBe(3);
    expect(s.counters['relay-server-rate-limited']).toBe(17);
  });

  it('finding-7: reconnecting does not renew the pair budget', () => {
    const { s, session } = paired({ circuit_bytes_max: 10_000, punch_reuse_ms: 1_000 });
    const kilobytes = (at: number, id: number, n: number): number => {
      let forwarded = 0;
      for (let i = 0; i < n; i++) forwarded += send(s, at, A, frame(id, 995)).filter((x) => x.m.type === 'relay').length;
      return forwarded;
    };
    expect(kilobytes(1, session, 6)).toBe(6);
    // A new punch (a new circuit, after the reuse window) keeps the pair's budget.
    const again = punchSession(connect(s, 5_000, A, 'a', token(1), 'b', 'dial', 77));
    expect(again).not.toBe(session);
    expect(kilobytes(5_001, again, 4)).toBe(4);
    const ended = send(s, 5_002, A, frame(again, 995));
    expect(ended.map((x) => [x.to, x.m.type === 'relay-limit' && x.m.reason])).toEqual([[A, 'budget'], [B, 'budget']]);
    // The budget comes back only when its window is over (the registrations expired meanwhile).
    const t = DEFAULT_RENDEZVOUS.circuit_window_ms + 10;
    register(s, t, A, 'a', token(1));
    register(s, t, B, 'b', token(2));
    connect(s, t, B, 'b', token(2), 'a', 'accept');
    const later = punchSession(connect(s, t, A, 'a', token(1), 'b', 'dial', 78));
    expect(kilobytes(DEFAULT_RENDEZVOUS.circuit_window_ms + 11, later, 6)).toBe(6);
  });

  it('finding-7: an id holds at most circuits_per_id_max circuits', () => {
    const s = server({ circuits_per_id_max: 2, rate_per_s: 1e9, rate_burst: 1e9 });
    register(s, 0, A, 'hub', token(1));
    for (let i = 0; i < 5; i++) {
      const y = { ...B, port: 2000 + i };
      register(s, 0, y, `s${i}`, token(2));
      connect(s, 0, y, `s${i}`, token(2), 'hub', 'accept');
      punchSession(connect(s, 0, A, 'hub', token(1), `s${i}`));
    }
    expect(s.relay.size).toBe(2);
  });
});

describe('finding 7: both clients are told why the relay ended', () => {
  it('finding-7: two symmetric NATs on a small budget: both sides emit relay-limit (budget) and drop the relay path', () => {
    const sim = new Simulator({ seed: 31 });
    const w = buildWorld(sim, 'symmetric', 'symmetric', { loss: 0, server: { circuit_bytes_max: 8_000 } });
    sim.runUntil(10_000);
    expect(w.a.client.path?.kind).toBe('relay');
    for (let i = 0; i < 20; i++) {
      w.a.command({ type: 'send', data: new Uint8Array(1_000).fill(0xc1) });
      sim.runFor(50);
    }
    const limits = (p: Peer) => p.events.filter((x) => x.event.type === 'relay-limit').map((x) => x.event as Extract<PunchEvent, { type: 'relay-limit' }>);
    expect(limits(w.a)).toEqual([{ type: 'relay-limit', peer: 'b', reason: 'budget' }]);
    expect(limits(w.b)).toEqual([{ type: 'relay-limit', peer: 'a', reason: 'budget' }]);
    expect(w.a.client.path).toBeUndefined();
    expect(w.b.client.path).toBeUndefined();
  });
});
