// Keeps text labels from piling up: a label is drawn only if no other label already sits
// within a line of it in the same column, whatever order labels are offered in. Columns
// are keyed by lane and side; rows are buckets one text line high.

const LINE_PX = 11;

export class LabelGate {
  private readonly rows = new Map<string, Set<number>>();

  /** True (and claims its rows) if a label of `lines` lines from y would overlap no other. */
  admitLines(column: string, y: number, lines: number): boolean {
    let taken = this.rows.get(column);
    if (taken === undefined) {
      taken = new Set();
      this.rows.set(column, taken);
    }
    const row = Math.round(y / LINE_PX);
    for (let r = row - 1; r <= row + lines; r++) if (taken.has(r)) return false;
    for (let r = row; r < row + lines; r++) taken.add(r);
    return true;
  }

  /** True (and claims the row) if a label at y in `column` would overlap no other. */
  admit(column: string, y: number): boolean {
    let taken = this.rows.get(column);
    if (taken === undefined) {
      taken = new Set();
      this.rows.set(column, taken);
    }
    const row = Math.round(y / LINE_PX);
    if (taken.has(row) || taken.has(row - 1) || taken.has(row + 1)) return false;
    taken.add(row);
    return true;
  }
}
