// The simulator's event queue: a binary min-heap ordered by (time, insertion sequence), so
// events at equal times pop in the order they were scheduled. It is an indexed heap over
// "slots": a slot is a small integer the owner keeps (a packet in flight, a machine's timer),
// and the heap stores only slot numbers while times, sequence numbers and heap positions live
// in parallel typed arrays. That keeps the hot path free of per-event allocation, and the
// position index lets a machine's one timer move (reschedule) in O(log n) instead of leaving
// stale entries behind.
//
// Lanes: most events are datagrams crossing fixed-latency links, scheduled at now + d for a
// handful of distinct d. Events with the same d, scheduled as the clock moves forward, are
// already in (time, insertion) order, so each d gets a FIFO lane and the heap holds only the
// lane's head (through a pseudo-slot). The heap then stays as small as the number of lanes
// plus the odd timer, while the pop order is exactly the one a plain heap would give.

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
/** pos[] of a slot waiting in a lane rather than in the heap. */
const IN_LANE = -2;
/** Bound on lanes (distinct delays); later delays use the heap directly. */
export const lanes_max = 4096;
const lane_entries_initial = 64;

/** A FIFO of slots scheduled with one delay: a ring buffer of (slot, time, seq). */
class Lane {
  slots = new Int32Array(lane_entries_initial);
  times = new Float64Array(lane_entries_initial);
  seqs = new Float64Array(lane_entries_initial);
  head = 0;
  count = 0;
  constructor(readonly pseudoSlot: number) {}

  get tailTime(): number {
    return this.count === 0 ? -Infinity : this.times[(this.head + this.count - 1) & (this.slots.length - 1)]!;
  }

  push(slot: number, time: number, seq: number): void {
    if (this.count === this.slots.length) this.grow();
    const at = (this.head + this.count++) & (this.slots.length - 1);
    this.slots[at] = slot;
    this.times[at] = time;
    this.seqs[at] = seq;
  }

  /** Removes the head; the caller has read it. */
  shift(): void {
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count--;
  }

  private grow(): void {
    const n = this.slots.length;
    const slots = new Int32Array(n * 2);
    const times = new Float64Array(n * 2);
    const seqs = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const from = (this.head + i) & (n - 1);
      slots[i] = this.slots[from]!;
      times[i] = this.times[from]!;
      seqs[i] = this.seqs[from]!;
    }
    this.slots = slots;
    this.times = times;
    this.seqs = seqs;
    this.head = 0;
  }
}

export class EventQueue {
  // Heap order lives in three arrays indexed by heap position (keys beside the slot, so a
  // sift compares adjacent memory); `pos` maps a slot back to its heap position.
  private heapSlot: Int32Array;
  private heapTime: Float64Array;
  private heapSeq: Float64Array;
  private pos: Int32Array;
  private freeSlots: Int32Array;
  /** Lane index of a pseudo-slot, -1 for ordinary slots. */
  private laneOf: Int32Array;
  private readonly lanes: Lane[] = [];
  private readonly laneByDelay = new Map<number, Lane>();
  private laneEntries = 0;
  private freeCount = 0;
  private slotsUsed = 0;
  private length = 0;
  private seqNext = 0;
  /** Time of the entry popped last. */
  poppedTime = 0;

  constructor(readonly slots_max = events_pending_max_default) {
    const n = Math.min(slots_initial, slots_max);
    this.heapSlot = new Int32Array(n);
    this.heapTime = new Float64Array(n);
    this.heapSeq = new Float64Array(n);
    this.pos = new Int32Array(n).fill(NOT_QUEUED);
    this.freeSlots = new Int32Array(n);
    this.laneOf = new Int32Array(n).fill(-1);
  }

  /** Entries currently queued (in the heap or in lanes; lane pseudo-slots not counted). */
  get size(): number {
    return this.length - this.laneHeads + this.laneEntries;
  }

  /** Lanes with entries, i.e. pseudo-slots in the heap. */
  private laneHeads = 0;

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
    if (this.pos[slot] === IN_LANE) throw new RangeError(`slot ${slot} is waiting in a lane`);
    if (this.pos[slot] !== NOT_QUEUED) this.cancel(slot);
    this.freeSlots[this.freeCount++] = slot;
  }

  isQueued(slot: number): boolean {
    return this.pos[slot] !== NOT_QUEUED;
  }

  /** Scheduled time of a slot queued with schedule() (NaN when not in the heap). */
  timeOf(slot: number): number {
    const at = this.pos[slot]!;
    return at < 0 ? NaN : this.heapTime[at]!;
  }

  /**
   * Queues a slot (not already queued) at now_ms + delay_ms through the lane for that delay.
   * Callers must pass a non-decreasing now_ms (the clock); otherwise, or when there are
   * lanes_max lanes already, it falls back to the heap with the same result.
   */
  scheduleIn(slot: number, now_ms: number, delay_ms: number): void {
    const time = now_ms + delay_ms;
    let lane = this.laneByDelay.get(delay_ms);
    if (lane === undefined) {
      if (this.lanes.length >= lanes_max) return this.schedule(slot, time);
      const pseudo = this.alloc();
      this.laneOf[pseudo] = this.lanes.length;
      lane = new Lane(pseudo);
      this.lanes.push(lane);
      this.laneByDelay.set(delay_ms, lane);
    }
    if (time < lane.tailTime || this.pos[slot] !== NOT_QUEUED) return this.schedule(slot, time);
    const seq = this.seqNext++;
    lane.push(slot, time, seq);
    this.pos[slot] = IN_LANE;
    this.laneEntries++;
    if (lane.count === 1) {
      this.laneHeads++;
      this.siftUp(this.length++, lane.pseudoSlot, time, seq);
    }
  }

  /**
   * Queues `slot` at `time`, or moves it there if already queued. Either way it takes a fresh
   * sequence number: among equal times it now sorts after everything scheduled before.
   */
  schedule(slot: number, time: number): void {
    const at = this.pos[slot]!;
    if (at === IN_LANE) throw new RangeError(`slot ${slot} is waiting in a lane`);
    const seq = this.seqNext++;
    if (at === NOT_QUEUED) {
      this.siftUp(this.length++, slot, time, seq);
    } else {
      // A fresh (time, seq) can sort earlier or later than before: try both directions.
      this.siftUp(at, slot, time, seq);
      this.siftDown(this.pos[slot]!, slot, time, seq);
    }
  }

  /** Removes a queued slot from the heap (the slot stays allocated). */
  cancel(slot: number): void {
    const at = this.pos[slot]!;
    if (at === NOT_QUEUED) return;
    if (at === IN_LANE) throw new RangeError(`slot ${slot} is waiting in a lane`);
    this.pos[slot] = NOT_QUEUED;
    const end = --this.length;
    if (at === end) return;
    const last = this.heapSlot[end]!;
    const time = this.heapTime[end]!;
    const seq = this.heapSeq[end]!;
    this.siftUp(at, last, time, seq);
    this.siftDown(this.pos[last]!, last, time, seq);
  }

  /** Earliest queued time, or Infinity when empty. */
  peekTime(): number {
    return this.length === 0 ? Infinity : this.heapTime[0]!;
  }

  /** Removes the earliest entry and returns its slot (-1 when empty); see poppedTime. */
  pop(): number {
    if (this.length === 0) return NOT_QUEUED;
    let top = this.heapSlot[0]!;
    this.poppedTime = this.heapTime[0]!;
    const laneIndex = this.laneOf[top]!;
    if (laneIndex >= 0) {
      const lane = this.lanes[laneIndex]!;
      top = lane.slots[lane.head]!;
      lane.shift();
      this.laneEntries--;
      this.pos[top] = NOT_QUEUED;
      if (lane.count > 0) {
        // The lane's next entry becomes its key: it can only sort later, so sift down.
        const h = lane.head;
        this.siftDown(0, lane.pseudoSlot, lane.times[h]!, lane.seqs[h]!);
        return top;
      }
      this.laneHeads--;
      this.pos[lane.pseudoSlot] = NOT_QUEUED;
    } else {
      this.pos[top] = NOT_QUEUED;
    }
    const end = --this.length;
    if (end > 0) this.siftDown(0, this.heapSlot[end]!, this.heapTime[end]!, this.heapSeq[end]!);
    return top;
  }

  /** Places (slot, t, s) at hole `i` or above it. */
  private siftUp(i: number, slot: number, t: number, s: number): void {
    const heapSlot = this.heapSlot;
    const heapTime = this.heapTime;
    const heapSeq = this.heapSeq;
    const pos = this.pos;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const tp = heapTime[parent]!;
      if (tp < t || (tp === t && heapSeq[parent]! < s)) break;
      const moved = heapSlot[parent]!;
      heapSlot[i] = moved;
      heapTime[i] = tp;
      heapSeq[i] = heapSeq[parent]!;
      pos[moved] = i;
      i = parent;
    }
    heapSlot[i] = slot;
    heapTime[i] = t;
    heapSeq[i] = s;
    pos[slot] = i;
  }

  /** Places (slot, t, s) at hole `i` or below it. */
  private siftDown(i: number, slot: number, t: number, s: number): void {
    const heapSlot = this.heapSlot;
    const heapTime = this.heapTime;
    const heapSeq = this.heapSeq;
    const pos = this.pos;
    const n = this.length;
    const half = n >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      let tc = heapTime[child]!;
      let sc = heapSeq[child]!;
      const right = child + 1;
      if (right < n) {
        const tr = heapTime[right]!;
        if (tr < tc || (tr === tc && heapSeq[right]! < sc)) {
          child = right;
          tc = tr;
          sc = heapSeq[right]!;
        }
      }
      if (t < tc || (t === tc && s < sc)) break;
      const moved = heapSlot[child]!;
      heapSlot[i] = moved;
      heapTime[i] = tc;
      heapSeq[i] = sc;
      pos[moved] = i;
      i = child;
    }
    heapSlot[i] = slot;
    heapTime[i] = t;
    heapSeq[i] = s;
    pos[slot] = i;
  }

  private grow(): void {
    const old = this.pos.length;
    if (old >= this.slots_max) throw new QueueFullError(this.slots_max);
    const n = Math.min(old * 2, this.slots_max);
    const heapSlot = new Int32Array(n);
    heapSlot.set(this.heapSlot);
    const heapTime = new Float64Array(n);
    heapTime.set(this.heapTime);
    const heapSeq = new Float64Array(n);
    heapSeq.set(this.heapSeq);
    const pos = new Int32Array(n).fill(NOT_QUEUED);
    pos.set(this.pos);
    const freeSlots = new Int32Array(n);
    freeSlots.set(this.freeSlots);
    const laneOf = new Int32Array(n).fill(-1);
    laneOf.set(this.laneOf);
    this.laneOf = laneOf;
    this.heapSlot = heapSlot;
    this.heapTime = heapTime;
    this.heapSeq = heapSeq;
    this.pos = pos;
    this.freeSlots = freeSlots;
  }
}
