// RFC 8489 section 6.2.1 retransmission: with RTO 500 ms, Rc 7 and Rm 16 the requests leave at
// 0, 500, 1500, 3500, 7500, 15500 and 31500 ms and the transaction fails at 39500 ms.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { RFC8489_POLICY, StunTransactions, TransactionTableFull } from '../../../protocol/punch/stun-transactions.ts';
import { decodeStun, encodeStun } from '../../../protocol/punch/stun-codec.ts';

const SERVER = addr('198.51.100.7', 3478);

describe('StunTransactions', () => {
  it('follows the RFC schedule and fails at 39.5 s', () => {
    const table = new StunTransactions<string>();
    const tid = new Uint8Array(12).fill(1);
    const sends: number[] = [0];
    table.start(0, tid, new Uint8Array(20), SERVER, 'x', RFC8489_POLICY);
    let failedAt: number | undefined;
    for (let now = 0; now <= 40_000 && failedAt === undefined; now = table.nextDeadline() ?? 50_000) {
      const failed = table.expire(now, () => sends.push(now));
      if (failed.length) failedAt = now;
    }
    expect(sends).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(failedAt).toBe(39_500);
  });

  it('matches a response by transaction id and measures RTT (Karn: from the last send)', () => {
    const table = new StunTransactions<string>();
    const tid = new Uint8Array(12).fill(9);
    table.start(100, tid, new Uint8Array(20), SERVER, 'mine', RFC8489_POLICY);
    table.expire(600, () => {});
    const response = decodeStun(encodeStun({ method: 1, cls: 'success', transactionId: tid, attributes: [] }));
    expect(table.match(650, response)).toEqual({ tag: 'mine', rtt_ms: 50, retransmitted: true });
    expect(table.match(650, response)).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('is bounded', () => {
    const table = new StunTransactions<number>(2);
    table.start(0, new Uint8Array(12).fill(1), new Uint8Array(20), SERVER, 1, RFC8489_POLICY);
    table.start(0, new Uint8Array(12).fill(2), new Uint8Array(20), SERVER, 2, RFC8489_POLICY);
    expect(() => table.start(0, new Uint8Array(12).fill(3), new Uint8Array(20), SERVER, 3, RFC8489_POLICY)).toThrow(TransactionTableFull);
  });
});
