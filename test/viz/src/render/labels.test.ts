// Tests for the label gate: no two admitted labels in one column are closer than a line,
// in whatever order they are offered; other columns are independent.
import { expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { LabelGate } from '../../../../viz/src/render/labels.ts';

test.prop([fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.double({ min: 0, max: 500, noNaN: true })), { maxLength: 60 })])('admitted labels never overlap within a column', (offers) => {
  const gate = new LabelGate();
  const admitted: [string, number][] = offers.filter(([c, y]) => gate.admit(c, y));
  for (const [c1, y1] of admitted) {
    for (const [c2, y2] of admitted) {
      if (c1 === c2 && y1 !== y2) expect(Math.abs(y1 - y2)).toBeGreaterThan(10);
    }
  }
  if (offers.length > 0) expect(admitted.length).toBeGreaterThan(0);
});
