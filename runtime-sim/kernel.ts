// The simulation kernel shared by the network, the drivers and the public Simulator: the
// virtual clock, the event queue with its slot registry (what each queue slot means), the
// tracer, the counters and the network's random stream. Keeping these in one small object
// lets the parts call each other without a web of constructor arguments.
import { EventQueue } from './queue.ts';
import { SimStats } from './stats.ts';
import type { Tracer } from './trace.ts';
import type { SimRng } from './random.ts';

/** What a queue slot stands for when it fires. */
export const EV_PACKET = 1;
export const EV_TIMER = 2;
export const EV_SCRIPT = 3;
export const EV_NAT_EXPIRY = 4;

export class Kernel {
  /** Virtual time in ms. */
  now = 0;
  /** Drivers currently draining a machine: while > 0, deliveries must go through the queue. */
  draining = 0;
  readonly queue: EventQueue;
  readonly stats = new SimStats();
  /** Slot → EV_* kind, and slot → the object it belongs to. */
  readonly kinds: number[] = [];
  readonly objects: unknown[] = [];

  constructor(
    readonly tracer: Tracer,
    /** The stream links and routing draw from (forked from the root first, in a fixed order). */
    readonly rng: SimRng,
    events_pending_max: number,
  ) {
    this.queue = new EventQueue(events_pending_max);
  }

  reserve(kind: number, object: unknown): number {
    const slot = this.queue.alloc();
    this.kinds[slot] = kind;
    this.objects[slot] = object;
    return slot;
  }

  release(slot: number): void {
    this.queue.free(slot);
    this.objects[slot] = undefined;
    this.kinds[slot] = 0;
  }
}
