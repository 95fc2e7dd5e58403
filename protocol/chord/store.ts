// The key/value store of one node: primary copies (keys in (predecessor, self]) and replicas
// held for up to r-1 predecessors. Every entry carries a version assigned by the node that
// accepted the write; the higher version wins everywhere, so replicas converge whatever order
// pushes arrive in. A delete is a tombstone with its own version (so a stale replica cannot
// bring the key back) that is forgotten after tombstone_ttl_ms. A replica that its primary
// stops refreshing (it moved out of our replica range) expires after replica_ttl_ms.
import { hex } from '../core/bytes.ts';
import type { Millis } from '../core/time.ts';
import type { ChordId } from './id.ts';
import type { Item } from './wire.ts';

export interface Entry {
  readonly key: Uint8Array;
  readonly keyId: ChordId;
  /** undefined = tombstone. */
  value: Uint8Array | undefined;
  version: number;
  /** Last time the write or a refresh from the primary reached us. */
  refreshedAt: Millis;
}

export type ApplyResult = 'stored' | 'refreshed' | 'stale' | 'full';

export class ChordStore {
  private readonly entries = new Map<string, Entry>();
  /** Writes refused because the store was full. */
  refused = 0;

  constructor(readonly keys_max: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: Uint8Array): Entry | undefined {
    return this.entries.get(hex(key));
  }

  /** Live (non-deleted) keys, for the application and the consistency checker. */
  *values(): IterableIterator<Entry> {
    yield* this.entries.values();
  }

  /** A write accepted here: the version becomes one above what we hold. */
  write(now: Millis, key: Uint8Array, keyId: ChordId, value: Uint8Array | undefined): Entry | undefined {
    const name = hex(key);
    const existing = this.entries.get(name);
    if (existing === undefined && this.entries.size >= this.keys_max) {
      this.refused++;
      return undefined;
    }
    const version = (existing?.version ?? 0) + 1;
    const entry: Entry = { key, keyId, value, version, refreshedAt: now };
    this.entries.set(name, entry);
    return entry;
  }

  /** A copy pushed by another node (replication, refresh or hand-over): higher version wins. */
  apply(now: Millis, item: Item, keyId: ChordId): ApplyResult {
    const name = hex(item.key);
    const existing = this.entries.get(name);
    if (existing !== undefined) {
      if (existing.version > item.version) return 'stale';
      if (existing.version === item.version) {
        existing.refreshedAt = now;
        return 'refreshed';
      }
      existing.value = item.value;
      existing.version = item.version;
      existing.refreshedAt = now;
      return 'stored';
    }
    if (this.entries.size >= this.keys_max) {
      this.refused++;
      return 'full';
    }
    this.entries.set(name, { key: item.key, keyId, value: item.value, version: item.version, refreshedAt: now });
    return 'stored';
  }

  /**
   * Drops expired tombstones and replicas nobody refreshes. `isPrimary` keeps what this node
   * is now responsible for (a predecessor died and its range became ours).
   */
  expire(now: Millis, isPrimary: (id: ChordId) => boolean, replica_ttl_ms: number, tombstone_ttl_ms: number): number {
    let dropped = 0;
    for (const [name, entry] of this.entries) {
      const tombstone = entry.value === undefined;
      if (tombstone && now >= entry.refreshedAt + tombstone_ttl_ms) {
        this.entries.delete(name);
        dropped++;
      } else if (!tombstone && !isPrimary(entry.keyId) && now >= entry.refreshedAt + replica_ttl_ms) {
        this.entries.delete(name);
        dropped++;
      }
    }
    return dropped;
  }

  toItem(entry: Entry): Item {
    return { key: entry.key, value: entry.value, version: entry.version };
  }
}
