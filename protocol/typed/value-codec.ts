// The safe codec behind the `value` data type (peerpy's `raw`, which was pickle: running code
// chosen by the network). It carries plain data only, the structured-clone-compatible subset:
// null, undefined, booleans, numbers, bigints, strings, byte arrays, arrays and plain objects.
// No classes, functions, prototypes or references: decoding builds fresh plain values and can
// never execute anything. Depth, item count and sizes are bounded; `__proto__` keys are refused.
import { fromUtf8Strict, utf8 } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';

export type Value = null | undefined | boolean | number | bigint | string | Uint8Array | readonly Value[] | { readonly [key: string]: Value };

export const VALUE_DEPTH_MAX = 32;
export const VALUE_ITEMS_MAX = 65_536;
/** bigints up to 1024 bits. */
export const BIGINT_BYTES_MAX = 128;

const T = { null: 0, undefined: 1, false: 2, true: 3, number: 4, bigint: 5, string: 6, bytes: 7, array: 8, object: 9 } as const;

export class ValueEncodeError extends Error {
  constructor(why: string) {
    super(`not a plain value: ${why}`);
    this.name = 'ValueEncodeError';
  }
}


export function encodeValue(value: Value, limit_bytes: number): Uint8Array {
  const w = new Writer(limit_bytes);
  let items = 0;
  const put = (v: Value, depth: number): void => {
    if (depth > VALUE_DEPTH_MAX) throw new ValueEncodeError(`deeper than ${VALUE_DEPTH_MAX}`);
    if (++items > VALUE_ITEMS_MAX) throw new ValueEncodeError(`more than ${VALUE_ITEMS_MAX} items`);
    if (v === null) return void w.u8(T.null);
    if (v === undefined) return void w.u8(T.undefined);
    if (v === false) return void w.u8(T.false);
    if (v === true) return void w.u8(T.true);
    if (typeof v === 'number') {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v);
      return void w.u8(T.number).bytes(b);
    }
    if (typeof v === 'bigint') {
      const negative = v < 0n;
      let m = negative ? -v : v;
      const bytes: number[] = [];
      while (m > 0n) {
        bytes.unshift(Number(m & 0xffn));
        m >>= 8n;
      }
      if (bytes.length > BIGINT_BYTES_MAX) throw new ValueEncodeError(`bigint over ${BIGINT_BYTES_MAX} bytes`);
      return void w.u8(T.bigint).u8(negative ? 1 : 0).u8(bytes.length).bytes(Uint8Array.from(bytes));
    }
    if (typeof v === 'string') {
      const b = utf8(v);
      return void w.u8(T.string).u32(b.byteLength).bytes(b);
    }
    if (v instanceof Uint8Array) return void w.u8(T.bytes).u32(v.byteLength).bytes(v);
    if (Array.isArray(v)) {
      w.u8(T.array).u32(v.length);
      for (const item of v as readonly Value[]) put(item, depth + 1);
      return;
    }
    if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new ValueEncodeError('only plain objects');
      const keys = Object.keys(v);
      w.u8(T.object).u32(keys.length);
      for (const key of keys) {
        const k = utf8(key);
        w.u32(k.byteLength).bytes(k);
        put((v as { readonly [key: string]: Value })[key], depth + 1);
      }
      return;
    }
    throw new ValueEncodeError(typeof v);
  };
  put(value, 0);
  return w.finish();
}

export function decodeValue(bytes: Uint8Array): Value {
  const r = new Reader(bytes);
  let items = 0;
  const text = (field: string): string => {
    const n = r.u32(field);
    if (n > r.remaining) throw new DecodeError('truncated', field, `${n} bytes`);
    const s = fromUtf8Strict(r.bytesView(n, field));
    if (s === undefined) throw new DecodeError('invalid', field, 'not UTF-8');
    return s;
  };
  const count = (field: string): number => {
    const n = r.u32(field);
    // Every item takes at least one byte: a count the rest cannot hold is refused up front.
    if (n > r.remaining || items + n > VALUE_ITEMS_MAX) throw new DecodeError('oversize', field, `${n} items`);
    return n;
  };
  const get = (depth: number): Value => {
    if (depth > VALUE_DEPTH_MAX) throw new DecodeError('oversize', 'depth', `> ${VALUE_DEPTH_MAX}`);
    if (++items > VALUE_ITEMS_MAX) throw new DecodeError('oversize', 'items', `> ${VALUE_ITEMS_MAX}`);
    const tag = r.u8('tag');
    switch (tag) {
      case T.null:
        return null;
      case T.undefined:
        return undefined;
      case T.false:
        return false;
      case T.true:
        return true;
      case T.number:
        return new DataView(r.bytesCopy(8, 'number').buffer).getFloat64(0);
      case T.bigint: {
        const sign = r.u8('bigint.sign');
        if (sign > 1) throw new DecodeError('invalid', 'bigint.sign');
        const n = r.u8('bigint.length');
        if (n > BIGINT_BYTES_MAX) throw new DecodeError('oversize', 'bigint');
        let m = 0n;
        for (const b of r.bytesView(n, 'bigint')) m = (m << 8n) | BigInt(b);
        return sign ? -m : m;
      }
      case T.string:
        return text('string');
      case T.bytes: {
        const n = r.u32('bytes.length');
        return r.bytesCopy(n, 'bytes');
      }
      case T.array: {
        const n = count('array.length');
        const out: Value[] = [];
        for (let i = 0; i < n; i++) out.push(get(depth + 1));
        return out;
      }
      case T.object: {
        const n = count('object.size');
        const out: { [key: string]: Value } = {};
        for (let i = 0; i < n; i++) {
          const key = text('object.key');
          if (key === '__proto__') throw new DecodeError('invalid', 'object.key', '__proto__');
          if (Object.prototype.hasOwnProperty.call(out, key)) throw new DecodeError('invalid', 'object.key', 'duplicate key');
          out[key] = get(depth + 1);
        }
        return out;
      }
      default:
        throw new DecodeError('invalid', 'tag', String(tag));
    }
  };
  const value = get(0);
  r.end('value');
  return value;
}
