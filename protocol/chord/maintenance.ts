// Ring maintenance of one Chord node (Stoica et al., SIGCOMM 2001 §4.4 and ToN 2003): stabilize
// / notify, fixFingers, checkPredecessor and the successor check from afar, on stored, jittered
// deadlines, with adaptive periods. A ring where nothing changes needs little upkeep: every
// period is its base times a factor that grows by one for each 16 base stabilize periods the
// node has seen no change (up to `backoff_max_factor`), and any change it sees — its successor
// list or predecessor moves, a finger moves, a request or lookup hop times out, a neighbour
// leaves, a HINT from a closer successor — puts it back to 1 and pulls every deadline in. This
// is the self-tuning idea of Mahajan, Castro and Rowstron ("Controlling the cost of reliability
// in peer-to-peer overlays", IPTPS 2003: probe less when failures are rare) and of Ghinita and
// Teo ("An adaptive stabilization framework for distributed hash tables", IPDPS 2006) in its
// simplest form: the node reacts to the changes it sees rather than estimating a churn rate.
// Because a backed-off neighbour would learn of a change late, changes are pushed one step:
// a node whose successor list changed, or that took a new predecessor, sends a HINT to the
// node before it, which stabilizes at once (at most at the base rate). Cheaper upkeep while
// calm: a finger is re-checked by asking it for its predecessor (one small request, not a
// lookup), a successor that already names us gets no NOTIFY, the predecessor ping backs off
// with the rest, and the loopy-ring check stops after three
// clean runs until the next change.
import type { Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { TimerTable } from '../core/timers.ts';
import type { ChordNode } from './chord-node.ts';
import { inHalfOpen, inOpen } from './id.ts';
import { listPad } from './lookup.ts';
import { Fingers } from './fingers.ts';
import { T, type NodeRef } from './wire.ts';

export type MaintenanceTimer = 'stabilize' | 'fix-fingers' | 'check-predecessor' | 'check-successor';
export type ChordTimer = MaintenanceTimer | 'replicate';

/** Quiet base stabilize periods per step of the backoff factor. */
export const rounds_per_step = 16;

const maintenance_timers: readonly MaintenanceTimer[] = ['stabilize', 'fix-fingers', 'check-predecessor', 'check-successor'];

export class Maintenance {
  private stabilizing = false;
  private pinging = false;
  private readonly fingers: Fingers;
  /** When this node last saw a change (periods grow with the time since). */
  private changedAt: Millis = 0;
  /** When stabilize last asked our successor, and when we last hinted our predecessor. */
  private stabilizedAt: Millis = -Infinity;
  private hintedAt: Millis = -Infinity;
  /** When our predecessor was last heard from (its GET_PRED or NOTIFY). */

  constructor(
    private readonly node: ChordNode,
    private readonly timers: TimerTable<ChordTimer>,
  ) {
    this.fingers = new Fingers(node, timers, this);
  }

  /**
   * The backoff factor at `now`: 1 until the node has been quiet for `rounds_per_step` base
   * stabilize periods, then one more for every further such stretch, up to backoff_max_factor
   * (so a node stabilizes about rounds_per_step times between the changes it sees).
   */
  factor(now: Millis): number {
    const l = this.node.limits;
    const steps = Math.floor((now - this.changedAt) / (l.stabilize_ms * rounds_per_step));
    return Math.min(l.backoff_max_factor, Math.max(1, steps));
  }

  start(now: Millis): void {
    this.changedAt = now;
    // The first stabilize soon, so the successor learns of us at once.
    this.timers.set('stabilize', now + 1);
    for (const name of maintenance_timers) if (name !== 'stabilize') this.timers.set(name, this.next(now, name));
  }

  stop(): void {
    for (const name of maintenance_timers) this.timers.clear(name);
  }

  onTimer(now: Millis, name: MaintenanceTimer): void {
    if (name === 'stabilize') this.stabilize(now);
    else if (name === 'fix-fingers') this.fingers.fix(now);
    else if (name === 'check-predecessor') this.checkPredecessor(now);
    else this.fingers.checkSuccessor(now);
  }

  private base(name: MaintenanceTimer): number {
    const l = this.node.limits;
    return name === 'stabilize' ? l.stabilize_ms : name === 'fix-fingers' ? l.fix_fingers_ms : name === 'check-predecessor' ? l.check_predecessor_ms : l.check_successor_ms;
  }

  /** The next deadline of a periodic task: its base period times the backoff, jittered. */
  next(now: Millis, name: MaintenanceTimer): Millis {
    return this.node.jittered(now, this.base(name) * this.factor(now));
  }

  /** Something changed: back to the base periods, pulling every pending deadline in. */
  disturbed(now: Millis): void {
    const wasBackedOff = this.factor(now) > 1;
    this.changedAt = now;
    this.fingers.onChange();
    if (!wasBackedOff && this.timers.has('check-successor')) return;
    for (const name of maintenance_timers) {
      // The successor check may have stopped (see checkSuccessor): it starts again here.
      if (this.timers.has(name) || (name === 'check-successor' && this.node.joined)) this.timers.setEarlier(name, this.next(now, name));
    }
  }

  // ---- stabilize / notify ----

  private stabilize(now: Millis): void {
    const node = this.node;
    this.timers.set('stabilize', this.next(now, 'stabilize'));
    const succ = node.routing.successor;
    if (succ.id === node.self.id) {
      const pred = node.routing.predecessor;
      if (pred) this.setSuccessors(now, [pred]);
      return;
    }
    if (this.stabilizing) return;
    this.stabilizing = true;
    this.stabilizedAt = now;
    const sent = node.request(
      now,
      succ.addr,
      (rid) => ({ t: T.GetPred, rid, pad: listPad(node.m_bits, node.limits.successors) }),
      'maintenance',
      (at, reply) => {
        this.stabilizing = false;
        if (reply.t !== T.GetPredReply) return;
        const x = reply.pred;
        const closer = x !== undefined && x.id !== node.self.id && inOpen(x.id, node.self.id, succ.id);
        const changed = this.setSuccessors(at, closer ? [x, succ, ...reply.successors] : [succ, ...reply.successors]);
        // A successor that already names us as its predecessor needs no NOTIFY.
        if (closer || x?.id !== node.self.id) node.send(node.routing.successor.addr, { t: T.Notify, rid: 0, self: node.self }, 'maintenance');
        // A closer successor appeared (joins): walk on to it now rather than a period later,
        // so a run of concurrent joins resolves in round trips, not in stabilize periods.
        if (closer) this.timers.setEarlier('stabilize', at + node.limits.stabilize_fast_ms);
      },
      (at) => {
        this.stabilizing = false;
        node.routing.remove(succ.id);
        this.successorMaybeChanged(succ);
        this.disturbed(at);
        this.hintPredecessor(at);
        // Try the next successor at once rather than a whole period later.
        this.timers.set('stabilize', at + 1);
      },
    );
    if (!sent) this.stabilizing = false;
  }

  /** Replaces the successor list; true (and the periods reset) when it changed. */
  setSuccessors(now: Millis, list: readonly NodeRef[]): boolean {
    const routing = this.node.routing;
    const before = routing.successor;
    const old = routing.successors;
    routing.setSuccessors(list);
    const now_ = routing.successors;
    let changed = old.length !== now_.length;
    for (let i = 0; !changed && i < old.length; i++) if (old[i]!.id !== now_[i]!.id) changed = true;
    this.successorMaybeChanged(before);
    if (changed) {
      this.disturbed(now);
      this.hintPredecessor(now);
    }
    return changed;
  }

  successorMaybeChanged(before: NodeRef): void {
    const after = this.node.routing.successor;
    if (after.id !== before.id) this.node.emit({ type: 'successor-changed', successor: this.node.info(after) });
  }

  /** NOTIFY: `n` thinks it may be our predecessor (or, from a joiner, our closer successor). */
  onNotify(now: Millis, remote: Addr, n: NodeRef): void {
    const node = this.node;
    if (!node.joined || n.id === node.self.id) return;
    const old = node.routing.predecessor;
    if (old !== undefined && old.id === n.id) return;
    if (old !== undefined && !inOpen(n.id, old.id, node.self.id)) return;
    node.routing.predecessor = n;
    node.emit({ type: 'predecessor-changed', predecessor: node.info(n) });
    this.disturbed(now);
    // The old predecessor still names us as its successor: a hint makes it stabilize now (and
    // so learn of `n`) rather than at its next, perhaps backed-off, period.
    if (old !== undefined) node.send(old.addr, { t: T.Hint, rid: 0, self: node.self }, 'maintenance');
    // A node alone takes its first partner as successor too (the two-node ring forms at once).
    if (node.routing.successor.id === node.self.id) this.setSuccessors(now, [n]);
    node.replication.handOver(n, old);
  }

  /**
   * HINT: `n` says it is our successor or lies before it (it just joined after us, or its
   * successor list changed). Nothing is adopted on its word: we stabilize soon, which asks our
   * successor. A stranger's hints can at most hold us at the base stabilize rate.
   */
  onHint(now: Millis, n: NodeRef): void {
    const node = this.node;
    const succ = node.routing.successor;
    if (!node.joined || succ.id === node.self.id || !inHalfOpen(n.id, node.self.id, succ.id)) return;
    this.disturbed(now);
    const soonest = Math.max(now + node.limits.stabilize_fast_ms, this.stabilizedAt + node.limits.stabilize_ms);
    this.timers.setEarlier('stabilize', soonest);
  }

  /** Tells our predecessor that our successor list changed (at most one hint per stabilize_fast_ms). */
  private hintPredecessor(now: Millis): void {
    const node = this.node;
    const pred = node.routing.predecessor;
    if (pred === undefined || now < this.hintedAt + node.limits.stabilize_fast_ms) return;
    this.hintedAt = now;
    node.send(pred.addr, { t: T.Hint, rid: 0, self: node.self }, 'maintenance');
  }


  /** A neighbour leaves gracefully and names its own neighbours. */
  onLeave(now: Millis, leaver: NodeRef, pred: NodeRef | undefined, successors: readonly NodeRef[]): void {
    const node = this.node;
    const routing = node.routing;
    this.disturbed(now);
    if (routing.predecessor?.id === leaver.id) {
      routing.predecessor = pred && pred.id !== node.self.id ? pred : undefined;
      node.emit({ type: 'predecessor-changed', predecessor: routing.predecessor ? node.info(routing.predecessor) : undefined });
    }
    if (routing.successor.id === leaver.id) {
      const before = routing.successor;
      const rest = successors.filter((s) => s.id !== leaver.id && s.id !== node.self.id);
      if (rest.length > 0) routing.setSuccessors(rest);
      else routing.remove(leaver.id);
      routing.forgetFinger(leaver.id);
      this.successorMaybeChanged(before);
    } else {
      routing.forgetFinger(leaver.id);
    }
  }

  /** A node a lookup named that lies between us and our successor becomes our successor. */
  adoptCloser(now: Millis, nodes: readonly NodeRef[]): boolean {
    const node = this.node;
    const succ = node.routing.successor;
    let best: NodeRef | undefined;
    for (const n of nodes) {
      if (n.id === node.self.id) continue;
      if (succ.id === node.self.id || inOpen(n.id, node.self.id, best?.id ?? succ.id)) best = n;
    }
    if (best === undefined || best.id === succ.id) return false;
    this.setSuccessors(now, [best, ...node.routing.successors]);
    return true;
  }

  // ---- predecessor ----

  private checkPredecessor(now: Millis): void {
    const node = this.node;
    this.timers.set('check-predecessor', this.next(now, 'check-predecessor'));
    const pred = node.routing.predecessor;
    if (!pred || this.pinging) return;
    // Always ping, even when calm and recently heard from: a predecessor's stabilize proves
    // it was alive a period ago, not now, and a dead predecessor kept longer makes the node
    // before it adopt the dead one again at stabilize (skipping the ping while calm cost
    // churn-200 about 0.3% of its lookups, seed 3 below the 99% bar). The ping's period still
    // backs off with the node's calm factor.
    this.pinging = true;
    const sent = node.request(
      now,
      pred.addr,
      (rid) => ({ t: T.Ping, rid }),
      'maintenance',
      () => {
        this.pinging = false;
      },
      (at) => {
        this.pinging = false;
        if (node.routing.predecessor?.id === pred.id) {
          node.routing.predecessor = undefined;
          node.emit({ type: 'predecessor-changed', predecessor: undefined });
          this.disturbed(at);
        }
      },
    );
    if (!sent) this.pinging = false;
  }
}
