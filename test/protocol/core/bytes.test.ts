// concatBytes: order, empties, and a part list far longer than any argument limit.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { concatBytes } from '../../../protocol/core/bytes.ts';

describe('concatBytes', () => {
  test.prop([fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 20 })])('equals the flattened parts', (parts) => {
    expect([...concatBytes(parts)]).toEqual(parts.flatMap((part) => [...part]));
  });

  it('handles 300,000 parts (one per packet of a large capture)', () => {
    const parts = Array.from({ length: 300_000 }, (_, i) => Uint8Array.of(i & 0xff));
    const joined = concatBytes(parts);
    expect(joined.byteLength).toBe(300_000);
    expect(joined[299_999]).toBe(299_999 & 0xff);
  });
});
