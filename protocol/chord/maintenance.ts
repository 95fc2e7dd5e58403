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
import { idText, inOpen } from './id.ts';
import { listPad } from './lookup.ts';
import { T, type NodeRef } from './wire.ts';

export type MaintenanceTimer = 'stabilize' | 'fix-fingers' | 'check-predecessor' | 'check-successor';
export type ChordTimer = MaintenanceTimer | 'replicate';

const maintenance_timers: readonly MaintenanceTimer[] = ['stabilize', 'fix-fingers', 'check-predecessor', 'check-successor'];

export class Maintenance {
  private nextFinger = 1;
  private fixing = false;
  private stabilizing = false;
  private pinging = false;
  private lastFingers = '';
  /** Periods are base × factor: doubled per quiet stabilize round, 1 after any change. */
  private factor = 1;
  /** fixFingers' own factor: doubled per full round over the fingers that changed none. */
  private fingerFactor = 1;
  private roundChanged = false;
  /** When our predecessor was last heard from (its GET_PRED or NOTIFY). */
  private predHeardAt: Millis = -Infinity;

  constructor(
    private readonly node: ChordNode,
    private readonly timers: TimerTable<ChordTimer>,
  ) {}

  /** The current backoff factor (1 = base periods), for tests and the bench. */
  get backoff(): number {
    return this.factor;
  }

  start(now: Millis): void {
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
    return this.node.jittered(now, this.base(name) * (name === 'fix-fingers' ? this.fingerFactor : this.factor));
  }

  /** Something changed: back to the base periods, pulling every pending deadline in. */
  disturbed(now: Millis): void {
    if (this.factor === 1 && this.fingerFactor === 1) return;
    this.factor = 1;
    this.fingerFactor = 1;
    this.roundChanged = true;
    for (const name of maintenance_timers) if (this.timers.has(name)) this.timers.setEarlier(name, this.next(now, name));
  }

  private quiet(): void {
    this.factor = Math.min(this.factor * 2, this.node.limits.backoff_max_factor);
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
        if (!changed && !closer && x?.id === node.self.id) this.quiet();
      },
      (at) => {
        this.stabilizing = false;
        node.routing.remove(succ.id);
        this.successorMaybeChanged(succ);
        this.disturbed(at);
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
    if (changed) this.disturbed(now);
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
    if (old !== undefined && !inOpen(n.id, old.id, node.self.id)) {
      // A joiner that found us as its predecessor says so: check with our successor soon
      // (stabilize verifies it; nothing is adopted on its word).
      if (inOpen(n.id, node.self.id, node.routing.successor.id)) {
        this.disturbed(now);
        this.timers.setEarlier('stabilize', now + node.limits.stabilize_fast_ms);
      }
      return;
    }
    node.routing.predecessor = n;
    this.predHeardAt = now;
    node.emit({ type: 'predecessor-changed', predecessor: node.info(n) });
    this.disturbed(now);
    // A node alone takes its first partner as successor too (the two-node ring forms at once).
    if (node.routing.successor.id === node.self.id) this.setSuccessors(now, [n]);
    node.replication.handOver(n, old);
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
        if (routing.fingers[i]?.id !== routing.successor.id) this.roundChanged = true;
        this.advance(routing.setFinger(i, routing.successor), i);
        if (this.nextFinger <= i) return; // wrapped: every finger visited this round
        continue;
      }
      this.fixing = true;
      node.lookup(
        now,
        start,
        (at, result) => {
          this.fixing = false;
          const found = result.nodes[0]!;
          const changed = routing.fingers[i]?.id !== found.id;
          this.adoptCloser(at, result.nodes);
          if (changed) this.roundChanged = true;
          this.advance(routing.setFinger(i, found), i);
          if (changed) {
            this.emitFingers();
            this.disturbed(at);
            // While fingers are still moving (a join, a failure), fix the next one soon.
            this.timers.setEarlier('fix-fingers', at + node.limits.fix_fingers_fast_ms);
          }
        },
        () => {
          this.fixing = false;
          this.roundChanged = true;
          this.advance((i + 1) % node.m_bits, i);
        },
      );
      return;
    }
  }

  /** Moves to finger `next` (0 = wrapped); a full round that changed nothing backs fixFingers off. */
  private advance(next: number, i: number): void {
    this.nextFinger = next === 0 ? 1 : next;
    if (this.nextFinger > i) return;
    if (!this.roundChanged) this.fingerFactor = Math.min(this.fingerFactor * 2, this.node.limits.backoff_max_factor);
    this.roundChanged = false;
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
    this.timers.set('check-successor', this.next(now, 'check-successor'));
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
    const period_ms = this.base('check-predecessor') * this.factor;
    this.timers.set('check-predecessor', this.next(now, 'check-predecessor'));
    const pred = node.routing.predecessor;
    if (!pred || this.pinging) return;
    // Heard from it within the period (its stabilize reached us): it is alive, no ping.
    if (now < this.predHeardAt + period_ms) return;
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
