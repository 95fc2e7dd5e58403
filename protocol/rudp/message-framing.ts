// Message mode on the ordered stream: each message is a varint length then its bytes, so
// boundaries survive fragmentation, loss and reordering underneath.
import type { ReceiveStream } from './receive-stream.ts';
import { Cursor, varintSize, writeVarint } from './varint.ts';

export function messageHeader(length: number): Uint8Array {
  const header = new Uint8Array(varintSize(length));
  writeVarint(header, 0, length);
  return header;
}

/** [header bytes, message bytes] when a whole message is readable, else undefined. */
export function peekMessage(stream: ReceiveStream): [number, number] | undefined {
  const head = stream.peek(8);
  if (head.byteLength === 0) return undefined;
  const size = 1 << (head[0]! >>> 6);
  if (head.byteLength < size) return undefined;
  const length = new Cursor(head).varint('message.length');
  return stream.readable_bytes >= size + length ? [size, length] : undefined;
}

/** Takes one whole message off the stream, or undefined when none is complete. */
export function takeMessage(stream: ReceiveStream): Uint8Array | undefined {
  const header = peekMessage(stream);
  if (!header) return undefined;
  stream.readExact(header[0]);
  return stream.readExact(header[1]) ?? new Uint8Array(0);
}
