// A trace sink that writes JSONL straight into a byte buffer and hands out full chunks (for a
// runner to append to a file). The Tracer writes its hot records (send, nat, deliver, drop)
// field by field into the buffer, so a traced datagram costs no string and no object; other
// records arrive as lines or objects and are encoded here. The bytes are identical to
// JSON.stringify of the same record plus "\n" (a test holds it to that).
import { utf8, utf8Into } from '../protocol/core/bytes.ts';
import type { TraceRecord, TraceSink } from './trace.ts';

export const chunk_bytes_default = 256 * 1024;
/** Room a hot record needs besides its node and link names (4 IPv6 addresses at most). */
export const hot_record_bytes_max = 640;

/** Pieces up to this long are copied byte by byte; longer ones with TypedArray.set. */
const bytes_copy_loop_max = 16;

export class ChunkSink implements TraceSink {
  private readonly buffer: Uint8Array;
  used = 0;
  /** Bytes handed to output so far. */
  written = 0;
  lines = 0;

  constructor(
    /** Receives each full chunk; the view is only valid during the call (copy to keep it). */
    private readonly output: (chunk: Uint8Array) => void,
    readonly chunk_bytes = chunk_bytes_default,
  ) {
    if (chunk_bytes < 4 * hot_record_bytes_max) throw new RangeError(`chunk_bytes ${chunk_bytes} is too small`);
    this.buffer = new Uint8Array(chunk_bytes);
  }

  write(record: TraceRecord): void {
    this.writeLine(JSON.stringify(record));
  }

  writeLine(line: string): void {
    this.lines++;
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    if (line.length * 3 + 1 > this.chunk_bytes - this.used) {
      this.flush();
      if (line.length * 3 + 1 > this.chunk_bytes) {
        this.emit(utf8(line + '\n'));
        return;
      }
    }
    this.used += utf8Into(line, this.buffer.subarray(this.used));
    this.buffer[this.used++] = 10;
  }

  /** Makes room for `bytes` more bytes (flushing if needed) before a field-by-field record. */
  reserve(bytes: number): void {
    if (bytes > this.chunk_bytes - this.used) this.flush();
  }

  /** Appends an ASCII string (the caller knows it is ASCII and JSON-safe). */
  ascii(text: string): void {
    const b = this.buffer;
    let at = this.used;
    for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
    this.used = at;
  }

  bytes(data: Uint8Array): void {
    const n = data.length;
    if (n > bytes_copy_loop_max) {
      this.buffer.set(data, this.used);
      this.used += n;
      return;
    }
    const b = this.buffer;
    let at = this.used;
    for (let i = 0; i < n; i++) b[at++] = data[i]!;
    this.used = at;
  }

  /** Appends a finite number as JSON.stringify writes it. */
  number(value: number): void {
    if (value >= 0 && value < 1e15 && Math.floor(value) === value) this.digits(value);
    else this.ascii(String(value));
  }

  /** Appends a non-negative integer below 2^53. */
  digits(value: number): void {
    const b = this.buffer;
    if (value < 10) {
      b[this.used++] = 48 + value;
      return;
    }
    if (value > 0x7fff_ffff) {
      this.ascii(String(value));
      return;
    }
    // 31-bit integer arithmetic: the common case (ids, ports, sizes, whole-ms times).
    let v = value | 0;
    let length = 1;
    for (let w = v; w >= 10; w = (w / 10) | 0) length++;
    const start = this.used;
    let at = start + length;
    this.used = at;
    while (at > start) {
      const q = (v / 10) | 0;
      b[--at] = 48 + v - q * 10;
      v = q;
    }
  }

  /** Ends a record line. */
  endLine(): void {
    this.buffer[this.used++] = 10;
    this.lines++;
  }

  flush(): void {
    if (this.used === 0) return;
    this.emit(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private emit(chunk: Uint8Array): void {
    this.written += chunk.byteLength;
    this.output(chunk);
  }
}

/** UTF-8 bytes of a JSON string literal (quotes included). */
export function quotedBytes(text: string): Uint8Array {
  return utf8(JSON.stringify(text));
}

export function asciiBytes(text: string): Uint8Array {
  return utf8(text);
}
