// The integrity property: over any link with loss, duplication, reordering and corruption
// up to 30% each, a stream either arrives exactly (sha256-equal) or the connection fails
// with an explicit error. Never silent corruption, never a hang without an error.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { Pipe, seededRng } from './pipe.ts';
import { transfer } from './transfer.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const p30 = fc.double({ min: 0, max: 0.3, noNaN: true });

describe('rudp over a hostile link', () => {
  it.prop(
    [fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 96 * 1024 }), p30, p30, p30, p30, fc.integer({ min: 1, max: 80 })],
    { numRuns: 25 },
  )('delivers exactly or fails explicitly', (seed, size, loss, duplicate, reorder, corrupt, delay_ms) => {
    const pipe = new Pipe(seed, { delay_ms, jitter_ms: delay_ms / 4, loss, duplicate, reorder, reorder_delay_ms: delay_ms, corrupt }, { idle_timeout_ms: 20_000 });
    const data = seededRng(seed).nextBytes(size);
    const r = transfer(pipe, data, 300_000);
    const errors = [...pipe.events[0], ...pipe.events[1]].filter((e) => e.type === 'closed' && e.error);
    if (r.done && errors.length === 0) {
      expect(hex(sha256(r.received))).toBe(hex(sha256(data)));
    } else {
      // Not finished: someone must have said why.
      expect(errors.length).toBeGreaterThan(0);
      // And whatever did arrive is a prefix of what was sent.
      expect(hex(r.received)).toBe(hex(data.subarray(0, r.received.byteLength)));
    }
  });
});
