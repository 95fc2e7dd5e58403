// The replicated dict's merge rule against a plain model (fc.commands: one writer, then
// several writers with leases and deletes in time order), and convergence: replicas that
// received the same writes in any order, or that exchanged what they hold (digest mismatch →
// push), hold the same entries and the same digest.
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { SyncReplica } from '../../../protocol/sync/replica.ts';
import { admits, expiresAt, type SyncWrite } from '../../../protocol/sync/write.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const OWNERS = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];
const KEYS = ['k0', 'k1', 'k2'];
const LEASE = 1_000;

interface Model {
  now: number;
  seq: number;
  entries: Map<string, { value: string | undefined; owner: string; expires: number }>;
}
interface Real {
  replica: SyncReplica;
}

/** One local write as SyncNode makes it: refused while another owner's lease holds. */
class Write implements fc.Command<Model, Real> {
  constructor(
    readonly owner: number,
    readonly key: number,
    readonly value: string | undefined,
    readonly advance_ms: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    m.now += this.advance_ms;
    const key = KEYS[this.key]!;
    const owner = OWNERS[this.owner]!;
    const held = m.entries.get(key);
    const allowed = held === undefined || held.owner === owner || m.now >= held.expires;
    const w: SyncWrite = { key: enc(key), value: this.value === undefined ? undefined : enc(this.value), owner, start_ms: m.now, lease_ms: this.value === undefined ? 0 : LEASE, seq: m.seq++ };
    // The node's local check, phrased on the replica's head.
    const head = r.replica.head(enc(key));
    const localAllowed = head === undefined || head.owner === owner || m.now >= expiresAt(head);
    expect(localAllowed).toBe(allowed);
    if (allowed) {
      m.entries.set(key, { value: this.value, owner, expires: this.value === undefined ? m.now : m.now + LEASE });
      expect(r.replica.apply(w)).toBe('changed');
    }
    for (const k of KEYS) expect(dec(r.replica.head(enc(k))?.value)).toBe(m.entries.get(k)?.value);
  }
  toString(): string {
    return `write(${this.owner},${this.key},${this.value},+${this.advance_ms})`;
  }
}

const command = (owners: number) =>
  fc.record({ owner: fc.nat(owners - 1), key: fc.nat(KEYS.length - 1), value: fc.option(fc.string({ maxLength: 4 }), { nil: undefined, freq: 4 }), advance: fc.nat(600) }).map((c) => new Write(c.owner, c.key, c.value, c.advance));

describe('sync replica against a model', () => {
  it.prop([fc.commands([command(1)], { maxCommands: 60 })], { numRuns: 150 })('single writer', (cmds) => {
    fc.modelRun(() => ({ model: { now: 0, seq: 0, entries: new Map() }, real: { replica: new SyncReplica() } }), cmds);
  });
  it.prop([fc.commands([command(3)], { maxCommands: 80 })], { numRuns: 200 })('concurrent writers with leases and deletes', (cmds) => {
    fc.modelRun(() => ({ model: { now: 0, seq: 0, entries: new Map() }, real: { replica: new SyncReplica() } }), cmds);
  });
});

const write: fc.Arbitrary<SyncWrite> = fc
  .record({ owner: fc.constantFrom(...OWNERS), key: fc.constantFrom(...KEYS), value: fc.option(fc.constantFrom('x', 'y', 'z'), { nil: undefined }), start_ms: fc.nat(5_000), seq: fc.nat(3) })
  .map((w) => ({ key: enc(w.key), value: w.value === undefined ? undefined : enc(w.value), owner: w.owner, start_ms: w.start_ms, lease_ms: w.value === undefined ? 0 : LEASE, seq: w.seq }));

const view = (r: SyncReplica): string => JSON.stringify(r.entries().map(([k, v]) => [dec(k), dec(v)]));

describe('convergence', () => {
  it.prop([fc.array(write, { maxLength: 40 }), fc.nat()], { numRuns: 300 })('the same writes in any order give the same entries and digest', (writes, seed) => {
    const a = new SyncReplica();
    const b = new SyncReplica();
    for (const w of writes) a.apply(w);
    const shuffled = [...writes];
    let s = seed;
    for (let i = shuffled.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) >>> 0;
      const j = s % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    for (const w of shuffled) b.apply(w);
    expect(view(a)).toBe(view(b));
    expect(a.digest(nobleCrypto)).toEqual(b.digest(nobleCrypto));
  });

  it.prop([fc.array(write, { maxLength: 30 }), fc.array(write, { maxLength: 30 })], { numRuns: 300 })('two replicas that exchanged what they hold agree', (x, y) => {
    const a = new SyncReplica();
    const b = new SyncReplica();
    for (const w of x) a.apply(w);
    for (const w of y) b.apply(w);
    // What SyncNode does on a digest mismatch: each side pushes all it holds.
    const fromA = a.writes();
    const fromB = b.writes();
    for (const w of fromB) a.apply(w);
    for (const w of fromA) b.apply(w);
    expect(a.digest(nobleCrypto)).toEqual(b.digest(nobleCrypto));
    expect(view(a)).toBe(view(b));
  });

  it('the lease rule: the earlier write holds, the later one wins only after expiry', () => {
    const w = (owner: string, start_ms: number): SyncWrite => ({ key: enc('k'), value: enc(owner), owner, start_ms, lease_ms: LEASE, seq: 0 });
    expect(admits(w('a', 0), w('b', 999))).toBe(false);
    expect(admits(w('a', 0), w('b', 1_000))).toBe(true);
    expect(admits(w('a', 0), w('a', 1))).toBe(true);
    const r = new SyncReplica();
    r.apply(w('b'.repeat(32), 500));
    r.apply(w('a'.repeat(32), 100)); // arrives later, started earlier: it holds the lease
    expect(dec(r.head(enc('k'))?.value)).toBe('a'.repeat(32));
  });
});
