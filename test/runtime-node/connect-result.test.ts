// How `peerlab connect` names the way a FileTransfer ended (the `--json` `error` field): a
// relay limit is `relay-limit` on whichever side reports it (issue 9, finding 7), a silent
// peer is `peer-gone`, a refused identity keeps its own kinds, and every transfer verdict is a
// `transfer` failure that keeps the machine's typed error.
import { describe, expect, it } from 'vitest';
import type { TransferEnd } from '../../protocol/transfer/events.ts';
import { failureOf } from '../../runtime-node/connect-result.ts';

const context = { peer: 'bob', idle_timeout_ms: 3_000, tried: ['registered'] };

function end(fields: Partial<TransferEnd>): TransferEnd {
  return { type: 'transfer-end', role: 'receiver', ok: false, size_bytes: 10, bytes: 5, confirmed: false, ...fields };
}

describe('failureOf', () => {
  it('relay-limit on either side, with the relay\'s reason', () => {
    for (const role of ['sender', 'receiver'] as const) {
      const failure = failureOf(end({ role, error: 'relay-limit', message: 'the relay cut the circuit (budget)' }), context);
      expect(failure.kind).toBe('relay-limit');
      expect(failure.transfer_error).toBe('relay-limit');
      expect(failure.message).toMatch(/relay limit: .*budget/);
      expect(failure.tried).toEqual(['registered']);
    }
    // The other side's abort naming the relay limit reads the same.
    expect(failureOf(end({ error: 'relay-limit', transport: 'peer-aborted', message: 'relay-limit: the relay cut the circuit' }), context).kind).toBe('relay-limit');
  });

  it('transport endings keep their kinds', () => {
    expect(failureOf(end({ error: 'timeout', transport: 'idle-timeout' }), context)).toMatchObject({ kind: 'peer-gone', message: expect.stringMatching(/went silent.*3000 ms/) });
    expect(failureOf(end({ error: 'transport', transport: 'identity-mismatch' }), context).kind).toBe('identity-mismatch');
    expect(failureOf(end({ error: 'transport', transport: 'peer-rejected' }), context).kind).toBe('rejected');
    expect(failureOf(end({ error: 'peer-aborted', transport: 'peer-aborted', message: 'gone' }), context)).toMatchObject({ kind: 'peer-gone', message: expect.stringMatching(/aborted the session: gone/) });
    expect(failureOf(end({ error: 'timeout', message: 'no progress for 60000 ms' }), context).kind).toBe('timeout');
  });

  it('verdicts are transfer failures that keep the typed error', () => {
    for (const error of ['hash-mismatch', 'size-mismatch', 'refused', 'protocol-violation'] as const) {
      const failure = failureOf(end({ error, message: 'why' }), context);
      expect(failure.kind).toBe('transfer');
      expect(failure.transfer_error).toBe(error);
      expect(failure.message).toBe(`${error}: why`);
    }
  });
});
