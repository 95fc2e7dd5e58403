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
