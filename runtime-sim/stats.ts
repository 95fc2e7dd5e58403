// Run counters: how many datagrams were sent, delivered and dropped (by reason), and how many
// records of each trace kind happened, counted whether or not tracing is on. Plain numeric
// fields so the hot path pays one property increment per count.

export const DROP_REASONS = [
  'loss',
  'queue',
  'mtu',
  'partition',
  'corrupt',
  'nat-filtered',
  'nat-no-mapping',
  'nat-table-full',
  'no-route',
  'port-unreachable',
  'hairpin',
  'bad-source',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type DropCounts = Record<string, number>;

export class SimStats {
  /** Datagrams machines handed to the network. */
  sent = 0;
  delivered = 0;
  dropped = 0;
  /** Extra copies made by link duplication or broadcast fan-out. */
  copies = 0;
  /** Datagrams delivered with a flipped bit. */
  corrupted = 0;
  /** NAT rewrites (each direction counts). */
  nat = 0;
  natMaps = 0;
  natExpires = 0;
  /** handleTimeout calls. */
  timers = 0;
  /** Application events machines emitted. */
  events = 0;
  faults = 0;
  logs = 0;
  /** Events the queue dispatched (a measure of simulator work). */
  dispatched = 0;
  readonly drops: DropCounts = Object.fromEntries(DROP_REASONS.map((r) => [r, 0]));

  countDrop(reason: string): void {
    this.dropped++;
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** Counts by trace kind (docs/trace-format.md). */
  get kinds(): Record<string, number> {
    return {
      send: this.sent + this.copies,
      deliver: this.delivered,
      drop: this.dropped,
      nat: this.nat,
      'nat-map': this.natMaps,
      'nat-expire': this.natExpires,
      timer: this.timers,
      event: this.events,
      fault: this.faults,
      log: this.logs,
    };
  }

  toJSON(): Record<string, unknown> {
    return { ...this.kinds, copies: this.copies, corrupted: this.corrupted, dispatched: this.dispatched, drops: { ...this.drops } };
  }
}
