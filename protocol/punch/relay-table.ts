// Relay circuits between two consenting registered peers, created when the server issues a
// punch. A circuit belongs to the two ids, not to addresses: only the id's own authenticated
// re-registration moves its end (NAT rebinding), so nobody can move someone else's circuit by
// registering from their address. Limits, all named in RelayLimits:
//   - per circuit: a byte rate (token bucket), so a relay is usable but cannot be a firehose;
//   - per server: a byte rate over all circuits;
//   - per pair of ids: a byte budget per window and a duration, both kept by pair (in a
//     bounded table that outlives circuits), so reconnecting does not renew them;
//   - per id: at most `circuits_per_id_max` circuits (per-destination bound: an id receives at
//     most that many circuit rates), and `circuits_max` in all.
// A budget or duration limit ends the circuit; the server tells both peers (`relay-limit`).
import { addrEquals, type Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import { TokenBucket } from './rate-limiter.ts';
import type { RelayLimitReason } from './rendezvous-wire.ts';

export interface RelayLimits {
  readonly circuits_max: number;
  readonly circuits_per_id_max: number;
  /** Bytes one pair of ids may relay per `circuit_window_ms` (its budget; reconnecting keeps it). */
  readonly circuit_bytes_max: number;
  readonly circuit_window_ms: number;
  /** A pair's circuits end this long after its window opened. */
  readonly circuit_duration_ms: number;
  readonly circuit_rate_bytes_per_s: number;
  readonly circuit_burst_bytes: number;
  readonly relay_rate_bytes_per_s: number;
  readonly relay_burst_bytes: number;
  /** Pair budgets remembered (each lives one window after its pair last opened a circuit). */
  readonly pair_budgets_max: number;
}

export interface Circuit {
  readonly session: number;
  /** The punch's session key, kept so a repeated request gets the same punch again. */
  readonly key: Uint8Array;
  readonly opened_at: Millis;
  readonly pair: string;
  readonly ids: readonly [string, string];
  /** Current addresses of ids[0] and ids[1]. */
  readonly addrs: [Addr, Addr];
  readonly expires_at: Millis;
  readonly bucket: TokenBucket;
}

export type ForwardResult =
  | { readonly to: Addr }
  | { readonly drop: 'relay-unknown-session' | 'relay-forged' | 'relay-rate-limited' | 'relay-server-rate-limited' }
  | { readonly drop: 'relay-limit'; readonly ended: Circuit; readonly reason: RelayLimitReason };

interface PairBudget {
  readonly window_start: Millis;
  used_bytes: number;
}

export class RelayTable {
  private readonly circuits = new Map<number, Circuit>();
  private readonly byPair = new Map<string, number>();
  private readonly byId = new Map<string, Set<number>>();
  private readonly budgets = new Map<string, PairBudget>();
  private readonly server: TokenBucket;
  /** Pair budgets forgotten early because the table was full (each could renew a budget). */
  budgetEvictions = 0;

  constructor(readonly limits: RelayLimits) {
    this.server = new TokenBucket(limits.relay_rate_bytes_per_s, limits.relay_burst_bytes, 0);
  }

  get size(): number {
    return this.circuits.size;
  }

  get budgetsSize(): number {
    return this.budgets.size;
  }

  has(session: number): boolean {
    return this.circuits.has(session);
  }

  /** The pair's budget, opening a new window when the last one is over. */
  private budget(now: Millis, pair: string): PairBudget {
    const existing = this.budgets.get(pair);
    if (existing && now < existing.window_start + this.limits.circuit_window_ms) return existing;
    if (existing) this.budgets.delete(pair);
    while (this.budgets.size >= this.limits.pair_budgets_max) {
      // Oldest windows first (insertion order); an over window costs nothing to forget.
      const [oldest, b] = this.budgets.entries().next().value as [string, PairBudget];
      if (now < b.window_start + this.limits.circuit_window_ms) this.budgetEvictions++;
      this.budgets.delete(oldest);
    }
    const fresh = { window_start: now, used_bytes: 0 };
    this.budgets.set(pair, fresh);
    return fresh;
  }

  /** Opens a circuit for a pair of ids, replacing that pair's previous one. False when full. */
  open(now: Millis, session: number, key: Uint8Array, pair: string, a: { id: string; addr: Addr }, b: { id: string; addr: Addr }): boolean {
    const previous = this.byPair.get(pair);
    if (previous !== undefined) this.close(previous);
    for (const id of [a.id, b.id]) {
      const mine = this.byId.get(id);
      if (mine && mine.size >= this.limits.circuits_per_id_max) for (const s of mine) { this.close(s); break; }
    }
    if (this.circuits.size >= this.limits.circuits_max) this.sweep(now, 1);
    if (this.circuits.size >= this.limits.circuits_max) return false;
    const budget = this.budget(now, pair);
    const c: Circuit = {
      session, key, opened_at: now, pair, ids: [a.id, b.id], addrs: [a.addr, b.addr],
      expires_at: budget.window_start + this.limits.circuit_duration_ms,
      bucket: new TokenBucket(this.limits.circuit_rate_bytes_per_s, this.limits.circuit_burst_bytes, now),
    };
    this.circuits.set(session, c);
    this.byPair.set(pair, session);
    for (const id of c.ids) {
      let set = this.byId.get(id);
      if (!set) this.byId.set(id, (set = new Set()));
      set.add(session);
    }
    return true;
  }

  /** The live circuit of a pair of ids, if any. */
  ofPair(now: Millis, pair: string): Circuit | undefined {
    const session = this.byPair.get(pair);
    const c = session === undefined ? undefined : this.circuits.get(session);
    return c && c.expires_at > now ? c : undefined;
  }

  close(session: number): void {
    const c = this.circuits.get(session);
    if (!c) return;
    this.circuits.delete(session);
    if (this.byPair.get(c.pair) === session) this.byPair.delete(c.pair);
    for (const id of c.ids) {
      const set = this.byId.get(id);
      set?.delete(session);
      if (set && set.size === 0) this.byId.delete(id);
    }
  }

  /** `id` re-registered (authenticated) from a new address: its ends of its circuits follow it. */
  rebind(id: string, to: Addr): void {
    const sessions = this.byId.get(id);
    if (!sessions) return;
    for (const s of sessions) {
      const c = this.circuits.get(s)!;
      if (c.ids[0] === id) c.addrs[0] = to;
      if (c.ids[1] === id) c.addrs[1] = to;
    }
  }

  forward(now: Millis, session: number, from: Addr, bytes: number): ForwardResult {
    const c = this.circuits.get(session);
    if (!c) return { drop: 'relay-unknown-session' };
    const to = addrEquals(from, c.addrs[0]) ? c.addrs[1] : addrEquals(from, c.addrs[1]) ? c.addrs[0] : undefined;
    if (!to) return { drop: 'relay-forged' };
    if (now >= c.expires_at) {
      this.close(session);
      return { drop: 'relay-limit', ended: c, reason: 'duration' };
    }
    const budget = this.budget(now, c.pair);
    if (budget.used_bytes + bytes > this.limits.circuit_bytes_max) {
      this.close(session);
      return { drop: 'relay-limit', ended: c, reason: 'budget' };
    }
    if (!c.bucket.allow(now, bytes)) return { drop: 'relay-rate-limited' };
    if (!this.server.allow(now, bytes)) return { drop: 'relay-server-rate-limited' };
    budget.used_bytes += bytes;
    return { to };
  }

  /** Closes up to `budget` circuits whose duration is over (oldest first). */
  sweep(now: Millis, budget: number): number {
    let removed = 0;
    for (const c of [...this.circuits.values()]) {
      if (removed >= budget) break;
      if (now < c.expires_at) continue;
      this.close(c.session);
      removed++;
    }
    return removed;
  }

  nextExpiry(): Millis | undefined {
    let at: Millis | undefined;
    for (const c of this.circuits.values()) if (at === undefined || c.expires_at < at) at = c.expires_at;
    return at;
  }
}
