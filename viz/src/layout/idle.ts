// What may not be compressed in a trace: every datagram's flight (send to its last hop,
// delivery or drop) and every fault period. Feeds TimeScale.local, so idle compression only
// ever shrinks time in which nothing was on the wire and no fault was running.

import type { TraceModel } from '../model/model.ts';
import { TimeScale, type BusySpan } from './timescale.ts';

/** Datagram flights merged as they come (datagrams are sorted by t0), plus fault periods. */
export function busySpans(model: TraceModel): BusySpan[] {
  const spans: BusySpan[] = [];
  let from = NaN;
  let to = NaN;
  for (const d of model.datagrams) {
    if (d.t1 <= d.t0) continue;
    if (d.t0 <= to) {
      if (d.t1 > to) to = d.t1;
      continue;
    }
    if (to > from) spans.push({ from_ms: from, to_ms: to });
    from = d.t0;
    to = d.t1;
  }
  if (to > from) spans.push({ from_ms: from, to_ms: to });
  for (const f of model.faults) spans.push({ from_ms: f.from_ms, to_ms: f.to_ms });
  return spans;
}

/** The time-local idle-compressed scale of a trace. */
export function idleScale(model: TraceModel): TimeScale {
  return TimeScale.local(model.times, busySpans(model));
}
