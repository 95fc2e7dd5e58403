// The heartbeat datagram: magic "HB" (0x48 0x42), version 1, the sender's id (u32) and the
// leader the sender currently follows (u32). Exactly 11 bytes; anything else is rejected with
// a typed DecodeError (peerlab/core's bounded Reader throws it), which the machine counts.
// The first byte, 0x48, is outside every range peerlab's FIRST_BYTE table assigns, so the
// heartbeat could share a port with peerlab's own protocols.
import { DecodeError, Reader, Writer } from 'peerlab/core';

export const HEARTBEAT_MAGIC = 0x4842;
export const HEARTBEAT_VERSION = 1;
export const HEARTBEAT_BYTES = 11;

export interface Heartbeat {
  readonly from: number;
  readonly leader: number;
}

export function encodeHeartbeat(beat: Heartbeat): Uint8Array {
  return new Writer(HEARTBEAT_BYTES).u16(HEARTBEAT_MAGIC).u8(HEARTBEAT_VERSION).u32(beat.from).u32(beat.leader).finish();
}

/** Throws DecodeError on anything but a well-formed heartbeat. */
export function decodeHeartbeat(data: Uint8Array): Heartbeat {
  const reader = new Reader(data);
  if (reader.u16('magic') !== HEARTBEAT_MAGIC) throw new DecodeError('invalid', 'magic', 'not a heartbeat');
  if (reader.u8('version') !== HEARTBEAT_VERSION) throw new DecodeError('invalid', 'version', 'unknown version');
  const from = reader.u32('from');
  const leader = reader.u32('leader');
  reader.end();
  return { from, leader };
}
