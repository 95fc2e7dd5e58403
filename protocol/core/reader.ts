// Bounded big-endian reader over one datagram. Every read checks its bounds and raises a
// typed DecodeError, so a decoder is a straight sequence of reads with no manual checks.
import { DecodeError } from './decode-error.ts';
import { fromUtf8Strict } from './bytes.ts';

export class Reader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  private need(count: number, field: string): void {
    if (count > this.remaining) {
      throw new DecodeError('truncated', field, `need ${count} bytes, have ${this.remaining}`);
    }
  }

  u8(field = 'u8'): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  u16(field = 'u16'): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(field = 'u32'): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(field = 'u64'): bigint {
    this.need(8, field);
    const value = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return value;
  }

  /**
   * A QUIC variable-length integer (RFC 9000 section 16): the top two bits of the first byte
   * give the length (1, 2, 4 or 8 bytes). Values beyond 2^53 - 1 are refused (JS numbers).
   */
  varint(field = 'varint'): number {
    this.need(1, field);
    const first = this.view.getUint8(this.offset);
    const length = 1 << (first >>> 6);
    this.need(length, field);
    let value = first & 0x3f;
    for (let i = 1; i < length; i++) value = value * 256 + this.view.getUint8(this.offset + i);
    if (value > Number.MAX_SAFE_INTEGER) throw new DecodeError('invalid', field, 'varint beyond 2^53');
    this.offset += length;
    return value;
  }

  /** A view into the datagram (no copy); copy it if it must outlive the datagram. */
  bytesView(count: number, field = 'bytes'): Uint8Array {
    if (count < 0 || !Number.isInteger(count)) throw new DecodeError('invalid', field, `length ${count}`);
    this.need(count, field);
    const slice = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }

  /** A copy, safe to keep after the datagram buffer is reused. */
  bytesCopy(count: number, field = 'bytes'): Uint8Array {
    return this.bytesView(count, field).slice();
  }

  /** A u16-length-prefixed byte string, with the length bounded by `max_bytes`. */
  bytesPrefixed16(max_bytes: number, field = 'bytes'): Uint8Array {
    const length = this.u16(`${field}.length`);
    if (length > max_bytes) throw new DecodeError('oversize', field, `${length} > ${max_bytes}`);
    return this.bytesCopy(length, field);
  }

  /** A u8-length-prefixed UTF-8 string, bounded by `max_bytes`. */
  string8(max_bytes: number, field = 'string'): string {
    const length = this.u8(`${field}.length`);
    if (length > max_bytes) throw new DecodeError('oversize', field, `${length} > ${max_bytes}`);
    const text = fromUtf8Strict(this.bytesView(length, field));
    if (text === undefined) throw new DecodeError('invalid', field, 'not UTF-8');
    return text;
  }

  skip(count: number, field = 'skip'): void {
    this.need(count, field);
    this.offset += count;
  }

  rest(): Uint8Array {
    return this.bytesView(this.remaining, 'rest');
  }

  /** Call when a message must consume the whole datagram. */
  end(field = 'end'): void {
    if (this.remaining !== 0) throw new DecodeError('trailing', field, `${this.remaining} bytes left`);
  }
}
