// Keeps text labels from piling up: a label is drawn only if its text box overlaps no label
// already drawn in the same column, whatever order labels are offered in. A column is the
// space between two neighbouring lanes (`labelColumn`): the right-hand labels of one lane
// and the left-hand labels of the next share it, so they can never overprint each other.
// Rows are whole pixels.

/** Height of one line of label text (10 px font) in pixels. */
export const LINE_PX = 11;
/** A label's box reaches this far above its baseline, and DESCENT_PX below it. */
const ASCENT_PX = 9;
const DESCENT_PX = 3;

/** The column of a label drawn to the right (or left) of a (possibly fractional) lane. */
export function labelColumn(lane: number, side: 'left' | 'right'): string {
  return `g${side === 'right' ? Math.floor(lane) : Math.ceil(lane) - 1}`;
}

export class LabelGate {
  private readonly rows = new Map<string, Set<number>>();

  /** True (and claims it) if the box [top, bottom) in `column` overlaps no admitted label. */
  admitBox(column: string, top: number, bottom: number): boolean {
    let taken = this.rows.get(column);
    if (taken === undefined) {
      taken = new Set();
      this.rows.set(column, taken);
    }
    const from = Math.floor(top);
    const to = Math.max(from + 1, Math.ceil(bottom));
    for (let r = from; r < to; r++) if (taken.has(r)) return false;
    for (let r = from; r < to; r++) taken.add(r);
    return true;
  }

  /** A label of `lines` lines whose first baseline is at `baseline`. */
  admitText(column: string, baseline: number, lines = 1): boolean {
    return this.admitBox(column, baseline - ASCENT_PX, baseline + DESCENT_PX + (lines - 1) * LINE_PX);
  }

  /** True (and claims its rows) if a label of `lines` lines centred on y overlaps no other. */
  admitLines(column: string, y: number, lines: number): boolean {
    return this.admitBox(column, y - LINE_PX / 2, y - LINE_PX / 2 + lines * LINE_PX);
  }

  /** True (and claims the row) if a one-line label centred on y overlaps no other. */
  admit(column: string, y: number): boolean {
    return this.admitLines(column, y, 1);
  }
}
