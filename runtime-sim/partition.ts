// Network partitions: cuts between two sets of node names, one-way (a→b only) or two-way,
// that start and heal on a schedule. The network asks `cuts(from, to)` whenever a datagram
// arrives at a node (a NAT or a host): it is cut if the previous node or the original sender
// is on one side and the arriving node on the other. Checking the original sender too lets
// a scenario cut two hosts behind NATs without naming the NATs in between.

export interface PartitionSpec {
  /** Node names on one side. */
  a: string[];
  /** Node names on the other side. */
  b: string[];
  /** Cut only datagrams travelling from a to b. */
  oneWay?: boolean;
  /** Virtual time the cut begins (default: now). */
  from?: number;
  /** Virtual time it heals (default: never). */
  until?: number;
  /** Name for the trace's fault lines (default 'partition'). */
  name?: string;
}

export class PartitionError extends Error {
  constructor(why: string) {
    super(`bad partition: ${why}`);
    this.name = 'PartitionError';
  }
}

/** Bound on partitions active at once. */
export const partitions_active_max = 256;

export class Partition {
  readonly a: ReadonlySet<string>;
  readonly b: ReadonlySet<string>;
  constructor(readonly spec: PartitionSpec) {
    this.a = new Set(spec.a);
    this.b = new Set(spec.b);
  }

  cuts(from: string, to: string): boolean {
    if (this.a.has(from) && this.b.has(to)) return true;
    return !this.spec.oneWay && this.b.has(from) && this.a.has(to);
  }

  /** Detail object for the trace's fault lines. */
  detail(): { a: string[]; b: string[]; one_way: boolean } {
    return { a: [...this.spec.a], b: [...this.spec.b], one_way: this.spec.oneWay === true };
  }
}

export class Partitions {
  private active: Partition[] = [];

  get size(): number {
    return this.active.length;
  }

  start(p: Partition): void {
    if (this.active.length >= partitions_active_max) throw new PartitionError(`partitions_active_max (${partitions_active_max}) reached`);
    this.active.push(p);
  }

  /** Ends `p`; false when it was not active. */
  heal(p: Partition): boolean {
    const before = this.active.length;
    this.active = this.active.filter((q) => q !== p);
    return this.active.length < before;
  }

  /** True when an active partition cuts a datagram at `to` that came from `prev`, sent by `origin`. */
  cuts(origin: string, prev: string, to: string): boolean {
    for (const p of this.active) if (p.cuts(prev, to) || p.cuts(origin, to)) return true;
    return false;
  }
}

export function validatePartition(spec: PartitionSpec, known: (name: string) => boolean): void {
  if (spec.a.length === 0 || spec.b.length === 0) throw new PartitionError('both sides need at least one node');
  for (const name of [...spec.a, ...spec.b]) if (!known(name)) throw new PartitionError(`unknown node ${JSON.stringify(name)}`);
  const a = new Set(spec.a);
  for (const name of spec.b) if (a.has(name)) throw new PartitionError(`${name} is on both sides`);
  if (spec.from !== undefined && spec.until !== undefined && spec.until < spec.from) throw new PartitionError('until < from');
}
