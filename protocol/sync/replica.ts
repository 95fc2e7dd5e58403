// One replica of the dict: per key a short sorted history of writes (bounded by
// history_max) and the folded head. apply() is idempotent and order-insensitive, so two
// replicas holding the same writes hold the same entries; digest() summarises the heads for
// anti-entropy.
import type { Crypto } from '../core/crypto.ts';
import { hex } from '../mesh/wire.ts';
import { compareWrites, fold, sameWrite, type SyncWrite } from './write.ts';
import { utf8 } from '../core/bytes.ts';

export interface SyncLimits {
  readonly keys_max: number;
  readonly key_bytes_max: number;
  readonly value_bytes_max: number;
  /** Writes remembered per key; a write older than all of them is ignored (see docs/sync.md). */
  readonly history_max: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = { keys_max: 10_000, key_bytes_max: 256, value_bytes_max: 768, history_max: 8 };

interface Slot {
  readonly key: Uint8Array;
  history: SyncWrite[];
  head: SyncWrite | undefined;
}

export type ApplyResult = 'changed' | 'unchanged' | 'refused-full' | 'refused-size' | 'stale';

export class SyncReplica {
  private readonly slots = new Map<string, Slot>();

  constructor(readonly limits: SyncLimits = DEFAULT_SYNC_LIMITS) {}

  /** Merges one write; 'changed' when the key's head (value or holder) moved. */
  apply(w: SyncWrite): ApplyResult {
    if (w.key.byteLength > this.limits.key_bytes_max || (w.value?.byteLength ?? 0) > this.limits.value_bytes_max) return 'refused-size';
    const k = hex(w.key);
    let slot = this.slots.get(k);
    if (slot === undefined) {
      if (this.slots.size >= this.limits.keys_max) return 'refused-full';
      slot = { key: w.key, history: [], head: undefined };
      this.slots.set(k, slot);
    }
    if (slot.history.some((h) => sameWrite(h, w))) return 'unchanged';
    if (slot.history.length >= this.limits.history_max && compareWrites(w, slot.history[0]!) < 0) return 'stale';
    slot.history.push(w);
    slot.history.sort(compareWrites);
    if (slot.history.length > this.limits.history_max) slot.history.shift();
    const before = slot.head;
    slot.head = fold(slot.history);
    return before !== undefined && slot.head !== undefined && sameWrite(before, slot.head) ? 'unchanged' : 'changed';
  }

  head(key: Uint8Array): SyncWrite | undefined {
    return this.slots.get(hex(key))?.head;
  }

  /** Live (non-deleted) entries, sorted by key hex for stable output. */
  entries(): Array<[Uint8Array, Uint8Array]> {
    const out: Array<[string, Uint8Array, Uint8Array]> = [];
    for (const [k, slot] of this.slots) if (slot.head?.value !== undefined) out.push([k, slot.key, slot.head.value]);
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out.map(([, key, value]) => [key, value]);
  }

  /** Every write held (all histories), for an anti-entropy push. */
  writes(): SyncWrite[] {
    const out: SyncWrite[] = [];
    for (const slot of this.slots.values()) out.push(...slot.history);
    return out;
  }

  get keyCount(): number {
    return this.slots.size;
  }

  /** A summary of every key's history: equal digests mean equal writes held (up to SHA-256). */
  digest(crypto: Crypto): Uint8Array {
    const parts: string[] = [];
    for (const [k, slot] of this.slots) parts.push(`${k}:${slot.history.map((w) => `${w.start_ms}.${w.owner}.${w.seq}`).join(',')}`);
    parts.sort();
    return crypto.sha256(utf8(parts.join(';'))).subarray(0, 16);
  }
}
