// A binary min-heap of table entries ordered by (deadline, insertion order), used to expire
// NAT sessions in time order. Refreshing a session must be O(1) on the hot path, so entries
// are NOT re-keyed when refreshed: the owner re-pushes an entry whose real expiry moved
// later when it surfaces (lazy re-keying, amortised O(log n) per timeout period).
// Ties pop in insertion order so expiry events come out the same on every run.

export class ExpiryQueue<T> {
  private deadlines: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  push(item: T, deadline: number): void {
    let i = this.items.length;
    const seq = this.nextSeq++;
    this.deadlines.push(deadline);
    this.seqs.push(seq);
    this.items.push(item);
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(deadline, seq, this.deadlines[parent]!, this.seqs[parent]!)) break;
      this.move(parent, i);
      i = parent;
    }
    this.place(i, deadline, seq, item);
  }

  /** Deadline of the first entry, or Infinity when empty. */
  peekDeadline(): number {
    return this.items.length === 0 ? Infinity : this.deadlines[0]!;
  }

  peekItem(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const count = this.items.length;
    if (count === 0) return undefined;
    const top = this.items[0]!;
    const lastDeadline = this.deadlines.pop()!;
    const lastSeq = this.seqs.pop()!;
    const lastItem = this.items.pop()!;
    if (count === 1) return top;
    // Sift the former last entry down from the root.
    const size = count - 1;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (right < size && this.before(this.deadlines[right]!, this.seqs[right]!, this.deadlines[left]!, this.seqs[left]!)) child = right;
      if (!this.before(this.deadlines[child]!, this.seqs[child]!, lastDeadline, lastSeq)) break;
      this.move(child, i);
      i = child;
    }
    this.place(i, lastDeadline, lastSeq, lastItem);
    return top;
  }

  private before(d1: number, s1: number, d2: number, s2: number): boolean {
    return d1 < d2 || (d1 === d2 && s1 < s2);
  }

  private move(from: number, to: number): void {
    this.deadlines[to] = this.deadlines[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.items[to] = this.items[from]!;
  }

  private place(i: number, deadline: number, seq: number, item: T): void {
    this.deadlines[i] = deadline;
    this.seqs[i] = seq;
    this.items[i] = item;
  }
}
