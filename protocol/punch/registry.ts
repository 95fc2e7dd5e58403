// The rendezvous server's table of registered peers: id -> token, observed address, candidates,
// NAT report and measured RTT. Bounded (`registrations_max`) and expiring (`ttl_ms`); only the
// holder of an id's token may refresh or replace it. Map insertion order is kept equal to expiry
// order (refresh = delete + insert), so expiry sweeps and eviction look only at the front.
import type { Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { NatReport } from './nat-report.ts';
import type { Candidate } from './rendezvous-wire.ts';

export interface Registration {
  readonly id: string;
  readonly token: Uint8Array;
  readonly addr: Addr;
  readonly candidates: readonly Candidate[];
  readonly nat: NatReport;
  readonly rtt_ms: number;
  readonly expires_at: Millis;
}

export type RegisterResult = 'created' | 'refreshed' | 'conflict' | 'full';

export function tokensEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export class Registry {
  private readonly entries = new Map<string, Registration>();

  constructor(
    readonly registrations_max: number,
    readonly ttl_ms: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  register(now: Millis, entry: Omit<Registration, 'expires_at'>): RegisterResult {
    const existing = this.entries.get(entry.id);
    if (existing && existing.expires_at > now && !tokensEqual(existing.token, entry.token)) return 'conflict';
    if (existing) this.entries.delete(entry.id);
    else if (this.entries.size >= this.registrations_max) {
      this.sweep(now, 1); // the oldest entry may have expired: make room
      if (this.entries.size >= this.registrations_max) return 'full';
    }
    // The registry keeps `entry.token` as given: callers pass a buffer they no longer touch.
    this.entries.set(entry.id, { id: entry.id, token: entry.token, addr: entry.addr, candidates: entry.candidates, nat: entry.nat, rtt_ms: entry.rtt_ms, expires_at: now + this.ttl_ms });
    return existing && existing.expires_at > now ? 'refreshed' : 'created';
  }

  lookup(now: Millis, id: string): Registration | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expires_at <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  /** Removes up to `budget` expired entries from the front; returns how many it removed. */
  sweep(now: Millis, budget: number): number {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (removed >= budget || entry.expires_at > now) break;
      this.entries.delete(id);
      removed++;
    }
    return removed;
  }

  nextExpiry(): Millis | undefined {
    for (const entry of this.entries.values()) return entry.expires_at;
    return undefined;
  }
}
