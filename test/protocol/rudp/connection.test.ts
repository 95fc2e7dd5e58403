// End-to-end behaviour of two endpoints over the seeded pipe: handshake, identities,
// transfer integrity, close, datagrams, rekeying, rebinding.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { Pipe, seededRng } from './pipe.ts';
import { transfer } from './transfer.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('rudp connection', () => {
  it('handshakes and exchanges identities', () => {
    const pipe = new Pipe(1, { delay_ms: 10 });
    pipe.connect();
    pipe.run(() => pipe.events[1].some((e) => e.type === 'connected'));
    const a = pipe.events[0].find((e) => e.type === 'connected');
    const b = pipe.events[1].find((e) => e.type === 'connected');
    expect(a && a.type === 'connected' && a.peer).toBe(pipe.endpoints[1].publicKeyHex);
    expect(b && b.type === 'connected' && b.peer).toBe(pipe.endpoints[0].publicKeyHex);
  });

  it('moves 1 MiB intact over a clean link and closes both ways', () => {
    const pipe = new Pipe(2, { delay_ms: 10, bandwidth_bps: 50e6, queue_bytes: 200_000 });
    const data = seededRng(3).nextBytes(1 << 20);
    const r = transfer(pipe, data);
    expect(r.done).toBe(true);
    expect(hex(sha256(r.received))).toBe(hex(sha256(data)));
    expect(r.clientClosed && 'error' in r.clientClosed ? r.clientClosed.error : undefined).toBeUndefined();
  });

  it('moves 512 KiB intact through 10% loss, duplication and reordering', () => {
    const pipe = new Pipe(4, { delay_ms: 15, jitter_ms: 5, loss: 0.1, duplicate: 0.1, reorder: 0.1, reorder_delay_ms: 20 });
    const data = seededRng(5).nextBytes(512 * 1024);
    const r = transfer(pipe, data);
    expect(r.done).toBe(true);
    expect(hex(sha256(r.received))).toBe(hex(sha256(data)));
  });
});

describe('rudp connection features', () => {
  const up = (pipe: Pipe): void => {
    pipe.connect();
    pipe.run(() => pipe.events[1].some((e) => e.type === 'connected'), 5_000);
  };
  const serverConn = (pipe: Pipe): number => {
    const e = pipe.events[1].find((x) => x.type === 'connected');
    return e && e.type === 'connected' ? e.conn : -1;
  };
  const clientConn = (pipe: Pipe): number => {
    const e = pipe.events[0].find((x) => x.type === 'connected');
    return e && e.type === 'connected' ? e.conn : -1;
  };

  it('delivers datagrams beside a blocked stream and refuses oversize ones', () => {
    const pipe = new Pipe(31, { delay_ms: 10 }, { stream_window_bytes: 64 * 1024 });
    up(pipe);
    const [client, server] = pipe.endpoints;
    const c = clientConn(pipe);
    // Fill the stream: the receiver never reads, so flow control blocks it.
    client.write(pipe.now, c, new Uint8Array(512 * 1024));
    pipe.run(() => false, 2_000);
    for (let i = 0; i < 5; i++) expect(client.sendDatagram(pipe.now, c, Uint8Array.of(i, 1, 2, 3))).toBe(true);
    expect(client.sendDatagram(pipe.now, c, new Uint8Array(5000))).toBe(false);
    pipe.drain();
    pipe.run(() => false, 500);
    const got: number[] = [];
    for (let d = server.readDatagram(serverConn(pipe)); d; d = server.readDatagram(serverConn(pipe))) got.push(d[0]!);
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps message boundaries in message mode', () => {
    const pipe = new Pipe(32, { delay_ms: 5, loss: 0.05 }, { mode: 'message' });
    up(pipe);
    const [client, server] = pipe.endpoints;
    const sizes = [0, 1, 1000, 5000, 70_000, 3];
    for (const [i, size] of sizes.entries()) expect(client.sendMessage(pipe.now, clientConn(pipe), new Uint8Array(size).fill(i))).toBe(true);
    pipe.drain();
    const got: Uint8Array[] = [];
    pipe.run(() => {
      for (let m = server.readMessage(serverConn(pipe)); m; m = server.readMessage(serverConn(pipe))) got.push(m);
      return got.length === sizes.length;
    }, 20_000);
    expect(got.map((m) => m.byteLength)).toEqual(sizes);
    got.forEach((m, i) => expect(m.every((b) => b === i)).toBe(true));
  });

  it('rekeys both directions after the message limit and keeps the stream intact', () => {
    const pipe = new Pipe(33, { delay_ms: 5, reorder: 0.05, reorder_delay_ms: 5 }, { rekey_after_messages: 100 });
    const data = seededRng(34).nextBytes(600 * 1024);
    const r = transfer(pipe, data);
    expect(r.done).toBe(true);
    expect(hex(sha256(r.received))).toBe(hex(sha256(data)));
    const rekeys = pipe.events[0].filter((e) => e.type === 'rekeyed').length;
    expect(rekeys).toBeGreaterThanOrEqual(4);
    expect(pipe.events[1].some((e) => e.type === 'rekeyed' && e.direction === 'receive')).toBe(true);
  });

  it('follows the peer to a new address (NAT rebinding) mid-transfer', () => {
    const pipe = new Pipe(35, { delay_ms: 10 });
    const data = seededRng(36).nextBytes(1 << 20);
    let moved = false;
    const original = pipe.onEvent;
    void original;
    const r = (() => {
      const run = pipe.run.bind(pipe);
      pipe.run = (done, limit) =>
        run(() => {
          if (!moved && pipe.now > 100) {
            moved = true;
            pipe.addrs[0] = { ...pipe.addrs[0], port: 40_001 };
          }
          return done();
        }, limit);
      return transfer(pipe, data);
    })();
    expect(moved).toBe(true);
    expect(hex(sha256(r.received))).toBe(hex(sha256(data)));
    expect(pipe.events[1].some((e) => e.type === 'path-changed' && e.to.endsWith(':40001'))).toBe(true);
  });

  it('aborts: the peer sees peer-aborted', () => {
    const pipe = new Pipe(37, { delay_ms: 10 });
    up(pipe);
    pipe.endpoints[0].abort(pipe.now, clientConn(pipe), 'bye');
    pipe.drain();
    pipe.run(() => pipe.events[1].some((e) => e.type === 'closed'), 2_000);
    const closed = pipe.events[1].find((e) => e.type === 'closed');
    expect(closed && closed.type === 'closed' && closed.error).toBe('peer-aborted');
  });

  it('times out after the idle timeout when the path dies, but survives a shorter outage', () => {
    const pipe = new Pipe(38, { delay_ms: 10 }, { idle_timeout_ms: 5_000, keepalive_interval_ms: 1_000 });
    up(pipe);
    // 3 s outage: keepalives resume afterwards, nobody times out.
    pipe.links = [{ delay_ms: 10, loss: 1 }, { delay_ms: 10, loss: 1 }];
    pipe.run(() => false, 3_000);
    pipe.links = [{ delay_ms: 10 }, { delay_ms: 10 }];
    pipe.run(() => false, 6_000);
    expect(pipe.events[0].some((e) => e.type === 'closed')).toBe(false);
    // Permanent outage: idle timeout.
    pipe.links = [{ delay_ms: 10, loss: 1 }, { delay_ms: 10, loss: 1 }];
    pipe.run(() => pipe.events[0].some((e) => e.type === 'closed'), 10_000);
    const closed = pipe.events[0].find((e) => e.type === 'closed');
    expect(closed && closed.type === 'closed' && closed.error).toBe('idle-timeout');
  });

  it('emits stats samples with the RFC 9002 fields', () => {
    const pipe = new Pipe(39, { delay_ms: 20, bandwidth_bps: 10e6, queue_bytes: 100_000 });
    transfer(pipe, new Uint8Array(300 * 1024));
    const stats = pipe.events[0].filter((e) => e.type === 'stats');
    expect(stats.length).toBeGreaterThan(2);
    const last = stats[stats.length - 1]!;
    if (last.type !== 'stats') throw new Error('unreachable');
    expect(last.min_rtt_ms).toBeGreaterThanOrEqual(40);
    expect(last.srtt_ms).toBeGreaterThanOrEqual(last.min_rtt_ms);
    expect(last.cwnd_bytes).toBeGreaterThanOrEqual(2400);
    for (const key of ['rttvar_ms', 'bytes_in_flight', 'lost', 'retransmitted'] as const) expect(typeof last[key]).toBe('number');
  });
});

describe('rudp path-MTU probing', () => {
  it('climbs to the largest size the path carries and keeps the stream intact', () => {
    const pipe = new Pipe(41, { delay_ms: 5, mtu_bytes: 5000 }, { pmtu_probe_max_bytes: 65_000 });
    const data = seededRng(42).nextBytes(1 << 20);
    const r = transfer(pipe, data);
    expect(hex(sha256(r.received))).toBe(hex(sha256(data)));
    const sizes = pipe.events[0].flatMap((e) => (e.type === 'pmtu' ? [e.datagram_bytes] : []));
    expect(sizes).toEqual([1452, 2048, 4096]);
  });
});

describe('rudp congestion controllers', () => {
  it('BBR-style treats random loss as noise: far above NewReno at 3% loss, stream intact', () => {
    const link = { delay_ms: 20, bandwidth_bps: 20e6, queue_bytes: 100_000, loss: 0.03 };
    const data = seededRng(51).nextBytes(1 << 20);
    const reno = transfer(new Pipe(52, link, { congestion: 'newreno' }), data, 600_000);
    const bbr = transfer(new Pipe(52, link, { congestion: 'bbr' }), data, 600_000);
    expect(hex(sha256(reno.received))).toBe(hex(sha256(data)));
    expect(hex(sha256(bbr.received))).toBe(hex(sha256(data)));
    expect(bbr.elapsed_ms * 3).toBeLessThan(reno.elapsed_ms);
  });
});
