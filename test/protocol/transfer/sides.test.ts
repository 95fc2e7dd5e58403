// The transfer protocol's two sides over an in-memory stream (stream-pair.ts): a file arrives
// byte for byte and both sides end ok only after the verdict, with an acknowledged end; every
// failure (hash or size mismatch, refusal, over-limit offer, garbage, a silent receiver, a
// sender that never confirms) ends BOTH sides with the same typed outcome, at the deadline
// the config names. Commands in the wrong state are refused as events, never thrown.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { resolveTransferConfig } from '../../../protocol/transfer/config.ts';
import type { TransferCommand, TransferOwnEvent } from '../../../protocol/transfer/events.ts';
import { TransferReceiver } from '../../../protocol/transfer/receiver.ts';
import { TransferSender } from '../../../protocol/transfer/sender.ts';
import { hex, utf8 } from '../../../protocol/core/bytes.ts';
import type { TransferStream } from '../../../protocol/transfer/stream.ts';
import { encodeOffer } from '../../../protocol/transfer/wire.ts';
import { runPair, sha256 } from './stream-pair.ts';

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

describe('a file moves and both sides agree', () => {
  it.prop([fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 500, max: 100_000 }), fc.integer({ min: 100, max: 70_000 }), fc.integer({ min: 100, max: 70_000 })], { numRuns: 30 })(
    'any size, chunk, read and window size: exact bytes, verdict ok, confirmed on both sides',
    (size, window, chunk, read) => {
      const data = bytes(size, size + 7);
      const r = runPair({ data, window_bytes: window, config: { chunk_bytes: chunk, read_bytes_max: read } });
      expect(r.received.byteLength).toBe(size);
      expect(Buffer.compare(r.received, data)).toBe(0);
      const sha = hex(sha256(data));
      expect(r.senderEnd).toMatchObject({ ok: true, role: 'sender', verdict: 'ok', confirmed: true, size_bytes: size, bytes: size, sha256_hex: sha });
      expect(r.receiverEnd).toMatchObject({ ok: true, role: 'receiver', verdict: 'ok', confirmed: true, size_bytes: size, bytes: size, sha256_hex: sha });
      // The receiver asked its application to store the file before the verdict went out.
      expect(r.receiver.map((e) => e.type)).toContain('verified');
      expect(r.sender.filter((e) => e.type === 'command-refused')).toEqual([]);
      expect(r.now).toBe(0); // nothing waited for a deadline
    },
  );
});

describe('failures end both sides with the same typed outcome', () => {
  const data = bytes(100_000);

  it('hash-mismatch: the sender offers a sha256 the bytes do not have', () => {
    const r = runPair({ data, offer: { sha256: new Uint8Array(32).fill(7) } });
    expect(r.receiverEnd).toMatchObject({ ok: false, error: 'hash-mismatch', verdict: 'hash-mismatch', confirmed: true });
    expect(r.senderEnd).toMatchObject({ ok: false, error: 'hash-mismatch', verdict: 'hash-mismatch', confirmed: true });
    expect(r.receiver.map((e) => e.type)).not.toContain('verified');
    expect(r.senderEnd?.message).toContain(hex(sha256(data)));
  });

  it('size-mismatch: the sender cannot read its file past 40 000 bytes', () => {
    const r = runPair({ data, failAfter_bytes: 40_000, config: { chunk_bytes: 10_000 } });
    expect(r.receiverEnd).toMatchObject({ ok: false, error: 'size-mismatch', bytes: 40_000, confirmed: true });
    expect(r.senderEnd).toMatchObject({ ok: false, error: 'size-mismatch', verdict: 'size-mismatch' });
    expect(r.senderEnd?.message).toMatch(/40000 of 100000 bytes.*disk gone/);
  });

  it('refused: the receiving application says no; the sender stops asking for data', () => {
    const r = runPair({ data, decide: 'refuse', window_bytes: 8_000, config: { chunk_bytes: 4_000 } });
    expect(r.receiverEnd).toMatchObject({ ok: false, error: 'refused', confirmed: true });
    expect(r.senderEnd).toMatchObject({ ok: false, error: 'refused', verdict: 'refused' });
    expect(r.senderEnd?.message).toContain('no thanks');
    expect(r.sender.filter((e) => e.type === 'need-data').length).toBeLessThan(5);
  });

  it('refused: an offer above size_bytes_max is refused without asking the application', () => {
    const r = runPair({ data, config: { size_bytes_max: 99_999 } });
    expect(r.receiver.map((e) => e.type)).not.toContain('offer');
    expect(r.receiverEnd).toMatchObject({ ok: false, error: 'refused' });
    expect(r.senderEnd).toMatchObject({ ok: false, error: 'refused' });
    expect(r.senderEnd?.message).toMatch(/larger than this receiver accepts/);
  });

  it('protocol-violation: garbage instead of an offer; the sender side sees the abort', () => {
    const r = runPair({ data, rawSender: utf8('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(4)) });
    expect(r.receiverEnd).toMatchObject({ ok: false, error: 'protocol-violation' });
    expect(r.receiverEnd?.message).toMatch(/offer\.magic/);
    expect(r.now).toBe(0); // refused at the first six bytes, not after a timeout
  });

  it('timeout: a receiver that never answers the offer ends the sender within two progress timeouts', () => {
    const r = runPair({ data, decide: 'ignore', window_bytes: 10_000, config: { progress_timeout_ms: 5_000 } });
    expect(r.senderEnd).toMatchObject({ ok: false, error: 'timeout' });
    // Progress is sampled at the deadline: the offer's bytes were read (progress) before the
    // first check at 5 s, so the check at 10 s is the one that finds none.
    expect(r.now).toBe(10_000);
    // The receiver learns it from the sender's abort, with the reason.
    expect(r.receiverEnd).toMatchObject({ ok: false, error: 'peer-aborted', transport: 'peer-aborted' });
    expect(r.receiverEnd?.message).toMatch(/^timeout: no progress/);
  });

  it('a sender that never confirms the verdict: the receiver keeps its verified file and ends at close_timeout_ms, unconfirmed', () => {
    // The receiver gets the sender's readable events but not its end of stream.
    const r = runPair({ data, cutReceiverEventsAfter: 0, config: { close_timeout_ms: 1_500 } });
    expect(r.receiverEnd).toMatchObject({ ok: true, verdict: 'ok', confirmed: false });
    expect(r.senderEnd).toMatchObject({ ok: true, confirmed: true });
    expect(r.now).toBe(1_500);
  });
});

describe('commands never throw', () => {
  const commands: fc.Arbitrary<TransferCommand> = fc.oneof(
    fc.uint8Array({ maxLength: 5000 }).map((data) => ({ type: 'data' as const, data })),
    fc.constant({ type: 'accept' as const }),
    fc.constant({ type: 'committed' as const }),
    fc.string().map((reason) => ({ type: 'refuse' as const, reason })),
    fc.string().map((message) => ({ type: 'source-failed' as const, message })),
    fc.string().map((message) => ({ type: 'commit-failed' as const, message })),
    fc.constant({ type: 'abort' as const }),
  );
  const inert: TransferStream = { write: (_n, d) => d.byteLength, read: () => undefined, end: () => {}, abort: () => {}, deliveredBytes: () => 0 };

  it.prop([fc.array(fc.tuple(commands, fc.integer({ min: 0, max: 200_000 })), { maxLength: 30 }), fc.boolean()], { numRuns: 300 })(
    'any command at any time is handled or refused as an event; deadlines move past now after handleTimeout',
    (script, sending) => {
      const config = resolveTransferConfig({ progress_timeout_ms: 30_000, close_timeout_ms: 2_000 });
      const events: TransferOwnEvent[] = [];
      const side = sending
        ? new TransferSender(config, inert, (e) => void events.push(e), { name: 'x', size_bytes: 10_000, sha256: new Uint8Array(32) })
        : new TransferReceiver(config, inert, (e) => void events.push(e));
      let now = 0;
      side.start(now);
      for (const [command, dt] of [...script].sort((a, b) => a[1] - b[1])) {
        now = Math.max(now, dt);
        const at = side.deadline();
        if (at !== undefined && now >= at) {
          side.handleTimeout(now);
          const after = side.deadline();
          expect(after === undefined || after > now, `deadline ${after} at ${now}`).toBe(true);
        }
        side.handleCommand(now, command);
      }
      expect(events.filter((e) => e.type === 'transfer-end').length).toBeLessThanOrEqual(1);
    },
  );

  it('a data command nobody asked for is refused, not taken', () => {
    const events: TransferOwnEvent[] = [];
    const sender = new TransferSender(resolveTransferConfig(), { write: () => 0, read: () => undefined, end: () => {}, abort: () => {}, deliveredBytes: () => 0 }, (e) => void events.push(e), {
      name: 'x',
      size_bytes: 5,
      sha256: new Uint8Array(32),
    });
    sender.handleCommand(0, { type: 'data', data: new Uint8Array(5) });
    expect(events).toEqual([{ type: 'command-refused', command: 'data', reason: 'no data was asked for' }]);
    expect(encodeOffer({ name: 'x', size_bytes: 5, sha256: new Uint8Array(32) }).byteLength).toBeGreaterThan(0);
  });
});
