// Iterative lookups: this node drives every hop. It asks the best candidate it knows for
// successor(target); the answer is "done" (the answering node's successor list, first =
// successor(target)) or closer candidates, best first. Only candidates strictly between the
// answering hop and the target are taken (no loops); a hop silent for hop_timeout_ms is
// forgotten from the finger table and the next-best candidate is asked. Bounded by
// lookup_hops_max hops + timeouts and by operation_timeout_ms. Also the serving side of
// FIND_SUCC.
import { formatAddr, type Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { ChordLimits } from './config.ts';
import type { ChordErrorCode } from './events.ts';
import { inHalfOpen, inOpen, type ChordId } from './id.ts';
import type { RoutingTable } from './routing.ts';
import { refBytes, T, type ChordWire, type NodeRef } from './wire.ts';

export interface LookupResult {
  readonly nodes: readonly NodeRef[];
  readonly hops: number;
  readonly path: readonly NodeRef[];
  readonly timeouts: number;
}

export type LookupDone = (now: Millis, result: LookupResult) => void;
export type LookupFail = (now: Millis, code: ChordErrorCode, detail: string) => void;

interface Lookup {
  readonly target: ChordId;
  /** Nodes wanted in the final answer (1 for a finger, r for a data operation). */
  readonly want: number;
  readonly candidates: NodeRef[];
  readonly tried: Set<bigint>;
  /** Hops that went silent (ids), so the local fall-back never names them. */
  readonly silent: bigint[];
  hops: number;
  timeouts: number;
  readonly path: NodeRef[];
  readonly deadline: Millis;
  readonly done: LookupDone;
  readonly fail: LookupFail;
}

/** What the lookup engine needs from its node. */
export interface LookupHost {
  readonly self: NodeRef;
  readonly m_bits: number;
  readonly limits: ChordLimits;
  readonly routing: RoutingTable;
  readonly joined: boolean;
  readonly counters: { lookups_started: number; lookups_failed: number; hop_timeouts: number; drops: { unsolicited: number } };
  request(now: Millis, to: Addr, build: (rid: number) => ChordWire, kind: 'lookup', onReply: (now: Millis, m: ChordWire) => void, onTimeout: (now: Millis) => void): boolean;
  send(to: Addr, message: ChordWire, kind: 'lookup'): void;
  /** A hop went silent: a dead node is in someone's tables (ring upkeep speeds up). */
  noteFailure(now: Millis): void;
}

/** Padding for a request whose answer is a list of refs, so the answer never outweighs it. */
export function listPad(m_bits: number, count: number): number {
  return 12 + 2 + count * refBytes(m_bits) + refBytes(m_bits);
}

export class Lookups {
  constructor(private readonly host: LookupHost) {}

  start(now: Millis, target: ChordId, done: LookupDone, fail: LookupFail, bootstrap?: Addr, from?: NodeRef, want = 1): void {
    const host = this.host;
    host.counters.lookups_started++;
    const lk: Lookup = { target, want, candidates: [], tried: new Set(), silent: [], hops: 0, timeouts: 0, path: [], deadline: now + host.limits.operation_timeout_ms, done, fail };
    if (from !== undefined) {
      lk.candidates.push(from, ...host.routing.closestPreceding(target, host.limits.candidates_max));
    } else if (bootstrap === undefined) {
      if (host.routing.successorOwns(target)) {
        done(now, { nodes: host.routing.successorsForReply(host.limits.successors), hops: 0, path: [], timeouts: 0 });
        return;
      }
      lk.candidates.push(...host.routing.closestPreceding(target, host.limits.candidates_max));
      if (lk.candidates.length === 0) lk.candidates.push(host.routing.successor);
    } else {
      // The contact's id is unknown until it answers: a placeholder ref that is never "tried" by id.
      lk.candidates.push({ id: -1n, addr: bootstrap });
    }
    this.step(now, lk);
  }

  private step(now: Millis, lk: Lookup): void {
    const host = this.host;
    if (now >= lk.deadline || lk.hops + lk.timeouts >= host.limits.lookup_hops_max) {
      host.counters.lookups_failed++;
      lk.fail(now, 'timeout', `lookup gave up after ${lk.hops} hops and ${lk.timeouts} timeouts`);
      return;
    }
    let next: NodeRef | undefined;
    while ((next = lk.candidates.shift()) !== undefined) if (!lk.tried.has(next.id) && next.id !== host.self.id) break;
    if (next === undefined && lk.timeouts > 0) {
      // Every candidate named so far went silent: fall back on what we know ourselves, which
      // is fresher than what the silent hops' neighbours said.
      if (this.answerLocally(now, lk)) return;
      for (const ref of host.routing.closestPreceding(lk.target, host.limits.candidates_max, lk.tried)) if (ref.id !== host.self.id) lk.candidates.push(ref);
      next = lk.candidates.shift();
    }
    if (next === undefined) {
      host.counters.lookups_failed++;
      lk.fail(now, 'timeout', `no live candidate left after ${lk.hops} hops and ${lk.timeouts} timeouts`);
      return;
    }
    const hop = next;
    lk.tried.add(hop.id);
    const sent = host.request(
      now,
      hop.addr,
      (rid) => ({ t: T.FindSucc, rid, target: lk.target, pad: listPad(host.m_bits, Math.max(lk.want, host.limits.candidates_max)) }),
      'lookup',
      (at, reply) => this.reply(at, lk, hop, reply),
      (at) => {
        lk.timeouts++;
        lk.silent.push(hop.id);
        host.counters.hop_timeouts++;
        if (hop.id >= 0n) host.routing.forgetFinger(hop.id);
        host.noteFailure(at);
        this.step(at, lk);
      },
    );
    if (!sent) lk.fail(now, 'busy', 'request table full');
  }

  /**
   * After silent hops: when our own successor list, without the silent nodes, reaches past the
   * target, successor(target) is the first of them at or after it (no further hop needed).
   */
  private answerLocally(now: Millis, lk: Lookup): boolean {
    const host = this.host;
    const self = host.self.id;
    const live = host.routing.successors.filter((n) => !lk.silent.includes(n.id));
    for (let k = 0; k < live.length; k++) {
      if (inHalfOpen(lk.target, self, live[k]!.id)) {
        lk.done(now, { nodes: live.slice(k), hops: lk.hops, path: lk.path, timeouts: lk.timeouts });
        return true;
      }
    }
    return false;
  }

  private reply(now: Millis, lk: Lookup, hop: NodeRef, reply: ChordWire): void {
    if (reply.t === T.Mismatch) {
      lk.fail(now, 'mismatch', `${formatAddr(hop.addr)} runs another ring, m or version`);
      return;
    }
    if (reply.t !== T.FindSuccReply) {
      this.host.counters.drops.unsolicited++;
      this.step(now, lk);
      return;
    }
    lk.hops++;
    lk.path.push(hop);
    if (reply.done) {
      if (reply.nodes.length === 0) {
        this.step(now, lk);
        return;
      }
      lk.done(now, { nodes: reply.nodes, hops: lk.hops, path: lk.path, timeouts: lk.timeouts });
      return;
    }
    const self = this.host.self.id;
    // The hop routes back to us (we are the closest node before the target it knows, as for
    // the successor check's n+1): our own successor list answers, no further hop.
    if (reply.nodes[0]?.id === self && this.host.routing.successorOwns(lk.target)) {
      lk.done(now, { nodes: this.host.routing.successorsForReply(this.host.limits.successors), hops: lk.hops, path: lk.path, timeouts: lk.timeouts });
      return;
    }
    const fresh = reply.nodes.filter((n) => !lk.tried.has(n.id) && n.id !== self && (hop.id < 0n || inOpen(n.id, hop.id, lk.target)));
    lk.candidates.unshift(...fresh);
    this.step(now, lk);
  }

  /** Serving side: answer FIND_SUCC with our successor list or closer candidates, cut to the request's size. */
  serve(remote: Addr, rid: number, target: ChordId, pad: number): void {
    const host = this.host;
    if (!host.joined) return;
    const fit = Math.max(0, Math.floor((pad - 12 - 2) / refBytes(host.m_bits)));
    if (host.routing.successorOwns(target)) {
      host.send(remote, { t: T.FindSuccReply, rid, done: true, nodes: host.routing.successorsForReply(Math.min(fit, host.limits.successors)) }, 'lookup');
      return;
    }
    const nodes = host.routing.closestPreceding(target, Math.min(fit, host.limits.candidates_max));
    if (nodes.length === 0) nodes.push(host.routing.successor);
    host.send(remote, { t: T.FindSuccReply, rid, done: false, nodes }, 'lookup');
  }
}
