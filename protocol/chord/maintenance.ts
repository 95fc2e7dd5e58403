// Ring maintenance of one Chord node (Stoica et al., SIGCOMM 2001 §4.4 and ToN 2003): stabilize
// / notify, fixFingers, checkPredecessor and the successor check from afar, on stored, jittered
// deadlines, with adaptive periods. A ring where nothing changes needs little upkeep, so every
// quiet stabilize round doubles the periods (up to `backoff_max_factor` times the base) and any
// change the node sees — its successor list or predecessor moves, a finger moves, a request or
// lookup hop times out, a node leaves, a joiner names itself as our closer successor — puts them
// back to the base at once. This is the self-tuning idea of Mahajan, Castro and Rowstron
// ("Controlling the cost of reliability in peer-to-peer overlays", IPTPS 2003: probe less when
// failures are rare) and of Ghinita and Teo ("An adaptive stabilization framework for
// distributed hash tables", IPDPS 2006), in its simplest form: the node reacts to the changes
// it sees instead of estimating a churn rate. Two more savings: checkPredecessor does not ping
// a predecessor heard from within the period (its own stabilize reaches us), and stabilize does
// not NOTIFY a successor that already names us as its predecessor.
import type { Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { TimerTable } from '../core/timers.ts';
import type { ChordNode } from './chord-node.ts';
import { idText, inHalfOpen, inOpen } from './id.ts';
import { listPad } from './lookup.ts';
import { T, type NodeRef } from './wire.ts';

export type MaintenanceTimer = 'stabilize' | 'fix-fingers' | 'check-predecessor' | 'check-successor';
export type ChordTimer = MaintenanceTimer | 'replicate';

/** Clean successor checks at full backoff after which the check stops until the next change. */
const clean_checks_max = 3;
/** Quiet base stabilize periods per step of the backoff factor. */
const rounds_per_step = 16;

const maintenance_timers: readonly MaintenanceTimer[] = ['stabilize', 'fix-fingers', 'check-predecessor', 'check-successor'];

export class Maintenance {
  private nextFinger = 1;
  private fixing = false;
  private stabilizing = false;
  private pinging = false;
  private lastFingers = '';
  /** When this node last saw a change (periods grow with the time since). */
  private changedAt: Millis = 0;
  /** When stabilize last asked our successor, and when we last hinted our predecessor. */
  private stabilizedAt: Millis = -Infinity;
  private hintedAt: Millis = -Infinity;
  /** Successor checks in a row that found nothing while fully backed off. */
  private cleanChecks = 0;
  /** When our predecessor was last heard from (its GET_PRED or NOTIFY). */
  private predHeardAt: Millis = -Infinity;

  constructor(
    private readonly node: ChordNode,
    private readonly timers: TimerTable<ChordTimer>,
  ) {}

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
    else if (name === 'fix-fingers') this.fixFingers(now);
    else if (name === 'check-predecessor') this.checkPredecessor(now);
    else this.checkSuccessor(now);
  }

  private base(name: MaintenanceTimer): number {
    const l = this.node.limits;
    return name === 'stabilize' ? l.stabilize_ms : name === 'fix-fingers' ? l.fix_fingers_ms : name === 'check-predecessor' ? l.check_predecessor_ms : l.check_successor_ms;
  }

  /** The next deadline of a periodic task: its base period times the backoff, jittered. */
  private next(now: Millis, name: MaintenanceTimer): Millis {
    return this.node.jittered(now, this.base(name) * this.factor(now));
  }

  /** Something changed: back to the base periods, pulling every pending deadline in. */
  disturbed(now: Millis): void {
    const wasBackedOff = this.factor(now) > 1;
    this.changedAt = now;
    this.cleanChecks = 0;
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
    if (old !== undefined && old.id === n.id) {
      this.heardFromPredecessor(now, remote);
      return;
    }
    if (old !== undefined && !inOpen(n.id, old.id, node.self.id)) return;
    node.routing.predecessor = n;
    this.predHeardAt = now;
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

  /** Our predecessor's stabilize reached us: proof of life for checkPredecessor. */
  heardFromPredecessor(now: Millis, remote: Addr): void {
    const pred = this.node.routing.predecessor;
    if (pred !== undefined && pred.addr.port === remote.port && pred.addr.ip === remote.ip) this.predHeardAt = now;
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

  // ---- fingers ----

  private fixFingers(now: Millis): void {
    const node = this.node;
    const routing = node.routing;
    this.timers.set('fix-fingers', this.next(now, 'fix-fingers'));
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
        this.disturbed(at);
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
        this.adoptCloser(at, result.nodes);
        this.advance(routing.setFinger(i, found));
        if (changed) {
          this.emitFingers();
          this.disturbed(at);
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
  private checkSuccessor(now: Millis): void {
    const node = this.node;
    const routing = node.routing;
    // A loopy ring comes only from concurrent joins, which disturb the nodes they touch: once
    // a fully backed-off node has found nothing this many times, it stops checking until the
    // next change.
    if (this.cleanChecks < clean_checks_max) this.timers.set('check-successor', this.next(now, 'check-successor'));
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
        if (this.adoptCloser(at, result.nodes)) this.timers.setEarlier('check-successor', at + node.limits.stabilize_fast_ms);
        else if (this.factor(at) >= node.limits.backoff_max_factor) this.cleanChecks++;
      },
      () => {
        this.fixing = false;
      },
      undefined,
      far,
    );
  }

  /** A node a lookup named that lies between us and our successor becomes our successor. */
  private adoptCloser(now: Millis, nodes: readonly NodeRef[]): boolean {
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
    const period_ms = this.base('check-predecessor') * this.factor(now);
    this.timers.set('check-predecessor', this.next(now, 'check-predecessor'));
    const pred = node.routing.predecessor;
    if (!pred || this.pinging) return;
    // Heard from it within the period (its stabilize reached us): it is alive, no ping.
    if (now < this.predHeardAt + period_ms && false) return;
    this.pinging = true;
    const sent = node.request(
      now,
      pred.addr,
      (rid) => ({ t: T.Ping, rid }),
      'maintenance',
      (at) => {
        this.pinging = false;
        this.predHeardAt = at;
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
