// The sending half of the ordered byte stream: a bounded buffer of written bytes, kept
// until acknowledged, with the ranges lost in flight queued for retransmission (under
// fresh packet numbers). Chunks are referenced, not copied, until they go into a packet.
import { RangeSet } from './range-set.ts';

export interface Segment {
  readonly offset: number;
  readonly length: number;
  readonly fin: boolean;
  readonly retransmission: boolean;
}

export class SendStream {
  private chunks: Uint8Array[] = [];
  private chunkStarts: number[] = [];
  private head = 0;
  /** Everything below is acknowledged and freed. */
  private ackedOffset = 0;
  /** End of the bytes written by the application. */
  private writeOffset = 0;
  /** Next byte never sent before. */
  private nextOffset = 0;
  private readonly lost = new RangeSet();
  private readonly acked = new RangeSet();
  private finOffset: number | undefined;
  private finSent = false;
  private finLost = false;
  private finAckedFlag = false;

  constructor(readonly capacity_bytes: number) {}

  get buffered_bytes(): number {
    return this.writeOffset - this.ackedOffset;
  }

  get available_bytes(): number {
    return this.finOffset !== undefined ? 0 : Math.max(0, this.capacity_bytes - this.buffered_bytes);
  }

  get written_bytes(): number {
    return this.writeOffset;
  }

  /** Every stream byte below this offset is acknowledged (and freed). */
  get ackedBelow(): number {
    return this.ackedOffset;
  }

  get sentOffset(): number {
    return this.nextOffset;
  }

  get finished(): boolean {
    return this.finOffset !== undefined;
  }

  get finAcked(): boolean {
    return this.finAckedFlag;
  }

  /** Everything written (and the FIN, if any) has been acknowledged. */
  get allAcked(): boolean {
    return this.ackedOffset === this.writeOffset && (this.finOffset === undefined || this.finAckedFlag);
  }

  /** Accepts up to available_bytes; returns how many bytes were taken (the data is kept by reference). */
  write(data: Uint8Array): number {
    const take = Math.min(data.byteLength, this.available_bytes);
    if (take === 0) return 0;
    this.chunks.push(take === data.byteLength ? data : data.subarray(0, take));
    this.chunkStarts.push(this.writeOffset);
    this.writeOffset += take;
    return take;
  }

  finish(): void {
    if (this.finOffset === undefined) this.finOffset = this.writeOffset;
  }

  /** Something is waiting to be sent (lost data, new data, or a FIN). */
  hasPending(flowLimit: number): boolean {
    if (!this.lost.isEmpty() || this.finLost) return true;
    if (this.nextOffset < this.writeOffset && this.nextOffset < flowLimit) return true;
    return this.finOffset !== undefined && !this.finSent && this.nextOffset === this.finOffset;
  }

  hasRetransmission(): boolean {
    return !this.lost.isEmpty() || this.finLost;
  }

  /** The next segment to send, at most `max_bytes` long; retransmissions first. */
  nextSegment(max_bytes: number, flowLimit: number): Segment | undefined {
    if (!this.lost.isEmpty()) {
      const start = this.lost.start(0);
      const end = Math.min(this.lost.end(0), start + max_bytes);
      this.lost.remove(start, end);
      const fin = this.finOffset === end && this.finLost;
      if (fin) this.finLost = false;
      return { offset: start, length: end - start, fin, retransmission: true };
    }
    if (this.finLost && this.finOffset !== undefined) {
      this.finLost = false;
      return { offset: this.finOffset, length: 0, fin: true, retransmission: true };
    }
    const limit = Math.min(this.writeOffset, flowLimit);
    if (this.nextOffset < limit && max_bytes > 0) {
      const start = this.nextOffset;
      const end = Math.min(limit, start + max_bytes);
      this.nextOffset = end;
      const fin = this.finOffset === end;
      if (fin) this.finSent = true;
      return { offset: start, length: end - start, fin, retransmission: false };
    }
    if (this.finOffset !== undefined && !this.finSent && this.nextOffset === this.finOffset) {
      this.finSent = true;
      return { offset: this.finOffset, length: 0, fin: true, retransmission: false };
    }
    return undefined;
  }

  /** Copies stream bytes [offset, offset+length) into `out` at `at`. */
  copyInto(offset: number, length: number, out: Uint8Array, at: number): void {
    // Binary search for the chunk holding `offset`.
    let lo = this.head;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunkStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    let remaining = length;
    let position = offset;
    for (let i = lo; remaining > 0; i++) {
      const chunk = this.chunks[i]!;
      const from = position - this.chunkStarts[i]!;
      const take = Math.min(chunk.byteLength - from, remaining);
      out.set(chunk.subarray(from, from + take), at);
      at += take;
      position += take;
      remaining -= take;
    }
  }

  onAcked(offset: number, length: number, fin: boolean): void {
    if (fin) {
      this.finAckedFlag = true;
      this.finLost = false;
    }
    if (length === 0) return;
    const end = offset + length;
    this.lost.remove(offset, end);
    if (end <= this.ackedOffset) return;
    this.acked.add(Math.max(offset, this.ackedOffset), end);
    if (this.acked.start(0) === this.ackedOffset) {
      this.ackedOffset = this.acked.end(0);
      this.acked.shiftFirst();
      this.release();
    }
  }

  onLost(offset: number, length: number, fin: boolean): void {
    if (fin && !this.finAckedFlag) this.finLost = true;
    const end = offset + length;
    let start = Math.max(offset, this.ackedOffset);
    if (start >= end) return;
    // Only re-send what is not already acknowledged.
    for (let i = 0; i < this.acked.size && start < end; i++) {
      const s = this.acked.start(i);
      const e = this.acked.end(i);
      if (e <= start) continue;
      if (s >= end) break;
      if (s > start) this.lost.add(start, s);
      start = Math.max(start, e);
    }
    if (start < end) this.lost.add(start, end);
  }

  private release(): void {
    while (this.head < this.chunks.length) {
      const end = this.chunkStarts[this.head]! + this.chunks[this.head]!.byteLength;
      if (end > this.ackedOffset) break;
      this.head++;
    }
    if (this.head > 1024 || (this.head > 0 && this.head === this.chunks.length)) {
      this.chunks = this.chunks.slice(this.head);
      this.chunkStarts = this.chunkStarts.slice(this.head);
      this.head = 0;
    }
  }
}
