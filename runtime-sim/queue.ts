// The simulator's event queue: a binary min-heap ordered by (time, insertion sequence), so
// events at equal times pop in the order they were scheduled. It is an indexed heap over
// "slots": a slot is a small integer the owner keeps (a packet in flight, a machine's timer),
// and the heap stores only slot numbers while times, sequence numbers and heap positions live
// in parallel typed arrays. That keeps the hot path free of per-event allocation, and the
// position index lets a machine's one timer move (reschedule) in O(log n) instead of leaving
// stale entries behind.

export class QueueFullError extends Error {
  constructor(readonly slots_max: number) {
    super(`event queue full: ${slots_max} slots in use (events_pending_max)`);
    this.name = 'QueueFullError';
  }
}

/** Slots a fresh queue has room for before it grows (doubling). */
const slots_initial = 1024;
/** Default bound on slots in use (pending events plus reserved timers). */
export const events_pending_max_default = 16_000_000;

const NOT_QUEUED = -1;

export class EventQueue {
  private heap: Int32Array;
  private time: Float64Array;
  private seq: Float64Array;
  private pos: Int32Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotsUsed = 0;
  private length = 0;
  private seqNext = 0;
  /** Time of the entry popped last. */
  poppedTime = 0;

  constructor(readonly slots_max = events_pending_max_default) {
    const n = Math.min(slots_initial, slots_max);
    this.heap = new Int32Array(n);
    this.time = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.pos = new Int32Array(n).fill(NOT_QUEUED);
    this.freeSlots = new Int32Array(n);
  }

  /** Entries currently queued. */
  get size(): number {
    return this.length;
  }

  /** Slots handed out and not yet freed. */
  get slotsInUse(): number {
    return this.slotsUsed - this.freeCount;
  }

  /** Reserves a slot number; the caller maps it to whatever the event means. */
  alloc(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    if (this.slotsUsed === this.pos.length) this.grow();
    return this.slotsUsed++;
  }

  /** Returns a slot for reuse; it is removed from the heap if queued. */
  free(slot: number): void {
    if (this.pos[slot] !== NOT_QUEUED) this.cancel(slot);
    this.freeSlots[this.freeCount++] = slot;
  }

  isQueued(slot: number): boolean {
    return this.pos[slot] !== NOT_QUEUED;
  }

  /** Scheduled time of a queued slot (NaN when not queued). */
  timeOf(slot: number): number {
    return this.pos[slot] === NOT_QUEUED ? NaN : this.time[slot]!;
  }

  /**
   * Queues `slot` at `time`, or moves it there if already queued. Either way it takes a fresh
   * sequence number: among equal times it now sorts after everything scheduled before.
   */
  schedule(slot: number, time: number): void {
    const at = this.pos[slot]!;
    this.time[slot] = time;
    this.seq[slot] = this.seqNext++;
    if (at === NOT_QUEUED) {
      const i = this.length++;
      this.siftUp(i, slot);
    } else {
      // A fresh (time, seq) can sort earlier or later than before: try both directions.
      this.siftUp(at, slot);
      this.siftDown(this.pos[slot]!, slot);
    }
  }

  /** Removes a queued slot from the heap (the slot stays allocated). */
  cancel(slot: number): void {
    const at = this.pos[slot]!;
    if (at === NOT_QUEUED) return;
    this.pos[slot] = NOT_QUEUED;
    const last = this.heap[--this.length]!;
    if (at === this.length) return;
    this.siftUp(at, last);
    this.siftDown(this.pos[last]!, last);
  }

  /** Earliest queued time, or Infinity when empty. */
  peekTime(): number {
    return this.length === 0 ? Infinity : this.time[this.heap[0]!]!;
  }

  /** Removes the earliest entry and returns its slot (-1 when empty); see poppedTime. */
  pop(): number {
    if (this.length === 0) return NOT_QUEUED;
    const heap = this.heap;
    const top = heap[0]!;
    this.poppedTime = this.time[top]!;
    this.pos[top] = NOT_QUEUED;
    const last = heap[--this.length]!;
    if (this.length > 0) this.siftDown(0, last);
    return top;
  }

  private less(a: number, b: number): boolean {
    const ta = this.time[a]!;
    const tb = this.time[b]!;
    return ta < tb || (ta === tb && this.seq[a]! < this.seq[b]!);
  }

  /** Places `slot` at hole `i` or above it. */
  private siftUp(i: number, slot: number): void {
    const heap = this.heap;
    const pos = this.pos;
    const time = this.time;
    const seq = this.seq;
    const t = time[slot]!;
    const s = seq[slot]!;
    while (i > 0) {
      const parentAt = (i - 1) >> 1;
      const parent = heap[parentAt]!;
      const tp = time[parent]!;
      if (tp < t || (tp === t && seq[parent]! < s)) break;
      heap[i] = parent;
      pos[parent] = i;
      i = parentAt;
    }
    heap[i] = slot;
    pos[slot] = i;
  }

  /** Places `slot` at hole `i` or below it. */
  private siftDown(i: number, slot: number): void {
    const heap = this.heap;
    const pos = this.pos;
    const time = this.time;
    const seq = this.seq;
    const n = this.length;
    const t = time[slot]!;
    const s = seq[slot]!;
    const half = n >> 1;
    while (i < half) {
      let childAt = 2 * i + 1;
      let child = heap[childAt]!;
      const rightAt = childAt + 1;
      if (rightAt < n) {
        const right = heap[rightAt]!;
        if (this.less(right, child)) {
          childAt = rightAt;
          child = right;
        }
      }
      const tc = time[child]!;
      if (t < tc || (t === tc && s < seq[child]!)) break;
      heap[i] = child;
      pos[child] = i;
      i = childAt;
    }
    heap[i] = slot;
    pos[slot] = i;
  }

  private grow(): void {
    const old = this.pos.length;
    if (old >= this.slots_max) throw new QueueFullError(this.slots_max);
    const n = Math.min(old * 2, this.slots_max);
    const heap = new Int32Array(n);
    heap.set(this.heap);
    const time = new Float64Array(n);
    time.set(this.time);
    const seq = new Float64Array(n);
    seq.set(this.seq);
    const pos = new Int32Array(n).fill(NOT_QUEUED);
    pos.set(this.pos);
    const freeSlots = new Int32Array(n);
    freeSlots.set(this.freeSlots);
    this.heap = heap;
    this.time = time;
    this.seq = seq;
    this.pos = pos;
    this.freeSlots = freeSlots;
  }
}
