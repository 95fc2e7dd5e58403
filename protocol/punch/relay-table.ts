// Relay circuits between two registered peers, created when the server issues a punch. A
// circuit forwards datagrams only between its two endpoint addresses, for at most
// `circuit_bytes_max` bytes and `circuit_duration_ms`; the table holds at most `circuits_max`.
import { addrEquals, type Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';

export interface Circuit {
  readonly session: number;
  /** The punch's session key, kept so a repeated request gets the same punch again. */
  readonly key: Uint8Array;
  readonly opened_at: Millis;
  readonly pair: string;
  a: Addr;
  b: Addr;
  bytes_left: number;
  readonly expires_at: Millis;
}

export type ForwardResult = { readonly to: Addr } | { readonly drop: 'relay-unknown-session' | 'relay-forged' | 'relay-expired' | 'relay-byte-limit' };

export class RelayTable {
  private readonly circuits = new Map<number, Circuit>();
  private readonly byPair = new Map<string, number>();

  constructor(
    readonly circuits_max: number,
    readonly circuit_bytes_max: number,
    readonly circuit_duration_ms: number,
  ) {}

  get size(): number {
    return this.circuits.size;
  }

  has(session: number): boolean {
    return this.circuits.has(session);
  }

  /** Opens a circuit for a pair of ids, replacing that pair's previous one. False when full. */
  open(now: Millis, session: number, key: Uint8Array, pair: string, a: Addr, b: Addr): boolean {
    const previous = this.byPair.get(pair);
    if (previous !== undefined) this.close(previous);
    if (this.circuits.size >= this.circuits_max) this.sweep(now, 1);
    if (this.circuits.size >= this.circuits_max) return false;
    this.circuits.set(session, { session, key, opened_at: now, pair, a, b, bytes_left: this.circuit_bytes_max, expires_at: now + this.circuit_duration_ms });
    this.byPair.set(pair, session);
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
  }

  /** A peer re-registered from a new address (NAT rebinding): its circuits follow it. */
  rebind(from: Addr, to: Addr): void {
    for (const c of this.circuits.values()) {
      if (addrEquals(c.a, from)) c.a = to;
      else if (addrEquals(c.b, from)) c.b = to;
    }
  }

  forward(now: Millis, session: number, from: Addr, bytes: number): ForwardResult {
    const c = this.circuits.get(session);
    if (!c) return { drop: 'relay-unknown-session' };
    if (c.expires_at <= now) {
      this.close(session);
      return { drop: 'relay-expired' };
    }
    const to = addrEquals(from, c.a) ? c.b : addrEquals(from, c.b) ? c.a : undefined;
    if (!to) return { drop: 'relay-forged' };
    if (bytes > c.bytes_left) return { drop: 'relay-byte-limit' };
    c.bytes_left -= bytes;
    return { to };
  }

  sweep(now: Millis, budget: number): number {
    let removed = 0;
    for (const c of this.circuits.values()) {
      if (removed >= budget || c.expires_at > now) break;
      this.close(c.session);
      removed++;
    }
    return removed;
  }

  nextExpiry(): Millis | undefined {
    for (const c of this.circuits.values()) return c.expires_at;
    return undefined;
  }
}
