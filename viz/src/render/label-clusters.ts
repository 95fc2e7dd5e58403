// Labels for dense drops and NAT hops: drops (or hops) of one kind close together on one
// lane share one label ("1,024 × nat-no-mapping") instead of none; small groups are still
// labelled one by one. And `fitText`, which cuts a label to its lane's width.

/** Drops (or NAT hops) of one kind on one lane within this many pixels share one label. */
const CLUSTER_PX = 22;

/** One label standing for `n` drops or NAT hops of one kind close together on one lane. */
export interface LabelCluster {
  readonly x: number;
  readonly y: number;
  readonly lane: number;
  readonly text: string;
  readonly future: boolean;
  n: number;
  /** the first CLUSTER_SPLIT_MAX members: a cluster this small is labelled one by one */
  readonly members: { readonly y: number; readonly future: boolean; readonly event: unknown }[];
}

/** Clusters of at most this many get a label each (as room allows), not a count. */
const CLUSTER_SPLIT_MAX = 3;

/**
 * Adds one drop or hop to the open cluster of its lane and kind when it lies within
 * CLUSTER_PX of the cluster's first, else opens a new cluster (datagrams come in time order,
 * so a dense spray becomes one cluster however it straddles pixel rows).
 */
export function cluster(into: Map<string, LabelCluster>, key: string, x: number, y: number, lane: number, text: string, future: boolean, event: unknown): LabelCluster {
  const open = `${key}|open`;
  let c = into.get(open);
  if (c === undefined || Math.abs(y - c.y) > CLUSTER_PX) {
    if (c !== undefined) into.set(`${key}|${into.size}`, c);
    c = { x, y, lane, text, future, n: 0, members: [] };
    into.set(open, c);
  }
  c.n++;
  if (c.members.length < CLUSTER_SPLIT_MAX) c.members.push({ y, future, event });
  return c;
}

/** The labels to draw for clusters: one per member of a small cluster, else one count. */
export function splitClusters<C extends LabelCluster>(clusters: Iterable<C>): { c: C; y: number; future: boolean; n: number; event: unknown }[] {
  const out: { c: C; y: number; future: boolean; n: number; event: unknown }[] = [];
  for (const c of clusters) {
    if (c.n <= CLUSTER_SPLIT_MAX) for (const m of c.members) out.push({ c, y: m.y, future: m.future, n: 1, event: m.event });
    else out.push({ c, y: c.y, future: c.future, n: c.n, event: c.members[0]?.event });
  }
  return out;
}

/** `text`, cut with an ellipsis to fit `max_px` (labels stay inside their lane). */
export function fitText(ctx: CanvasRenderingContext2D, text: string, max_px: number): string {
  if (ctx.measureText(text).width <= max_px) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= max_px) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

