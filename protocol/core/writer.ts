// Bounded big-endian writer. It grows up to `limit_bytes` and refuses to go past it, so an
// encoder can never build a datagram larger than the path allows.
import { utf8 } from './bytes.ts';

export class EncodeLimitError extends Error {
  constructor(readonly limit_bytes: number, readonly wanted_bytes: number) {
    super(`encode would exceed ${limit_bytes} bytes (wanted ${wanted_bytes})`);
    this.name = 'EncodeLimitError';
  }
}

export class Writer {
  private buffer: Uint8Array;
  private view: DataView;
  private offset = 0;
  readonly limit_bytes: number;

  constructor(limit_bytes = 65_507, initial_bytes = Math.min(limit_bytes, 256)) {
    this.limit_bytes = limit_bytes;
    this.buffer = new Uint8Array(initial_bytes);
    this.view = new DataView(this.buffer.buffer);
  }

  get length(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.limit_bytes - this.offset;
  }

  private reserve(count: number): void {
    const wanted = this.offset + count;
    if (wanted > this.limit_bytes) throw new EncodeLimitError(this.limit_bytes, wanted);
    if (wanted <= this.buffer.byteLength) return;
    const grown = new Uint8Array(Math.min(this.limit_bytes, Math.max(wanted, this.buffer.byteLength * 2)));
    grown.set(this.buffer.subarray(0, this.offset));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(value: number): this {
    this.reserve(1);
    this.view.setUint8(this.offset, value);
    this.offset += 1;
    return this;
  }

  u16(value: number): this {
    this.reserve(2);
    this.view.setUint16(this.offset, value);
    this.offset += 2;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.view.setUint32(this.offset, value >>> 0);
    this.offset += 4;
    return this;
  }

  u64(value: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.offset, BigInt.asUintN(64, value));
    this.offset += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.reserve(value.byteLength);
    this.buffer.set(value, this.offset);
    this.offset += value.byteLength;
    return this;
  }

  bytesPrefixed16(value: Uint8Array): this {
    if (value.byteLength > 0xffff) throw new EncodeLimitError(0xffff, value.byteLength);
    return this.u16(value.byteLength).bytes(value);
  }

  string8(value: string): this {
    const encoded = utf8(value);
    if (encoded.byteLength > 0xff) throw new EncodeLimitError(0xff, encoded.byteLength);
    return this.u8(encoded.byteLength).bytes(encoded);
  }

  /** Overwrite a u16 already written (length fields filled in after the body). */
  patchU16(at: number, value: number): this {
    if (at + 2 > this.offset) throw new RangeError(`patch at ${at} past end ${this.offset}`);
    this.view.setUint16(at, value);
    return this;
  }

  /**
   * Rewinds to empty, keeping the buffer, so one writer can encode many messages in turn
   * (hot paths then allocate only the exact-size copy that finish() returns).
   */
  reset(): this {
    this.offset = 0;
    return this;
  }

  /** The bytes written so far, copied into an exact-size array. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.offset);
  }
}
