// What Plumtree counts: payloads in and out, first deliveries, control messages, and every
// duplicate payload by its cause (the scenarios report these to say where redundancy comes from).

/** A fresh set of counters (all zero). */
export function plumtreeCounters() {
  return {
    swaps: 0,
    payloads_received: 0,
    payloads_sent: 0,
    duplicates: 0,
    /** A copy after we fetched it by GRAFT (the late tree copy, or a second GRAFT's answer). */
    dup_after_fetch: 0,
    /** Both answers of a GRAFT sent twice (the first answer was late, not lost). */
    dup_graft_twice: 0,
    /** A copy that is itself a GRAFT answer (we got the tree copy meanwhile). */
    dup_retx: 0,
    /** A push on an eager link that already carried payloads: a tree cycle, pruned. */
    dup_eager: 0,
    /** A push on a link's first payload: every new link starts eager (churn, refills). */
    dup_new_link: 0,
    /** A push on a link we had pruned (our PRUNE was lost): pruned again. */
    dup_lazy: 0,
    /** A push from a node that fetched it by GRAFT (it cannot tell its parent from its children). */
    dup_repair_push: 0,
    /** The origin's backup copy on a lazy link, not needed: the tree copy came first (or in time). */
    dup_backup: 0,
    /** Backup copies sent (origin only) and used (the tree copy was late: delivered from it). */
    backups_sent: 0,
    backups_used: 0,
    grafts_sent: 0,
    parent_grafts_sent: 0,
    repairs_sent: 0,
    prunes_sent: 0,
    ihaves_sent: 0,
    acks_sent: 0,
    /** Unacknowledged pushes re-offered as IHAVE on their eager link. */
    reoffers: 0,
    delivered: 0,
  };
}

export type PlumtreeCounters = ReturnType<typeof plumtreeCounters>;
