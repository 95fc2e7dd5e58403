// The few bytes of STUN the lab needs to check coturn is up and to read a mapped address
// before the punch library is wired in: a Binding request and the XOR-MAPPED-ADDRESS of
// its success response (RFC 8489 §5, §14.2). IPv4 only; anything else is `undefined`.
// Pure functions, so the simulator's probe machine (probe-machine.ts) uses them too.
const magic_cookie = 0x2112a442;
const binding_request = 0x0001;
const binding_success = 0x0101;
const attr_xor_mapped_address = 0x0020;
const attr_mapped_address = 0x0001;

/** A Binding request with the given 12-byte transaction id (the caller draws it). */
export function stunBindingRequest(transaction: Uint8Array): { data: Uint8Array; transaction: Uint8Array } {
  const data = new Uint8Array(20);
  const view = new DataView(data.buffer);
  view.setUint16(0, binding_request);
  view.setUint16(2, 0);
  view.setUint32(4, magic_cookie);
  data.set(transaction.subarray(0, 12), 8);
  return { data, transaction };
}

/** The mapped "ip:port" of a Binding success for `transaction`, or undefined. */
export function stunMappedAddress(data: Uint8Array, transaction: Uint8Array): string | undefined {
  if (data.byteLength < 20) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint16(0) !== binding_success || view.getUint32(4) !== magic_cookie) return undefined;
  for (let i = 0; i < 12; i++) if (data[8 + i] !== transaction[i]) return undefined;
  const length = Math.min(view.getUint16(2), data.byteLength - 20);
  let offset = 20;
  let plain: string | undefined;
  while (offset + 4 <= 20 + length) {
    const type = view.getUint16(offset);
    const size = view.getUint16(offset + 2);
    const value = offset + 4;
    if (value + size > data.byteLength) return undefined;
    if ((type === attr_xor_mapped_address || type === attr_mapped_address) && size >= 8 && data[value + 1] === 1) {
      const xor = type === attr_xor_mapped_address;
      const port = view.getUint16(value + 2) ^ (xor ? magic_cookie >>> 16 : 0);
      const ip = view.getUint32(value + 4) ^ (xor ? magic_cookie : 0);
      const text = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${port}`;
      if (xor) return text;
      plain = text;
    }
    offset = value + Math.ceil(size / 4) * 4;
  }
  return plain;
}
