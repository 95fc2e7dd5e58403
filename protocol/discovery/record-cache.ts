// The mDNS record cache (RFC 6762 §10): each record lives until its TTL runs out; a goodbye
// (TTL 0) keeps it one more second (§10.1); a cache-flush record evicts the older members of
// its rrset one second later (§10.2). Bounded by `records_max`; the earliest expiry is the
// deadline the owning machine reports, compared as stored.
import type { Millis } from '../core/time.ts';
import { type DnsRecord, type Name, nameEquals, nameKey, recordKey, typeCode } from './dns-wire.ts';

export interface CachedRecord {
  readonly record: DnsRecord;
  readonly nameKey: string;
  readonly received_at: Millis;
  expires_at: Millis;
  /** Refresh queries already due (§5.2: at 80, 85, 90 and 95% of the TTL). */
  refreshes: number;
}

/** §5.2: a record still wanted is queried for at these fractions of its TTL. */
export const REFRESH_POINTS = [0.8, 0.85, 0.9, 0.95] as const;

/** §10.1 / §10.2: a goodbye or a flushed record is forgotten one second later. */
export const FLUSH_DELAY_MS = 1_000;

export class RecordCache {
  private readonly entries = new Map<string, CachedRecord>();
  refused = 0;

  constructor(readonly records_max: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds or refreshes `record`; returns false when the cache is full (counted). */
  add(now: Millis, record: DnsRecord): boolean {
    const key = recordKey(record);
    if (record.cacheFlush && record.ttl_s > 0) {
      for (const entry of this.entries.values()) {
        const r = entry.record;
        if (entry.received_at + FLUSH_DELAY_MS <= now && nameEquals(r.name, record.name) && typeCode(r.data) === typeCode(record.data) && recordKey(r) !== key) {
          entry.expires_at = Math.min(entry.expires_at, now + FLUSH_DELAY_MS);
        }
      }
    }
    const present = this.entries.get(key);
    if (record.ttl_s === 0) {
      if (present) present.expires_at = Math.min(present.expires_at, now + FLUSH_DELAY_MS);
      return true;
    }
    if (!present && this.entries.size >= this.records_max) {
      this.refused++;
      return false;
    }
    this.entries.set(key, { record, nameKey: nameKey(record.name), received_at: now, expires_at: now + record.ttl_s * 1_000, refreshes: 0 });
    return true;
  }

  /** Removes every record due at `now`; returns them. */
  expire(now: Millis): DnsRecord[] {
    const gone: DnsRecord[] = [];
    for (const [key, entry] of this.entries) {
      if (now >= entry.expires_at) {
        gone.push(entry.record);
        this.entries.delete(key);
      }
    }
    return gone;
  }

  nextExpiry(): Millis | undefined {
    let best: Millis | undefined;
    for (const entry of this.entries.values()) if (best === undefined || entry.expires_at < best) best = entry.expires_at;
    return best;
  }

  /** Records named `name` (of `type` when given). */
  find(name: Name, type?: number): CachedRecord[] {
    const key = nameKey(name);
    const out: CachedRecord[] = [];
    for (const entry of this.entries.values()) {
      if (entry.nameKey === key && (type === undefined || typeCode(entry.record.data) === type)) out.push(entry);
    }
    return out;
  }

  /** When the next refresh query of `entry` is due, or undefined after the last one. */
  static refreshAt(entry: CachedRecord): Millis | undefined {
    const point = REFRESH_POINTS[entry.refreshes];
    if (point === undefined || entry.record.ttl_s === 0 || entry.expires_at < entry.received_at + entry.record.ttl_s * 1_000) return undefined;
    return entry.received_at + entry.record.ttl_s * 1_000 * point;
  }

  /** The earliest refresh point of a record `wanted` says we still need. */
  nextRefresh(wanted: (record: DnsRecord) => boolean): Millis | undefined {
    let best: Millis | undefined;
    for (const entry of this.entries.values()) {
      const at = RecordCache.refreshAt(entry);
      if (at !== undefined && (best === undefined || at < best) && wanted(entry.record)) best = at;
    }
    return best;
  }

  /** Records whose refresh point is due at `now` (each advanced to its next point). */
  takeRefreshes(now: Millis, wanted: (record: DnsRecord) => boolean): DnsRecord[] {
    const due: DnsRecord[] = [];
    for (const entry of this.entries.values()) {
      const at = RecordCache.refreshAt(entry);
      if (at === undefined || now < at || !wanted(entry.record)) continue;
      // Skip the points already passed too: one query per record per refresh round.
      while (RecordCache.refreshAt(entry) !== undefined && now >= RecordCache.refreshAt(entry)!) entry.refreshes++;
      due.push(entry.record);
    }
    return due;
  }

  /**
   * §7.1 known answers: records for `name` with more than half their TTL left, each with its
   * remaining TTL (what the querier still believes).
   */
  knownAnswers(now: Millis, name: Name, type: number): DnsRecord[] {
    const out: DnsRecord[] = [];
    for (const entry of this.find(name, type)) {
      const remaining_ms = entry.expires_at - now;
      if (remaining_ms * 2 > entry.record.ttl_s * 1_000) out.push({ ...entry.record, ttl_s: Math.floor(remaining_ms / 1_000) });
    }
    return out;
  }

  clear(): void {
    this.entries.clear();
  }
}
