// A set of integers kept as sorted, disjoint, half-open ranges [start, end). It backs the
// received-packet set (ACK ranges), lost and acknowledged stream ranges.

export class RangeSet {
  /** starts[i] < ends[i] <= starts[i+1] is never equal (adjacent ranges are merged). */
  private starts: number[] = [];
  private ends: number[] = [];

  get size(): number {
    return this.starts.length;
  }

  isEmpty(): boolean {
    return this.starts.length === 0;
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.ends[i]!;
  }

  /** Index of the first range whose end >= value (ranges that touch or follow value). */
  private lowerIndex(value: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(value: number): boolean {
    const i = this.lowerIndex(value + 1);
    return i < this.starts.length && this.starts[i]! <= value;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const n = this.starts.length;
    // Fast path: append or extend the last range (in-order arrival).
    if (n === 0 || start > this.ends[n - 1]!) {
      this.starts.push(start);
      this.ends.push(end);
      return;
    }
    if (start >= this.starts[n - 1]!) {
      if (end > this.ends[n - 1]!) this.ends[n - 1] = end;
      return;
    }
    const first = this.lowerIndex(start);
    let last = first;
    let newStart = start;
    let newEnd = end;
    while (last < n && this.starts[last]! <= end) {
      newStart = Math.min(newStart, this.starts[last]!);
      newEnd = Math.max(newEnd, this.ends[last]!);
      last++;
    }
    this.starts.splice(first, last - first, newStart);
    this.ends.splice(first, last - first, newEnd);
  }

  remove(start: number, end: number): void {
    if (end <= start || this.starts.length === 0) return;
    const first = this.lowerIndex(start + 1);
    const newStarts: number[] = [];
    const newEnds: number[] = [];
    let last = first;
    while (last < this.starts.length && this.starts[last]! < end) {
      const s = this.starts[last]!;
      const e = this.ends[last]!;
      if (s < start) {
        newStarts.push(s);
        newEnds.push(start);
      }
      if (e > end) {
        newStarts.push(end);
        newEnds.push(e);
      }
      last++;
    }
    if (last === first) return;
    this.starts.splice(first, last - first, ...newStarts);
    this.ends.splice(first, last - first, ...newEnds);
  }

  /** Drops everything below `value`. */
  removeBelow(value: number): void {
    let i = 0;
    while (i < this.starts.length && this.ends[i]! <= value) i++;
    if (i > 0) {
      this.starts.splice(0, i);
      this.ends.splice(0, i);
    }
    if (this.starts.length > 0 && this.starts[0]! < value) this.starts[0] = value;
  }

  /** Keeps only the `count` highest ranges (bounds memory of the received-packet set). */
  keepHighest(count: number): void {
    const excess = this.starts.length - count;
    if (excess > 0) {
      this.starts.splice(0, excess);
      this.ends.splice(0, excess);
    }
  }

  shiftFirst(): [number, number] | undefined {
    if (this.starts.length === 0) return undefined;
    return [this.starts.shift()!, this.ends.shift()!];
  }

  clear(): void {
    this.starts = [];
    this.ends = [];
  }
}
