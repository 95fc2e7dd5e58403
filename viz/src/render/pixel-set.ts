// A reusable set of (row, column) cells for level-of-detail drawing: "has something
// already been drawn here?" in one byte lookup, instead of hashing 100,000 keys per frame.
// Falls back to a Set when the grid would be larger than `CELLS_MAX`.

const CELLS_MAX = 8_000_000;

export class PixelSet {
  private bytes = new Uint8Array(0);
  private fallback: Set<number> | undefined;
  private cols = 1;
  private rows = 1;

  /** Empties the set and sizes it for rows x cols cells. */
  reset(rows: number, cols: number): void {
    this.rows = Math.max(1, Math.ceil(rows));
    this.cols = Math.max(1, Math.ceil(cols));
    const cells = this.rows * this.cols;
    if (cells > CELLS_MAX) {
      this.fallback = new Set();
      return;
    }
    this.fallback = undefined;
    if (this.bytes.length < cells) this.bytes = new Uint8Array(cells);
    else this.bytes.fill(0, 0, cells);
  }

  /** True if the cell was empty (and marks it); cells outside the grid always pass. */
  add(row: number, col: number): boolean {
    const r = Math.round(row);
    const c = Math.round(col);
    if (r < 0 || c < 0 || r >= this.rows || c >= this.cols) return true;
    const key = r * this.cols + c;
    if (this.fallback !== undefined) {
      if (this.fallback.has(key)) return false;
      this.fallback.add(key);
      return true;
    }
    if (this.bytes[key] === 1) return false;
    this.bytes[key] = 1;
    return true;
  }
}
