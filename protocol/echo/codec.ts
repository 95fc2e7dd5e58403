// Wire format of the echo protocol. A ping carries a session id, a sequence number and a
// payload; the server answers with a pong that copies all three. A trailing FNV-1a checksum
// lets the client tell link corruption apart from loss (the simulator can deliver corrupted
// bytes on purpose, and UDP's own checksum is optional there).
//
//   0      u8   FIRST_BYTE.echo (0xe0)
//   1      u8   kind: 1 = ping, 2 = pong
//   2..5   u32  session id (chosen by the client from its Rng)
//   6..9   u32  sequence number
//   10..11 u16  payload length (bounded by payload_bytes_max)
//   12..   payload bytes
//   end-4  u32  FNV-1a 32 of every byte before it
import { DecodeError } from '../core/decode-error.ts';
import { FIRST_BYTE } from '../core/demux.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';

export const ECHO_KIND = { ping: 1, pong: 2 } as const;
export type EchoKind = keyof typeof ECHO_KIND;

/** Bytes of header (first byte, kind, session, seq, payload length) plus checksum. */
export const ECHO_OVERHEAD_BYTES = 12 + 4;
/** Largest payload any echo message may carry: one IPv4 UDP datagram minus our overhead. */
export const ECHO_PAYLOAD_BYTES_LIMIT = 65_507 - ECHO_OVERHEAD_BYTES;

export interface EchoMessage {
  readonly kind: EchoKind;
  readonly session: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

/** FNV-1a 32-bit hash: cheap, deterministic, and good enough to catch random bit flips. */
export function fnv1a32(bytes: Uint8Array, end = bytes.byteLength): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < end; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function encodeEcho(message: EchoMessage): Uint8Array {
  const writer = new Writer(ECHO_OVERHEAD_BYTES + message.payload.byteLength);
  writer
    .u8(FIRST_BYTE.echo)
    .u8(ECHO_KIND[message.kind])
    .u32(message.session)
    .u32(message.seq)
    .bytesPrefixed16(message.payload);
  const body = writer.finish();
  const out = new Uint8Array(body.byteLength + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.byteLength, fnv1a32(body));
  return out;
}

/**
 * Decodes one echo datagram. Throws DecodeError (never anything else) on bad input; the
 * payload is copied so the message may outlive the datagram buffer.
 */
export function decodeEcho(data: Uint8Array, payload_bytes_max: number): EchoMessage {
  const reader = new Reader(data);
  const first = reader.u8('first-byte');
  if (first !== FIRST_BYTE.echo) throw new DecodeError('invalid', 'first-byte', `0x${first.toString(16)}`);
  const kindByte = reader.u8('kind');
  let kind: EchoKind;
  if (kindByte === ECHO_KIND.ping) kind = 'ping';
  else if (kindByte === ECHO_KIND.pong) kind = 'pong';
  else throw new DecodeError('invalid', 'kind', String(kindByte));
  const session = reader.u32('session');
  const seq = reader.u32('seq');
  const payload = reader.bytesPrefixed16(payload_bytes_max, 'payload');
  const checksumAt = reader.position;
  const checksum = reader.u32('checksum');
  reader.end('end');
  if (checksum !== fnv1a32(data, checksumAt)) throw new DecodeError('invalid', 'checksum', 'mismatch');
  return { kind, session, seq, payload };
}

/** The deterministic payload pattern of ping `seq`, so a pong can be checked byte for byte. */
export function echoPayload(seq: number, size_bytes: number): Uint8Array {
  const payload = new Uint8Array(size_bytes);
  for (let i = 0; i < size_bytes; i++) payload[i] = (seq + i * 31) & 0xff;
  return payload;
}
