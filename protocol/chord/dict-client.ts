// py2p's dict API over the ring: get (with an optional default), set, delete, update(map),
// keys as bytes or strings. Each operation looks up successor(hash(key)) and then talks to the
// responsible node, falling back along the successor list it named (its r replicas) when one
// is silent, so reads succeed while any replica lives. Results and typed errors come back as
// events carrying the caller's `op` number. Also the serving side: GET and PUT handlers.
import type { Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { ChordNode } from './chord-node.ts';
import type { LookupResult } from './lookup.ts';
import type { ChordErrorCode } from './events.ts';
import { idText } from './id.ts';
import { T, type Item } from './wire.ts';
import { fromUtf8Strict, hex, utf8 } from '../core/bytes.ts';

export type DictKey = Uint8Array | string;

export type DictCommand =
  /** `fallback`: answer found:false with this value instead of a not-found error (py2p's default). */
  | { readonly type: 'get'; readonly op: number; readonly key: DictKey; readonly fallback?: DictKey }
  | { readonly type: 'set'; readonly op: number; readonly key: DictKey; readonly value: DictKey }
  | { readonly type: 'delete'; readonly op: number; readonly key: DictKey }
  | { readonly type: 'update'; readonly op: number; readonly entries: ReadonlyArray<readonly [DictKey, DictKey]> }
  /** Routing only: successor(hash(key)) or successor(id), with the hop path. */
  | { readonly type: 'lookup'; readonly op: number; readonly key?: DictKey; readonly id?: bigint };


export function toBytes(key: DictKey): Uint8Array {
  return typeof key === 'string' ? utf8(key) : key;
}

/** Key text for events: UTF-8 when it decodes cleanly, else hex. */
export function keyText(key: Uint8Array): string {
  return fromUtf8Strict(key) ?? `0x${hex(key)}`;
}

/** Reads answered "absent" by a replica before the read gives up (a new primary may not hold it yet). */
const absent_tries_max = 3;
/** Bytes a GET is padded to by default; a larger value costs one more round trip at its size. */
const get_pad_bytes = 256;

export class DictClient {
  private inFlight = 0;

  constructor(private readonly node: ChordNode) {}

  handle(now: Millis, command: DictCommand): void {
    const node = this.node;
    const op = command.op;
    const fail = (code: ChordErrorCode, detail: string): void => node.emit({ type: 'error', op, operation: command.type, code, detail });
    if (!node.joined) return fail('not-joined', 'create or join a ring first');
    if (this.inFlight >= node.limits.pending_max) return fail('busy', `${this.inFlight} operations in flight`);
    switch (command.type) {
      case 'lookup': {
        const target = command.id ?? (command.key !== undefined ? node.keyId(toBytes(command.key)) : undefined);
        if (target === undefined || target < 0n || target >> BigInt(node.m_bits) !== 0n) return fail('invalid-key', 'lookup needs a key or an id in [0, 2^m)');
        this.start();
        node.lookup(
          now,
          target,
          (_at, r) => {
            this.end();
            node.emit({ type: 'lookup-result', op, target: idText(target, node.m_bits), successor: node.info(r.nodes[0]!), hops: r.hops, path: r.path.map((p) => idText(p.id, node.m_bits)), timeouts: r.timeouts });
          },
          (_at, code, detail) => {
            this.end();
            fail(code, detail);
          },
        );
        return;
      }
      case 'get': {
        const key = toBytes(command.key);
        const bad = this.checkKey(key);
        if (bad) return fail(bad[0], bad[1]);
        this.start();
        this.locate(now, key, (code, detail) => {
          this.end();
          if (code === 'not-found' && command.fallback !== undefined) {
            node.emit({ type: 'get-result', op, key: keyText(key), value: toBytes(command.fallback), found: false, hops: 0 });
          } else fail(code, detail);
        }, (at, r) => this.fetch(at, r, 0, 0, get_pad_bytes, key, op, (code, detail) => {
          this.end();
          if (code === 'not-found' && command.fallback !== undefined) {
            node.emit({ type: 'get-result', op, key: keyText(key), value: toBytes(command.fallback), found: false, hops: r.hops });
          } else fail(code, detail);
        }));
        return;
      }
      case 'set':
      case 'delete': {
        const key = toBytes(command.key);
        const value = command.type === 'set' ? toBytes(command.value) : undefined;
        const bad = this.checkKey(key) ?? (value && value.byteLength > node.limits.value_bytes_max ? (['too-large', `value ${value.byteLength} > ${node.limits.value_bytes_max} bytes`] as const) : undefined);
        if (bad) return fail(bad[0], bad[1]);
        this.start();
        this.write(now, key, value, (code, detail) => {
          this.end();
          if (code) return fail(code, detail);
        }, (version, hops) => {
          this.end();
          if (command.type === 'set') node.emit({ type: 'set-result', op, key: keyText(key), version, hops });
          else node.emit({ type: 'delete-result', op, key: keyText(key), hops });
        });
        return;
      }
      case 'update': {
        if (command.entries.length === 0) return node.emit({ type: 'update-result', op, keys: 0 });
        if (command.entries.length > node.limits.pending_max - this.inFlight) return fail('busy', `${command.entries.length} keys in one update`);
        for (const [k, v] of command.entries) {
          const bad = this.checkKey(toBytes(k)) ?? (toBytes(v).byteLength > node.limits.value_bytes_max ? (['too-large', 'value too large'] as const) : undefined);
          if (bad) return fail(bad[0], bad[1]);
        }
        let left = command.entries.length;
        let failed = false;
        for (const [k, v] of command.entries) {
          this.start();
          const settle = (code: ChordErrorCode | undefined, detail: string): void => {
            this.end();
            left--;
            if (code && !failed) {
              failed = true;
              fail(code, `${keyText(toBytes(k))}: ${detail}`);
            }
            if (left === 0 && !failed) node.emit({ type: 'update-result', op, keys: command.entries.length });
          };
          this.write(now, toBytes(k), toBytes(v), (code, detail) => settle(code, detail), () => settle(undefined, ''));
        }
        return;
      }
    }
  }

  private start(): void {
    this.inFlight++;
  }

  private end(): void {
    this.inFlight--;
  }

  private checkKey(key: Uint8Array): readonly [ChordErrorCode, string] | undefined {
    if (key.byteLength === 0) return ['invalid-key', 'empty key'];
    if (key.byteLength > this.node.limits.key_bytes_max) return ['too-large', `key ${key.byteLength} > ${this.node.limits.key_bytes_max} bytes`];
    return undefined;
  }

  private locate(now: Millis, key: Uint8Array, fail: (code: ChordErrorCode, detail: string) => void, found: (now: Millis, r: LookupResult) => void): void {
    this.node.lookup(now, this.node.keyId(key), found, (_at, code, detail) => fail(code, detail), undefined, undefined, this.node.limits.successors);
  }

  /** Reads from the replicas in order: the first that has it answers; silence moves on. */
  private fetch(now: Millis, r: LookupResult, index: number, absents: number, pad: number, key: Uint8Array, op: number, fail: (code: ChordErrorCode, detail: string) => void): void {
    const node = this.node;
    const target = r.nodes[index];
    if (target === undefined || absents >= absent_tries_max) {
      if (absents > 0) fail('not-found', `${absents} replica(s) do not hold it`);
      else fail('timeout', `no replica of ${r.nodes.length} answered`);
      return;
    }
    const found = (value: Uint8Array): void => {
      this.end();
      node.emit({ type: 'get-result', op, key: keyText(key), value, found: true, hops: r.hops });
    };
    if (target.id === node.self.id) {
      const entry = node.store.get(key);
      if (entry?.value !== undefined) return found(entry.value);
      if (entry !== undefined) return fail('not-found', 'deleted');
      return this.fetch(now, r, index + 1, absents + 1, pad, key, op, fail);
    }
    const sent = node.request(
      now,
      target.addr,
      (rid) => ({ t: T.Get, rid, key, pad }),
      'data',
      (at, reply) => {
        if (reply.t !== T.GetReply) return this.fetch(at, r, index + 1, absents, pad, key, op, fail);
        if (reply.status === 'found') return found(reply.value);
        if (reply.status === 'deleted') return fail('not-found', 'deleted');
        if (reply.status === 'too-large' && pad < reply.size + 64 + key.byteLength) return this.fetch(at, r, index, absents, reply.size + 64 + key.byteLength, key, op, fail);
        return this.fetch(at, r, index + 1, absents + 1, pad, key, op, fail);
      },
      (at) => this.fetch(at, r, index + 1, absents, pad, key, op, fail),
    );
    if (!sent) fail('busy', 'request table full');
  }

  /** Writes (or deletes) at the first responsive node of successor(hash(key))'s list. */
  private write(now: Millis, key: Uint8Array, value: Uint8Array | undefined, fail: (code: ChordErrorCode, detail: string) => void, done: (version: number, hops: number) => void): void {
    const node = this.node;
    this.locate(now, key, fail, (at, r) => {
      const attempt = (t: Millis, index: number): void => {
        const target = r.nodes[index];
        if (target === undefined) return fail('timeout', `no replica of ${r.nodes.length} answered`);
        if (target.id === node.self.id) {
          const version = this.accept(t, key, value);
          return version === undefined ? fail('store-full', 'local store full') : done(version, r.hops);
        }
        const item: Item = { key, value, version: 0 };
        const sent = node.request(
          t,
          target.addr,
          (rid) => ({ t: T.Put, rid, item }),
          'data',
          (t2, reply) => {
            if (reply.t !== T.PutReply) return attempt(t2, index + 1);
            if (reply.status === 'full') return fail('store-full', `${node.info(target).addr} is full`);
            done(reply.version, r.hops);
          },
          (t2) => attempt(t2, index + 1),
        );
        if (!sent) fail('busy', 'request table full');
      };
      attempt(at, 0);
    });
  }

  /** Stores a write this node accepted and pushes it to its r-1 successors. */
  private accept(now: Millis, key: Uint8Array, value: Uint8Array | undefined): number | undefined {
    const node = this.node;
    const entry = node.store.write(now, key, node.keyId(key), value);
    if (entry === undefined) return undefined;
    node.replication.arm(now);
    const item = node.store.toItem(entry);
    for (const succ of node.routing.successors.slice(0, node.limits.successors - 1)) node.pushItems(succ.addr, [item]);
    return entry.version;
  }

  // ---- serving side ----

  onGet(remote: Addr, rid: number, key: Uint8Array, pad: number): void {
    const node = this.node;
    const entry = node.store.get(key);
    if (entry === undefined) return node.send(remote, { t: T.GetReply, rid, status: 'absent', version: 0, value: new Uint8Array(0), size: 0 }, 'data');
    if (entry.value === undefined) return node.send(remote, { t: T.GetReply, rid, status: 'deleted', version: entry.version, value: new Uint8Array(0), size: 0 }, 'data');
    // The answer may not outweigh the request: a value that does not fit says its size instead.
    if (12 + 1 + 4 + 4 + 2 + entry.value.byteLength > pad) {
      return node.send(remote, { t: T.GetReply, rid, status: 'too-large', version: entry.version, value: new Uint8Array(0), size: entry.value.byteLength }, 'data');
    }
    node.send(remote, { t: T.GetReply, rid, status: 'found', version: entry.version, value: entry.value, size: entry.value.byteLength }, 'data');
  }

  onPut(now: Millis, remote: Addr, rid: number, item: Item): void {
    const version = this.accept(now, item.key, item.value);
    this.node.send(remote, { t: T.PutReply, rid, status: version === undefined ? 'full' : 'stored', version: version ?? 0 }, 'data');
  }
}
