// Introducer frames: exact round trips, and any bytes decode to a frame or a named problem
// (never an exception).
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { decodeFrame, encodeFrame, FRAME } from '../../../protocol/overlay/introducer-wire.ts';

describe('introducer frames', () => {
  it.prop([fc.uint8Array({ minLength: 15, maxLength: 15 }), fc.uint8Array({ minLength: 32, maxLength: 32 })])('round-trip', (digest, key) => {
    expect(decodeFrame(encodeFrame({ type: 'ring', to: digest }))).toEqual({ type: 'ring', to: digest });
    expect(decodeFrame(encodeFrame({ type: 'absent', to: digest }))).toEqual({ type: 'absent', to: digest });
    expect(decodeFrame(encodeFrame({ type: 'rung', from: key }))).toEqual({ type: 'rung', from: key });
  });

  it.prop([fc.uint8Array({ maxLength: 64 })])('arbitrary bytes give a frame of exact length or a problem', (data) => {
    const frame = decodeFrame(data);
    if (typeof frame === 'string') {
      expect(['empty', 'unknown-type', 'bad-length']).toContain(frame);
      return;
    }
    expect(data[0]).toBe(FRAME[frame.type]);
    expect(data.byteLength).toBe(frame.type === 'rung' ? 33 : 16);
  });

  it('names each problem', () => {
    expect(decodeFrame(new Uint8Array(0))).toBe('empty');
    expect(decodeFrame(Uint8Array.of(0x09, 1, 2))).toBe('unknown-type');
    expect(decodeFrame(Uint8Array.of(FRAME.ring, 1, 2))).toBe('bad-length');
    expect(() => encodeFrame({ type: 'ring', to: new Uint8Array(3) })).toThrow(RangeError);
  });
});
