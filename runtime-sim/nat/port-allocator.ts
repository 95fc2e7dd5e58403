// Chooses the external port of a new mapping (RFC 4787 §4.2.1): keep the internal port,
// hand out ports in sequence, or draw them at random, always within [min_port, max_port].
// The allocator owns no table: the caller says which ports are free, so "free" can also
// mean "not clashing with a conntrack tuple". Allocation happens once per new mapping, so a
// linear scan over a nearly full range is acceptable (bounded by the range size).
import type { Rng } from '../../protocol/core/rng.ts';
import type { PortAssignment } from './config.ts';

/** Random draws before a random allocation falls back to a scan (keeps it O(range) worst case). */
export const RANDOM_PORT_DRAWS_MAX = 32;

export type PortFree = (port: number) => boolean;

export class PortAllocator {
  /** Next port to try for sequential allocation, one cursor per external IP index. */
  private readonly cursors: number[] = [];
  private readonly rangeSize: number;

  constructor(private readonly assignment: PortAssignment, private readonly rng: Rng) {
    this.rangeSize = assignment.max_port - assignment.min_port + 1;
  }

  /**
   * A free port for a new mapping on external IP number `ipIndex`, or undefined when every
   * port of the range is taken. `preferred` is the internal port (used by `preserve`).
   */
  allocate(ipIndex: number, preferred: number, isFree: PortFree): number | undefined {
    const { kind, min_port, max_port } = this.assignment;
    if (kind === 'preserve') {
      if (preferred >= min_port && preferred <= max_port && isFree(preferred)) return preferred;
      return (this.assignment.fallback ?? 'sequential') === 'random'
        ? this.random(isFree)
        : this.sequential(ipIndex, isFree);
    }
    return kind === 'random' ? this.random(isFree) : this.sequential(ipIndex, isFree);
  }

  /**
   * A free port for a flow that must avoid the port it would naturally get (the conntrack
   * clash): uses the fallback strategy for `preserve`, else the configured one.
   */
  allocateOther(ipIndex: number, isFree: PortFree): number | undefined {
    const { kind } = this.assignment;
    const strategy = kind === 'preserve' ? (this.assignment.fallback ?? 'sequential') : kind;
    return strategy === 'random' ? this.random(isFree) : this.sequential(ipIndex, isFree);
  }

  private sequential(ipIndex: number, isFree: PortFree): number | undefined {
    const start = this.cursors[ipIndex] ?? this.assignment.min_port;
    const port = this.scan(start, isFree);
    if (port !== undefined) this.cursors[ipIndex] = port === this.assignment.max_port ? this.assignment.min_port : port + 1;
    return port;
  }

  private random(isFree: PortFree): number | undefined {
    const { min_port, max_port } = this.assignment;
    for (let draw = 0; draw < RANDOM_PORT_DRAWS_MAX; draw++) {
      const port = this.rng.nextInt(min_port, max_port);
      if (isFree(port)) return port;
    }
    // The range is crowded: scan from a random point so the result stays unpredictable.
    return this.scan(this.rng.nextInt(min_port, max_port), isFree);
  }

  /** First free port at or after `start`, wrapping once around the range. */
  private scan(start: number, isFree: PortFree): number | undefined {
    const { min_port } = this.assignment;
    const offset = start - min_port;
    for (let i = 0; i < this.rangeSize; i++) {
      const port = min_port + ((offset + i) % this.rangeSize);
      if (isFree(port)) return port;
    }
    return undefined;
  }
}
