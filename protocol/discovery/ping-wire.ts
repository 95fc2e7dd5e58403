// peerpy's LAN discovery messages, PING and PONG (overlay.md §2.5), in a fixed binary layout
// instead of peerpy's 128-byte text headers with unescaped separators: magic, version, kind,
// an 8-byte nonce (the PONG echoes it, so a seeker counts only answers to its own PING), and
// the address the sender's peer listens on. Both messages pad to the same size, so an answer
// never outweighs the broadcast that asked for it.
import { ipFromBytes, ipToBytes, type Addr, addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import { FIRST_BYTE } from '../core/demux.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';

/** Mesh owns 0xB0, chord 0xB8; discovery takes 0xBC. */
export const PING_MAGIC = FIRST_BYTE.overlayMin + 12;
export const PING_VERSION = 1;
export const NONCE_BYTES = 8;
/** Every PING and PONG is exactly this long (room for an IPv6 address). */
export const PING_BYTES = 40;

export type PingKind = 'ping' | 'pong';

export interface PingMessage {
  readonly kind: PingKind;
  readonly nonce: Uint8Array;
  /** PING: where the seeker's peer listens; PONG: where the responder's peer listens. */
  readonly peer: Addr;
}

export function encodePing(message: PingMessage): Uint8Array {
  if (message.nonce.byteLength !== NONCE_BYTES) throw new RangeError(`nonce of ${message.nonce.byteLength} bytes`);
  const w = new Writer(PING_BYTES, PING_BYTES);
  const ip = ipToBytes(message.peer.ip);
  w.u8(PING_MAGIC).u8(PING_VERSION).u8(message.kind === 'ping' ? 1 : 2).bytes(message.nonce).u8(ip.byteLength === 4 ? 4 : 6).bytes(ip).u16(message.peer.port);
  while (w.length < PING_BYTES) w.u8(0);
  return w.finish();
}

export function decodePing(bytes: Uint8Array): PingMessage {
  if (bytes.byteLength !== PING_BYTES) throw new DecodeError('invalid', 'length', `${bytes.byteLength} != ${PING_BYTES}`);
  const r = new Reader(bytes);
  if (r.u8('magic') !== PING_MAGIC) throw new DecodeError('invalid', 'magic');
  if (r.u8('version') !== PING_VERSION) throw new DecodeError('invalid', 'version');
  const kindCode = r.u8('kind');
  if (kindCode !== 1 && kindCode !== 2) throw new DecodeError('invalid', 'kind', String(kindCode));
  const nonce = r.bytesCopy(NONCE_BYTES, 'nonce');
  const family = r.u8('family');
  if (family !== 4 && family !== 6) throw new DecodeError('invalid', 'family', String(family));
  const ip = ipFromBytes(r.bytesView(family === 4 ? 4 : 16, 'ip'));
  const port = r.u16('port');
  if (port === 0) throw new DecodeError('invalid', 'port', '0');
  for (const b of r.rest()) if (b !== 0) throw new DecodeError('invalid', 'padding', 'not zero');
  return { kind: kindCode === 1 ? 'ping' : 'pong', nonce, peer: addr(ip, port) };
}
