// The rendezvous server's table of registered peers: id -> token, observed address, candidates,
// NAT report, measured RTT and whom the peer consents to be punched with. Bounded
// (`registrations_max`) and fair (`per_prefix_max` per source prefix; a full table evicts from
// the prefix holding most entries, oldest first: fair-table.ts), expiring (`ttl_ms`). Only the
// holder of an id's token may refresh or replace it. Global order equals expiry order
// (refresh = re-insert), so expiry sweeps look only at the front.
import type { Addr } from '../core/addr.ts';
import { equalBytes } from '../core/bytes.ts';
import type { Millis } from '../core/time.ts';
import { FairTable, type Evicted } from './fair-table.ts';
import type { NatReport } from './nat-report.ts';
import type { Candidate } from './rendezvous-wire.ts';
import { sourcePrefix } from './source-prefix.ts';

/** "I agree to be punched with `peer`", from the id's own authenticated connect. */
export interface Consent {
  readonly peer: string;
  /** The nonce of that connect: the punch the server sends this peer carries it back. */
  readonly nonce: number;
}

export interface Registration {
  readonly id: string;
  readonly token: Uint8Array;
  readonly addr: Addr;
  readonly candidates: readonly Candidate[];
  readonly nat: NatReport;
  readonly rtt_ms: number;
  readonly expires_at: Millis;
  /** One consent per id (a per-id quota of one); kept across refreshes. */
  consent: Consent | undefined;
}

export type RegisterResult = 'created' | 'refreshed' | 'conflict';

/** Tokens are compared in constant time (the shared helper of protocol/core/bytes.ts). */
export const tokensEqual = equalBytes;

export class Registry {
  private readonly table: FairTable<Registration>;
  /** Entries pushed out to make room (by prefix quota or by a full table). */
  evictions = 0;

  constructor(
    readonly registrations_max: number,
    readonly ttl_ms: number,
    readonly per_prefix_max: number = registrations_max,
  ) {
    this.table = new FairTable(registrations_max, per_prefix_max);
  }

  get size(): number {
    return this.table.size;
  }

  /** Registrations held by the prefix of `a`. */
  countOf(a: Addr): number {
    return this.table.countOf(sourcePrefix(a));
  }

  /** Stores or refreshes a registration; never refuses for room (see the header). */
  register(now: Millis, entry: Omit<Registration, 'expires_at' | 'consent'>): { result: RegisterResult; evicted?: Evicted<Registration> } {
    const existing = this.table.get(entry.id);
    const live = existing !== undefined && existing.expires_at > now;
    if (live && !tokensEqual(existing.token, entry.token)) return { result: 'conflict' };
    if (!existing) this.sweep(now, 2); // expired entries go before anyone live is evicted
    // The registry keeps `entry.token` as given: callers pass a buffer they no longer touch.
    const record: Registration = {
      id: entry.id, token: entry.token, addr: entry.addr, candidates: entry.candidates, nat: entry.nat, rtt_ms: entry.rtt_ms,
      expires_at: now + this.ttl_ms, consent: live ? existing.consent : undefined,
    };
    const evicted = this.table.set(entry.id, sourcePrefix(entry.addr), record);
    if (evicted) this.evictions++;
    const result: RegisterResult = live ? 'refreshed' : 'created';
    return evicted ? { result, evicted } : { result };
  }

  lookup(now: Millis, id: string): Registration | undefined {
    const entry = this.table.get(id);
    if (!entry) return undefined;
    if (entry.expires_at <= now) {
      this.table.delete(id);
      return undefined;
    }
    return entry;
  }

  /** Removes up to `budget` expired entries from the front; returns how many it removed. */
  sweep(now: Millis, budget: number): number {
    let removed = 0;
    while (removed < budget) {
      const front = this.table.oldest();
      if (!front || front.value.expires_at > now) break;
      this.table.delete(front.key);
      removed++;
    }
    return removed;
  }

  nextExpiry(): Millis | undefined {
    return this.table.oldest()?.value.expires_at;
  }
}
