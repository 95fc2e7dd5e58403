// The finger table's upkeep (Stoica et al., SIGCOMM 2001 §4.4): fixFingers refreshes one
// finger per period, walking past the fingers that fall inside (n, successor] for free; a
// finger already held is re-checked by asking it for its predecessor (one small request: no
// node at or after the finger's start means it is still successor(start)), and only a closer
// node, no answer or no predecessor costs a full lookup. Also the successor check from afar,
// which repairs "loopy" rings. Periods and the backoff come from maintenance.ts.
import type { Millis } from '../core/time.ts';
import type { TimerTable } from '../core/timers.ts';
import type { ChordNode } from './chord-node.ts';
import { idText, inOpen } from './id.ts';
import { listPad } from './lookup.ts';
import type { ChordTimer, Maintenance } from './maintenance.ts';
import { T, type NodeRef } from './wire.ts';

/** Clean successor checks at full backoff after which the check stops until the next change. */
export const clean_checks_max = 3;

export class Fingers {
  private nextFinger = 1;
  /** A finger lookup or successor check is in flight (one at a time). */
  private fixing = false;
  private lastFingers = '';
  /** Successor checks in a row that found nothing while fully backed off. */
  private cleanChecks = 0;

  constructor(
    private readonly node: ChordNode,
    private readonly timers: TimerTable<ChordTimer>,
    private readonly ring: Maintenance,
  ) {}

  /** The node saw a change: the successor check runs again. */
  onChange(): void {
    this.cleanChecks = 0;
  }

  fix(now: Millis): void {
    const node = this.node;
    const routing = node.routing;
    this.timers.set('fix-fingers', this.ring.next(now, 'fix-fingers'));
    if (this.fixing) return;
    // Fingers resolved locally cost nothing: walk on until one needs a lookup (at most m steps).
    for (let steps = 0; steps < node.m_bits; steps++) {
      const i = this.nextFinger;
      const start = routing.fingerStart(i);
      if (routing.successorOwns(start)) {
        this.advance(routing.setFinger(i, routing.successor));
        if (this.nextFinger <= i) return; // wrapped: every finger visited this round
        continue;
      }
      this.fixing = true;
      const known = routing.fingers[i];
      if (known !== undefined && this.verifyFinger(now, i, known)) return;
      this.lookupFinger(now, i);
      return;
    }
  }

  /**
   * A finger we hold is checked with one small request instead of a lookup: ask it for its
   * predecessor; none at or after the finger's start means it is still successor(start). A
   * closer node, no predecessor, or silence falls back on a full lookup.
   */
  private verifyFinger(now: Millis, i: number, known: NodeRef): boolean {
    const node = this.node;
    const start = node.routing.fingerStart(i);
    return node.request(
      now,
      known.addr,
      (rid) => ({ t: T.GetPred, rid, pad: listPad(node.m_bits, 0) }),
      'maintenance',
      (at, reply) => {
        const pred = reply.t === T.GetPredReply ? reply.pred : undefined;
        if (pred === undefined || pred.id === start || inOpen(pred.id, start, known.id)) {
          this.lookupFinger(at, i);
          return;
        }
        this.fixing = false;
        this.advance(node.routing.setFinger(i, known));
      },
      (at) => {
        node.routing.forgetFinger(known.id);
        this.ring.disturbed(at);
        this.lookupFinger(at, i);
      },
    );
  }

  private lookupFinger(now: Millis, i: number): void {
    const node = this.node;
    const routing = node.routing;
    const start = routing.fingerStart(i);
    this.fixing = true;
    node.lookup(
      now,
      start,
      (at, result) => {
        this.fixing = false;
        const found = result.nodes[0]!;
        const changed = routing.fingers[i]?.id !== found.id;
        this.ring.adoptCloser(at, result.nodes);
        this.advance(routing.setFinger(i, found));
        if (changed) {
          this.emitFingers();
          this.ring.disturbed(at);
          // While fingers are still moving (a join, a failure), fix the next one soon.
          this.timers.setEarlier('fix-fingers', at + node.limits.fix_fingers_fast_ms);
        }
      },
      () => {
        this.fixing = false;
        this.advance((i + 1) % node.m_bits);
      },
    );
  }

  /** Moves on to finger `next` (0 = wrapped: finger 0 is the successor, kept by stabilize). */
  private advance(next: number): void {
    this.nextFinger = next === 0 ? 1 : next;
  }

  /** A `fingers` event when the set of distinct finger nodes changed (the viewer draws them). */
  private emitFingers(): void {
    const node = this.node;
    const ids: string[] = [];
    for (const f of node.routing.fingers) if (f && (ids.length === 0 || ids[ids.length - 1] !== idText(f.id, node.m_bits))) ids.push(idText(f.id, node.m_bits));
    const key = ids.join(',');
    if (key === this.lastFingers) return;
    this.lastFingers = key;
    node.emit({ type: 'fingers', fingers: [...new Set(ids)] });
  }

  /**
   * Looks our own successor up starting from our farthest finger, so the answer comes from the
   * node before us as the rest of the ring sees it. Concurrent joins can leave a "loopy" ring
   * (every node's successor skips one node: two interleaved cycles, each consistent, which
   * stabilize alone never repairs; Liben-Nowell, Balakrishnan, Karger, PODC 2002); this check
   * finds the skipped node.
   */
  checkSuccessor(now: Millis): void {
    const node = this.node;
    const routing = node.routing;
    // A loopy ring comes only from concurrent joins, which disturb the nodes they touch: once
    // a fully backed-off node has found nothing this many times, it stops checking until the
    // next change.
    if (this.cleanChecks < clean_checks_max) this.timers.set('check-successor', this.ring.next(now, 'check-successor'));
    if (this.fixing) return;
    let far: NodeRef | undefined;
    for (let i = node.m_bits - 1; i >= 1 && far === undefined; i--) far = routing.fingers[i];
    if (far === undefined || far.id === routing.successor.id) return;
    this.fixing = true;
    node.lookup(
      now,
      routing.fingerStart(0),
      (at, result) => {
        this.fixing = false;
        // Found a skipped node: look again soon, the loop may skip more than one.
        if (this.ring.adoptCloser(at, result.nodes)) this.timers.setEarlier('check-successor', at + node.limits.stabilize_fast_ms);
        else if (this.ring.factor(at) >= node.limits.backoff_max_factor) this.cleanChecks++;
      },
      () => {
        this.fixing = false;
      },
      undefined,
      far,
    );
  }
}
