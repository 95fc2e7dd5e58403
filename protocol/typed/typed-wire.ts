// Frames of a typed connection, one per secure-transport message (the transport frames and
// authenticates them, so there is no text header to pad or escape: peerpy's 128-byte
// `TYPE|k=v&k=v` headers with unescaped separators and `bool("False") == True` are gone).
// HELLO names the connection's data type and options with explicit bytes; ACCEPT/DENY answer
// it; DATA and STREAM carry payloads; CLOSE carries a typed reason both sides report.
import { truncateUtf8 } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';

export const TYPED_MAGIC = 0x504c5459; // "PLTY"
export const TYPED_VERSION = 1;
export const NAME_BYTES_MAX = 64;
export const REASON_BYTES_MAX = 128;

export type DataType = 'json' | 'bytes' | 'value';
const DATA_TYPES: readonly DataType[] = ['json', 'bytes', 'value'];

export interface ConnectionOptions {
  readonly dataType: DataType;
  /** A message of another data type closes the connection (`strict-violation`, both sides). */
  readonly strict: boolean;
  /** Fixed-size frames (`dataSize` bytes each; `auto` = the first frame's size). */
  readonly stream: boolean;
  readonly dataSize: number | 'auto';
}

export type DenyReason = 'refused' | 'max-connections' | 'bad-hello' | 'timeout';
const DENY: readonly DenyReason[] = ['refused', 'max-connections', 'bad-hello', 'timeout'];
export type CloseCode = 'normal' | 'strict-violation' | 'frame-size' | 'protocol';
const CLOSE: readonly CloseCode[] = ['normal', 'strict-violation', 'frame-size', 'protocol'];

export type TypedFrame =
  | { readonly kind: 'hello'; readonly name: string; readonly options: ConnectionOptions }
  | { readonly kind: 'accept' }
  | { readonly kind: 'deny'; readonly reason: DenyReason; readonly message: string }
  | { readonly kind: 'data'; readonly dataType: DataType; readonly payload: Uint8Array }
  | { readonly kind: 'stream'; readonly payload: Uint8Array }
  | { readonly kind: 'close'; readonly code: CloseCode; readonly message: string };

const KIND = { hello: 1, accept: 2, deny: 3, data: 4, stream: 5, close: 6 } as const;

export function encodeFrame(frame: TypedFrame, limit_bytes: number): Uint8Array {
  const w = new Writer(limit_bytes);
  w.u32(TYPED_MAGIC).u8(TYPED_VERSION).u8(KIND[frame.kind]);
  switch (frame.kind) {
    case 'hello': {
      const o = frame.options;
      w.u8(DATA_TYPES.indexOf(o.dataType)).u8((o.strict ? 1 : 0) | (o.stream ? 2 : 0)).u32(o.dataSize === 'auto' ? 0 : o.dataSize).string8(truncateUtf8(frame.name, NAME_BYTES_MAX));
      break;
    }
    case 'accept':
      break;
    case 'deny':
      w.u8(DENY.indexOf(frame.reason)).string8(truncateUtf8(frame.message, REASON_BYTES_MAX));
      break;
    case 'data':
      w.u8(DATA_TYPES.indexOf(frame.dataType)).bytes(frame.payload);
      break;
    case 'stream':
      w.bytes(frame.payload);
      break;
    case 'close':
      w.u8(CLOSE.indexOf(frame.code)).string8(truncateUtf8(frame.message, REASON_BYTES_MAX));
      break;
  }
  return w.finish();
}

function pick<T>(list: readonly T[], index: number, field: string): T {
  const v = list[index];
  if (v === undefined) throw new DecodeError('invalid', field, String(index));
  return v;
}

export function decodeFrame(bytes: Uint8Array): TypedFrame {
  const r = new Reader(bytes);
  if (r.u32('magic') !== TYPED_MAGIC) throw new DecodeError('invalid', 'magic');
  if (r.u8('version') !== TYPED_VERSION) throw new DecodeError('invalid', 'version');
  const kind = r.u8('kind');
  let frame: TypedFrame;
  switch (kind) {
    case KIND.hello: {
      const dataType = pick(DATA_TYPES, r.u8('data_type'), 'data_type');
      const flags = r.u8('flags');
      if (flags > 3) throw new DecodeError('invalid', 'flags', String(flags));
      const size = r.u32('data_size');
      const stream = (flags & 2) !== 0;
      const name = r.string8(NAME_BYTES_MAX, 'name');
      frame = { kind: 'hello', name, options: { dataType, strict: (flags & 1) !== 0, stream, dataSize: size === 0 ? 'auto' : size } };
      break;
    }
    case KIND.accept:
      frame = { kind: 'accept' };
      break;
    case KIND.deny:
      frame = { kind: 'deny', reason: pick(DENY, r.u8('reason'), 'reason'), message: r.string8(REASON_BYTES_MAX, 'message') };
      break;
    case KIND.data:
      return { kind: 'data', dataType: pick(DATA_TYPES, r.u8('data_type'), 'data_type'), payload: r.rest() };
    case KIND.stream:
      return { kind: 'stream', payload: r.rest() };
    case KIND.close:
      frame = { kind: 'close', code: pick(CLOSE, r.u8('code'), 'code'), message: r.string8(REASON_BYTES_MAX, 'message') };
      break;
    default:
      throw new DecodeError('invalid', 'kind', String(kind));
  }
  r.end('frame');
  return frame;
}
