// One write to the replicated dict and the single rule every replica applies to a key's
// writes. py2p checks leases against each receiver's clock in arrival order, so concurrent
// writes can leave replicas disagreeing; here a key's state is a pure function of the SET of
// writes a replica holds: sort them by (start_ms, owner, seq) and fold, accepting a write
// when the key is free, already the writer's, or the holder's lease expired before the
// write's start. Same set, same answer, whatever the arrival order (docs/sync.md).

export interface SyncWrite {
  readonly key: Uint8Array;
  /** Undefined for a delete (a tombstone that ends the owner's lease). */
  readonly value: Uint8Array | undefined;
  /** Node id (hex, 32 chars) of the writer: the lease holder if accepted. */
  readonly owner: string;
  /** Writer's clock at the write, whole ms. */
  readonly start_ms: number;
  /** The lease this write claims, carried on the wire (0 for a delete). */
  readonly lease_ms: number;
  /** Per-owner counter, orders one owner's writes within a millisecond. */
  readonly seq: number;
}

export function expiresAt(w: SyncWrite): number {
  return w.start_ms + w.lease_ms;
}

/** The canonical order of writes to one key. */
export function compareWrites(a: SyncWrite, b: SyncWrite): number {
  if (a.start_ms !== b.start_ms) return a.start_ms - b.start_ms;
  if (a.owner !== b.owner) return a.owner < b.owner ? -1 : 1;
  return a.seq - b.seq;
}

export function sameWrite(a: SyncWrite, b: SyncWrite): boolean {
  return a.start_ms === b.start_ms && a.owner === b.owner && a.seq === b.seq;
}

/** Whether `next` may replace `current` (the lease rule). */
export function admits(current: SyncWrite | undefined, next: SyncWrite): boolean {
  if (current === undefined) return true;
  if (current.owner === next.owner) return true;
  return next.start_ms >= expiresAt(current);
}

/** The write that holds the key after folding `history` (sorted by compareWrites). */
export function fold(history: readonly SyncWrite[]): SyncWrite | undefined {
  let head: SyncWrite | undefined;
  for (const w of history) if (admits(head, w)) head = w;
  return head;
}
