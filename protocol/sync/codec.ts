// Wire encoding of sync writes and digests, carried as mesh packets (broadcast type
// SYNC_WRITE, whisper types SYNC_DIGEST / SYNC_PUSH). Every field is bounded on decode.
import { Reader } from '../core/reader.ts';
import { DecodeError } from '../core/decode-error.ts';
import { Writer } from '../core/writer.ts';
import { hex } from '../mesh/wire.ts';
import type { SyncLimits } from './replica.ts';
import type { SyncWrite } from './write.ts';

export const SYNC_WRITE = 'sync/write';
export const SYNC_DIGEST = 'sync/digest';
export const SYNC_PUSH = 'sync/push';

const OWNER_BYTES = 16;
/** Lease carried on the wire is at most ~49 days (u32 ms). */
export const lease_ms_max = 0xffff_ffff;

export function encodeWrite(w: SyncWrite): Uint8Array {
  const out = new Writer(2 + w.key.byteLength + 3 + (w.value?.byteLength ?? 0) + 16 + 8 + 4 + 4);
  out.bytesPrefixed16(w.key);
  if (w.value === undefined) out.u8(0);
  else out.u8(1).bytesPrefixed16(w.value);
  out.bytes(Uint8Array.from(w.owner.match(/../g)!.map((b) => parseInt(b, 16))));
  out.u64(BigInt(w.start_ms)).u32(w.lease_ms).u32(w.seq);
  return out.finish();
}

export function decodeWrite(data: Uint8Array, limits: SyncLimits): SyncWrite {
  const r = new Reader(data);
  const key = r.bytesPrefixed16(limits.key_bytes_max, 'sync.key');
  const has = r.u8('sync.has_value');
  if (has > 1) throw new DecodeError('invalid', 'sync.has_value', String(has));
  const value = has === 1 ? r.bytesPrefixed16(limits.value_bytes_max, 'sync.value') : undefined;
  const owner = hex(r.bytesView(OWNER_BYTES, 'sync.owner'));
  const start = r.u64('sync.start_ms');
  if (start > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('invalid', 'sync.start_ms');
  const lease_ms = r.u32('sync.lease_ms');
  const seq = r.u32('sync.seq');
  r.end('sync.end');
  if (value === undefined && lease_ms !== 0) throw new DecodeError('invalid', 'sync.lease_ms', 'a delete claims no lease');
  return { key, value, owner, start_ms: Number(start), lease_ms, seq };
}

export function encodeDigest(count: number, digest: Uint8Array): Uint8Array {
  return new Writer(20).u32(count).bytes(digest).finish();
}

export function decodeDigest(data: Uint8Array): { count: number; digest: Uint8Array } {
  const r = new Reader(data);
  const count = r.u32('digest.count');
  const digest = r.bytesCopy(16, 'digest.hash');
  r.end('digest.end');
  return { count, digest };
}
