// Writing QUIC variable-length integers (RFC 9000 section 16) in place into the packet being
// built: 1, 2, 4 or 8 bytes, the top two bits of the first byte give the length. Values are JS
// numbers, safe up to 2^53 - 1. Reading them is protocol/core's Reader.varint (one decoder).

export const VARINT_MAX = Number.MAX_SAFE_INTEGER;

export function varintSize(value: number): number {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x4000_0000) return 4;
  return 8;
}

/** Writes `value` at `at`; returns the offset after it. The caller ensures room. */
export function writeVarint(buf: Uint8Array, at: number, value: number): number {
  if (value < 0x40) {
    buf[at] = value;
    return at + 1;
  }
  if (value < 0x4000) {
    buf[at] = 0x40 | (value >>> 8);
    buf[at + 1] = value & 0xff;
    return at + 2;
  }
  if (value < 0x4000_0000) {
    buf[at] = 0x80 | (value >>> 24);
    buf[at + 1] = (value >>> 16) & 0xff;
    buf[at + 2] = (value >>> 8) & 0xff;
    buf[at + 3] = value & 0xff;
    return at + 4;
  }
  if (value > VARINT_MAX) throw new RangeError(`varint ${value}`);
  const high = Math.floor(value / 0x1_0000_0000);
  const low = value >>> 0;
  buf[at] = 0xc0 | (high >>> 24);
  buf[at + 1] = (high >>> 16) & 0xff;
  buf[at + 2] = (high >>> 8) & 0xff;
  buf[at + 3] = high & 0xff;
  buf[at + 4] = low >>> 24;
  buf[at + 5] = (low >>> 16) & 0xff;
  buf[at + 6] = (low >>> 8) & 0xff;
  buf[at + 7] = low & 0xff;
  return at + 8;
}
