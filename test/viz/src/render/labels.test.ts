// Tests for the label gate: no two admitted labels in one column are closer than a line,
// in whatever order they are offered; other columns are independent.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { LabelGate, labelColumn } from '../../../../viz/src/render/labels.ts';

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

describe('label columns (issue 14 defect 5)', () => {
  it('the right-hand labels of one lane and the left-hand labels of the next share one column', () => {
    expect(labelColumn(2, 'right')).toBe(labelColumn(3, 'left'));
    expect(labelColumn(2, 'left')).not.toBe(labelColumn(2, 'right'));
    // a drop drawn half way between lanes 2 and 3 labels into that same column
    expect(labelColumn(2.5, 'right')).toBe(labelColumn(3, 'left'));
  });

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom<'left' | 'right'>('left', 'right'), fc.double({ min: 0, max: 300, noNaN: true }), fc.integer({ min: 1, max: 2 })), { maxLength: 50 })])(
    'admitted text boxes never overlap in a column, whichever lane and side offered them',
    (offers) => {
      const gate = new LabelGate();
      const boxes: [string, number, number][] = [];
      for (const [lane, side, baseline, lines] of offers) {
        const column = labelColumn(lane, side);
        if (gate.admitText(column, baseline, lines)) boxes.push([column, Math.floor(baseline - 9), Math.ceil(baseline + 3 + (lines - 1) * 11)]);
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [c1, t1, b1] = boxes[i]!;
          const [c2, t2, b2] = boxes[j]!;
          if (c1 === c2) expect(t1 < b2 && t2 < b1, `boxes ${t1}..${b1} and ${t2}..${b2} overlap in ${c1}`).toBe(false);
        }
      }
    },
  );
});
