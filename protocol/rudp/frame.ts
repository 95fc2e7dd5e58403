// Frames inside a decrypted data packet (QUIC-like, varint fields). One packet carries any
// mix of them; decodeFrames() turns a payload into frames or raises a typed DecodeError.
// Decoding reads through protocol/core's Reader (bounds-checked, typed errors); encoding
// writes in place into the packet buffer being built (varint.ts), so a packet costs no copies.
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import { varintSize, writeVarint } from './varint.ts';
import { fromUtf8, utf8 } from '../core/bytes.ts';

export const FRAME = {
  padding: 0x00,
  ping: 0x01,
  ack: 0x02,
  maxData: 0x04,
  datagram: 0x06,
  stream: 0x08, // bit 0 set: FIN
  close: 0x0a,
  pathChallenge: 0x0c,
  pathResponse: 0x0d,
} as const;

/** PATH_CHALLENGE / PATH_RESPONSE data: 8 unpredictable bytes (RFC 9000 section 19.17). */
export const PATH_DATA_BYTES = 8;
/** Bytes of one PATH_CHALLENGE or PATH_RESPONSE frame. */
export const PATH_FRAME_BYTES = 1 + PATH_DATA_BYTES;

/** ACK ranges carried per frame (quinn uses 64 so an ACK always fits 1200 bytes). */
export const ACK_RANGES_MAX = 64;
export const CLOSE_REASON_BYTES_MAX = 256;

export interface AckFrame {
  readonly kind: 'ack';
  readonly delay_us: number;
  /** Inclusive [low, high] ranges, highest first. */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
}
export interface StreamFrame {
  readonly kind: 'stream';
  readonly offset: number;
  readonly data: Uint8Array;
  readonly fin: boolean;
}
export type Frame =
  | { readonly kind: 'ping' }
  | AckFrame
  | { readonly kind: 'max-data'; readonly max_bytes: number }
  | { readonly kind: 'datagram'; readonly data: Uint8Array }
  | StreamFrame
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  | { readonly kind: 'path-challenge'; readonly data: Uint8Array }
  | { readonly kind: 'path-response'; readonly data: Uint8Array };

const PING: Frame = { kind: 'ping' };

export function decodeFrames(payload: Uint8Array): Frame[] {
  const cursor = new Reader(payload);
  const frames: Frame[] = [];
  while (cursor.remaining > 0) {
    const type = cursor.u8('frame.type');
    switch (type) {
      case FRAME.padding:
        cursor.skip(cursor.remaining, 'padding'); // padding runs to the end
        break;
      case FRAME.ping:
        frames.push(PING);
        break;
      case FRAME.ack: {
        const largest = cursor.varint('ack.largest');
        const delay_us = cursor.varint('ack.delay');
        const count = cursor.varint('ack.count');
        if (count > ACK_RANGES_MAX) throw new DecodeError('oversize', 'ack.count', `${count}`);
        const first = cursor.varint('ack.first');
        if (first > largest) throw new DecodeError('invalid', 'ack.first');
        const ranges: Array<[number, number]> = [[largest - first, largest]];
        let low = largest - first;
        for (let i = 0; i < count; i++) {
          const gap = cursor.varint('ack.gap');
          const length = cursor.varint('ack.length');
          const high = low - gap - 2;
          if (high < 0 || length > high) throw new DecodeError('invalid', 'ack.range');
          low = high - length;
          ranges.push([low, high]);
        }
        frames.push({ kind: 'ack', delay_us, ranges });
        break;
      }
      case FRAME.maxData:
        frames.push({ kind: 'max-data', max_bytes: cursor.varint('max-data') });
        break;
      case FRAME.datagram: {
        const length = cursor.varint('datagram.length');
        frames.push({ kind: 'datagram', data: cursor.bytesView(length, 'datagram.data') });
        break;
      }
      case FRAME.stream:
      case FRAME.stream | 1: {
        const offset = cursor.varint('stream.offset');
        const length = cursor.varint('stream.length');
        frames.push({ kind: 'stream', offset, data: cursor.bytesView(length, 'stream.data'), fin: (type & 1) === 1 });
        break;
      }
      case FRAME.close: {
        const code = cursor.varint('close.code');
        const length = cursor.varint('close.reason.length');
        if (length > CLOSE_REASON_BYTES_MAX) throw new DecodeError('oversize', 'close.reason');
        frames.push({ kind: 'close', code, reason: fromUtf8(cursor.bytesView(length, 'close.reason')) });
        break;
      }
      case FRAME.pathChallenge:
        frames.push({ kind: 'path-challenge', data: cursor.bytesView(PATH_DATA_BYTES, 'path-challenge.data').slice() });
        break;
      case FRAME.pathResponse:
        frames.push({ kind: 'path-response', data: cursor.bytesView(PATH_DATA_BYTES, 'path-response.data').slice() });
        break;
      default:
        throw new DecodeError('invalid', 'frame.type', `0x${type.toString(16)}`);
    }
  }
  return frames;
}

// ---- encoders: write into a caller's buffer at `at`, return the new offset ----

/** Bytes a STREAM frame header needs (type + offset + length). */
export function streamHeaderSize(offset: number, length: number): number {
  return 1 + varintSize(offset) + varintSize(length);
}

export function writeStreamHeader(buf: Uint8Array, at: number, offset: number, length: number, fin: boolean): number {
  buf[at] = FRAME.stream | (fin ? 1 : 0);
  return writeVarint(buf, writeVarint(buf, at + 1, offset), length);
}

/** Encodes an ACK from inclusive ranges, highest first; returns the new offset. */
export function writeAck(buf: Uint8Array, at: number, ranges: ReadonlyArray<readonly [number, number]>, delay_us: number): number {
  const count = Math.min(ranges.length, ACK_RANGES_MAX + 1);
  const [low0, high0] = ranges[0]!;
  buf[at++] = FRAME.ack;
  at = writeVarint(buf, at, high0);
  at = writeVarint(buf, at, delay_us);
  at = writeVarint(buf, at, count - 1);
  at = writeVarint(buf, at, high0 - low0);
  let low = low0;
  for (let i = 1; i < count; i++) {
    const [l, h] = ranges[i]!;
    at = writeVarint(buf, at, low - h - 2);
    at = writeVarint(buf, at, h - l);
    low = l;
  }
  return at;
}

export function ackSize(ranges: ReadonlyArray<readonly [number, number]>, delay_us: number): number {
  const count = Math.min(ranges.length, ACK_RANGES_MAX + 1);
  const [low0, high0] = ranges[0]!;
  let size = 1 + varintSize(high0) + varintSize(delay_us) + varintSize(count - 1) + varintSize(high0 - low0);
  let low = low0;
  for (let i = 1; i < count; i++) {
    const [l, h] = ranges[i]!;
    size += varintSize(low - h - 2) + varintSize(h - l);
    low = l;
  }
  return size;
}

export function writeMaxData(buf: Uint8Array, at: number, max_bytes: number): number {
  buf[at] = FRAME.maxData;
  return writeVarint(buf, at + 1, max_bytes);
}

export function writeDatagram(buf: Uint8Array, at: number, data: Uint8Array): number {
  buf[at] = FRAME.datagram;
  at = writeVarint(buf, at + 1, data.byteLength);
  buf.set(data, at);
  return at + data.byteLength;
}

export function datagramFrameSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/** A PATH_CHALLENGE or PATH_RESPONSE frame carrying `data` (PATH_DATA_BYTES). */
export function encodePathFrame(kind: 'path-challenge' | 'path-response', data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(PATH_FRAME_BYTES);
  buf[0] = kind === 'path-challenge' ? FRAME.pathChallenge : FRAME.pathResponse;
  buf.set(data.subarray(0, PATH_DATA_BYTES), 1);
  return buf;
}

export function encodeClose(code: number, reason: string): Uint8Array {
  const text = utf8(reason).subarray(0, CLOSE_REASON_BYTES_MAX);
  const buf = new Uint8Array(1 + 8 + 8 + text.byteLength);
  buf[0] = FRAME.close;
  let at = writeVarint(buf, 1, code);
  at = writeVarint(buf, at, text.byteLength);
  buf.set(text, at);
  return buf.subarray(0, at + text.byteLength);
}
