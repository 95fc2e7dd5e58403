// A broken invariant found by the swarm tester. The kind is what the shrinker keeps fixed: a
// smaller fault schedule only counts as "still failing" if it fails the same way.
export type ViolationKind =
  /** A machine broke the Machine contract (threw, stayed due after handleTimeout, bad deadline). */
  | 'contract'
  /** A named table grew past its limit. */
  | 'table-limit'
  /** Delivered bytes are not a prefix of the sent bytes, or a datagram/message was forged or doubled. */
  | 'data'
  /** A session's peer changed identity (another key, or a stranger took over its path). */
  | 'identity'
  /** Neither success nor a typed error within the virtual-time bound. */
  | 'no-outcome'
  /** The simulator itself (or its driver's own contract checker) stopped the run. */
  | 'simulator';

export class SwarmViolation extends Error {
  constructor(
    readonly kind: ViolationKind,
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = 'SwarmViolation';
  }
}

export function violation(kind: ViolationKind, detail: string): never {
  throw new SwarmViolation(kind, detail);
}
