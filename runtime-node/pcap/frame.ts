// Builds raw IPv4 or IPv6 + UDP packets (no link layer: pcapng LINKTYPE_RAW) with correct
// IPv4 header and UDP checksums, so Wireshark shows simulated datagrams as real ones.

import { ipToBytes, type Addr } from '../../protocol/core/addr.ts';

const IPV4_HEADER_BYTES = 20;
const IPV6_HEADER_BYTES = 40;
const UDP_HEADER_BYTES = 8;
const IP_PROTO_UDP = 17;
const TTL_DEFAULT = 64;
/** Largest UDP payload each family can carry in one packet (length fields are 16 bits). */
export const UDP_PAYLOAD_MAX_V4 = 0xffff - IPV4_HEADER_BYTES - UDP_HEADER_BYTES;
export const UDP_PAYLOAD_MAX_V6 = 0xffff - UDP_HEADER_BYTES;

export class FrameError extends Error {
  override name = 'FrameError';
}

/** Ones'-complement sum of 16-bit big-endian words, folded, not yet inverted. */
function onesSum(bytes: Uint8Array, start: number, end: number, initial: number): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function ipv4Checksum(packet: Uint8Array): number {
  return ~onesSum(packet, 0, IPV4_HEADER_BYTES, 0) & 0xffff;
}

/** UDP checksum over the pseudo-header + UDP header + payload; 0 is sent as 0xffff. */
function udpChecksum(src: Uint8Array, dst: Uint8Array, packet: Uint8Array, udpStart: number): number {
  const udpLength = packet.byteLength - udpStart;
  let sum = onesSum(src, 0, src.byteLength, 0);
  sum = onesSum(dst, 0, dst.byteLength, sum);
  // pseudo-header tail: protocol and UDP length (IPv6 uses 32-bit length, same sum for < 64 KiB)
  sum += IP_PROTO_UDP + udpLength;
  sum = onesSum(packet, udpStart, packet.byteLength, sum);
  const checksum = ~sum & 0xffff;
  return checksum === 0 ? 0xffff : checksum;
}

/** An IP + UDP packet from `src` to `dst` carrying `payload`. Both addresses must share a family. */
export function udpPacket(src: Addr, dst: Addr, payload: Uint8Array, ipId: number): Uint8Array {
  if (src.family !== dst.family) throw new FrameError(`mixed families ${src.ip} -> ${dst.ip}`);
  const srcIp = ipToBytes(src.ip);
  const dstIp = ipToBytes(dst.ip);
  const v4 = src.family === 4;
  const max = v4 ? UDP_PAYLOAD_MAX_V4 : UDP_PAYLOAD_MAX_V6;
  if (payload.byteLength > max) throw new FrameError(`payload ${payload.byteLength} bytes exceeds ${max}`);
  const ipHeader = v4 ? IPV4_HEADER_BYTES : IPV6_HEADER_BYTES;
  const udpLength = UDP_HEADER_BYTES + payload.byteLength;
  const packet = new Uint8Array(ipHeader + udpLength);
  const view = new DataView(packet.buffer);
  if (v4) {
    view.setUint8(0, 0x45); // version 4, 5-word header
    view.setUint16(2, packet.byteLength);
    view.setUint16(4, ipId & 0xffff);
    view.setUint16(6, 0x4000); // don't fragment
    view.setUint8(8, TTL_DEFAULT);
    view.setUint8(9, IP_PROTO_UDP);
    packet.set(srcIp, 12);
    packet.set(dstIp, 16);
    view.setUint16(10, ipv4Checksum(packet));
  } else {
    view.setUint32(0, (6 << 28) | (ipId & 0xfffff)); // version 6, flow label = packet id
    view.setUint16(4, udpLength);
    view.setUint8(6, IP_PROTO_UDP);
    view.setUint8(7, TTL_DEFAULT);
    packet.set(srcIp, 8);
    packet.set(dstIp, 24);
  }
  view.setUint16(ipHeader, src.port);
  view.setUint16(ipHeader + 2, dst.port);
  view.setUint16(ipHeader + 4, udpLength);
  packet.set(payload, ipHeader + UDP_HEADER_BYTES);
  view.setUint16(ipHeader + 6, udpChecksum(srcIp, dstIp, packet, ipHeader));
  return packet;
}
