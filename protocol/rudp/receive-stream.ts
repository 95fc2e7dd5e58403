// The receiving half of the ordered byte stream: reassembles out-of-order segments within
// the advertised flow-control window, hands contiguous bytes to the application, and says
// when to advertise a larger window. Memory is bounded by the window.
export type ReceiveResult = 'ok' | 'flow-control' | 'final-size';

interface Pending {
  offset: number;
  data: Uint8Array;
}

export class ReceiveStream {
  /** Bytes handed to the application. */
  private readOffset = 0;
  /** Bytes received contiguously from 0. */
  private contiguousEnd = 0;
  private ready: Uint8Array[] = [];
  private readyHead = 0;
  private pending: Pending[] = [];
  private finOffset: number | undefined;
  /** Highest offset the peer may send up to (advertised). */
  maxData: number;
  private advertised: number;

  constructor(readonly window_bytes: number) {
    this.maxData = window_bytes;
    this.advertised = window_bytes;
  }

  get readable_bytes(): number {
    return this.contiguousEnd - this.readOffset;
  }

  /** Bytes held out of order, waiting for a hole to fill (each offset at most once). */
  get pending_bytes(): number {
    let sum = 0;
    for (const p of this.pending) sum += p.data.byteLength;
    return sum;
  }

  get received_bytes(): number {
    return this.contiguousEnd;
  }

  /** The peer's FIN has arrived and every byte before it too. */
  get complete(): boolean {
    return this.finOffset !== undefined && this.contiguousEnd === this.finOffset;
  }

  /** complete, and the application has read everything. */
  get ended(): boolean {
    return this.complete && this.readOffset === this.finOffset;
  }

  onData(offset: number, data: Uint8Array, fin: boolean): ReceiveResult {
    const end = offset + data.byteLength;
    if (end > this.maxData) return 'flow-control';
    if (fin) {
      if (this.finOffset !== undefined && this.finOffset !== end) return 'final-size';
      if (end < this.contiguousEnd) return 'final-size';
      this.finOffset = end;
    }
    if (this.finOffset !== undefined && end > this.finOffset) return 'final-size';
    if (end <= this.contiguousEnd || data.byteLength === 0) return 'ok';
    if (offset <= this.contiguousEnd) {
      this.push(data.subarray(this.contiguousEnd - offset));
      this.drainPending();
      return 'ok';
    }
    this.insertPending(offset, data);
    return 'ok';
  }

  private push(data: Uint8Array): void {
    this.ready.push(data);
    this.contiguousEnd += data.byteLength;
  }

  /**
   * Keeps each stream offset once: a segment is trimmed to what no earlier pending segment
   * covers, and later segments it covers entirely are dropped, so pending entries stay
   * disjoint and their bytes never exceed the window, however the peer overlaps its frames
   * (thin-stream bundling re-sends bytes on purpose).
   */
  private insertPending(offset: number, data: Uint8Array): void {
    const list = this.pending;
    // Common case: appended at the end (in order after a hole).
    let i = list.length;
    while (i > 0 && list[i - 1]!.offset > offset) i--;
    let end = offset + data.byteLength;
    if (i > 0) {
      const prevEnd = list[i - 1]!.offset + list[i - 1]!.data.byteLength;
      if (prevEnd >= end) return;
      if (prevEnd > offset) {
        data = data.subarray(prevEnd - offset);
        offset = prevEnd;
      }
    }
    let covered = 0;
    while (i + covered < list.length) {
      const next = list[i + covered]!;
      if (next.offset + next.data.byteLength > end) break;
      covered++;
    }
    const next = list[i + covered];
    if (next !== undefined && next.offset < end) {
      data = data.subarray(0, next.offset - offset);
      end = next.offset;
    }
    if (data.byteLength === 0 && covered === 0) return;
    if (data.byteLength === 0) list.splice(i, covered);
    else list.splice(i, covered, { offset, data });
  }

  private drainPending(): void {
    const list = this.pending;
    let i = 0;
    while (i < list.length && list[i]!.offset <= this.contiguousEnd) {
      const { offset, data } = list[i]!;
      const end = offset + data.byteLength;
      if (end > this.contiguousEnd) this.push(data.subarray(this.contiguousEnd - offset));
      i++;
    }
    if (i > 0) list.splice(0, i);
  }

  /** Up to `max_bytes` of contiguous data (a view, no copy when one chunk suffices). */
  read(max_bytes = Infinity): Uint8Array | undefined {
    if (this.readable_bytes === 0) return undefined;
    const first = this.ready[this.readyHead]!;
    let out: Uint8Array;
    if (first.byteLength <= max_bytes) {
      out = first;
      this.readyHead++;
    } else {
      out = first.subarray(0, max_bytes);
      this.ready[this.readyHead] = first.subarray(max_bytes);
    }
    this.readOffset += out.byteLength;
    if (this.readyHead > 1024 || this.readyHead === this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
    return out;
  }

  /** Copies exactly `count` bytes out if that many are readable (message mode), else undefined. */
  readExact(count: number): Uint8Array | undefined {
    if (this.readable_bytes < count) return undefined;
    const out = new Uint8Array(count);
    let at = 0;
    while (at < count) {
      const chunk = this.read(count - at)!;
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }

  /** Copies up to `count` readable bytes without consuming them. */
  peek(count: number): Uint8Array {
    const out = new Uint8Array(Math.min(count, this.readable_bytes));
    let at = 0;
    for (let i = this.readyHead; at < out.byteLength; i++) {
      const chunk = this.ready[i]!;
      const take = Math.min(chunk.byteLength, out.byteLength - at);
      out.set(chunk.subarray(0, take), at);
      at += take;
    }
    return out;
  }

  /** A new MAX_DATA to advertise, when half the window has been consumed since the last one. */
  windowUpdate(): number | undefined {
    const target = this.readOffset + this.window_bytes;
    if (target - this.advertised >= this.window_bytes / 2) {
      this.advertised = target;
      this.maxData = target;
      return target;
    }
    return undefined;
  }
}
