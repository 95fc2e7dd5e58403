// Keeps text labels from piling up: a label is drawn only if it sits at least one line
// below the last label drawn in the same column. Columns are keyed by lane and side.

const LINE_PX = 11;

export class LabelGate {
  private readonly lastY = new Map<string, number>();

  /** True (and remembers y) if a label at y in `column` would not overlap the previous one. */
  admit(column: string, y: number): boolean {
    const last = this.lastY.get(column);
    if (last !== undefined && Math.abs(y - last) < LINE_PX) return false;
    this.lastY.set(column, y);
    return true;
  }
}
