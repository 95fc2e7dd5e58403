// Message mode on the ordered stream: each message is a varint length then its bytes, so
// boundaries survive fragmentation, loss and reordering underneath. The declared length is
// a peer-supplied field: it is checked against message_bytes_max as soon as the header is
// readable, so an oversized declaration is a protocol violation, never a stall.
import type { ReceiveStream } from './receive-stream.ts';
import { Reader } from '../core/reader.ts';
import { varintSize, writeVarint } from './varint.ts';

export function messageHeader(length: number): Uint8Array {
  const header = new Uint8Array(varintSize(length));
  writeVarint(header, 0, length);
  return header;
}

/** What the head of the receive stream holds. */
export type MessageHead =
  | { readonly kind: 'none' } // not even a whole header yet
  | { readonly kind: 'partial'; readonly length: number } // header read, body still arriving
  | { readonly kind: 'ready'; readonly header_bytes: number; readonly length: number }
  | { readonly kind: 'oversize'; readonly length: number }; // declared beyond message_bytes_max

export function messageHead(stream: ReceiveStream, message_bytes_max: number): MessageHead {
  const head = stream.peek(8);
  if (head.byteLength === 0) return { kind: 'none' };
  const size = 1 << (head[0]! >>> 6);
  if (head.byteLength < size) return { kind: 'none' };
  const length = new Reader(head).varint('message.length');
  if (length > message_bytes_max) return { kind: 'oversize', length };
  return stream.readable_bytes >= size + length ? { kind: 'ready', header_bytes: size, length } : { kind: 'partial', length };
}

/** Takes one whole message off the stream, or undefined when none is complete (or it is oversize). */
export function takeMessage(stream: ReceiveStream, message_bytes_max: number): Uint8Array | undefined {
  const head = messageHead(stream, message_bytes_max);
  if (head.kind !== 'ready') return undefined;
  stream.readExact(head.header_bytes);
  return stream.readExact(head.length) ?? new Uint8Array(0);
}
