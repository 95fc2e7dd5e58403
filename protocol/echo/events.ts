// Events the echo machines hand to their application through pollEvent(). Each carries a
// `type` (the NamedEvent contract) and only JSON-friendly fields, so traces record them as is.
import type { RttSummary } from './rtt-stats.ts';

/** Why an incoming datagram was dropped by an echo machine. */
export type EchoDropReason =
  | 'malformed' // failed to decode (truncated, bad kind, oversize payload, trailing bytes)
  | 'corrupt' // decoded shape but the checksum did not match
  | 'foreign' // a pong for another session
  | 'unsolicited' // a pong for a sequence number never sent
  | 'mismatch' // a pong whose payload differs from what was sent
  | 'unexpected'; // a message kind this machine does not handle (a pong at a server)

export interface EchoClientStats {
  readonly session: number;
  readonly sent: number;
  /** Pings answered by at least one responder before their timeout. */
  readonly answered: number;
  /** Pings with no answer by their timeout. */
  readonly lost: number;
  /** Pings still waiting for their timeout. */
  readonly pending: number;
  /** lost / (answered + lost), NaN before any ping is judged. */
  readonly loss_ratio: number;
  /** Valid pongs (one per responder per ping). */
  readonly pongs: number;
  readonly duplicates: number;
  /** Pongs that arrived with a lower sequence number than one already seen. */
  readonly reordered: number;
  /** Pongs that arrived after their ping's timeout (or after it was forgotten). */
  readonly late: number;
  /** Pings forgotten because the outstanding table was full (each still judged). */
  readonly evicted: number;
  readonly drops: Readonly<Record<EchoDropReason, number>>;
  readonly pings_received: number;
  readonly events_dropped: number;
  /** Distinct responder addresses seen (bounded by responders_max per ping). */
  readonly responders: number;
  readonly rtt: RttSummary;
}

export type EchoClientEvent =
  | { readonly type: 'echo-started'; readonly session: number; readonly server: string }
  | { readonly type: 'pong'; readonly seq: number; readonly rtt_ms: number; readonly from: string }
  | { readonly type: 'lost'; readonly seq: number }
  /** A ping arrived at the client (peer mode answers it; otherwise it is only counted). */
  | { readonly type: 'echo-ping'; readonly seq: number; readonly from: string }
  | { readonly type: 'echo-drop'; readonly reason: EchoDropReason; readonly from: string; readonly detail: string }
  | { readonly type: 'echo-done'; readonly stats: EchoClientStats };

export interface EchoServerStats {
  readonly pings: number;
  readonly pongs_sent: number;
  readonly clients: number;
  readonly drops: Readonly<Record<EchoDropReason, number>>;
  readonly events_dropped: number;
}

export type EchoServerEvent =
  | { readonly type: 'echo-client'; readonly from: string }
  | { readonly type: 'echo-drop'; readonly reason: EchoDropReason; readonly from: string; readonly detail: string };

export function emptyDrops(): Record<EchoDropReason, number> {
  return { malformed: 0, corrupt: 0, foreign: 0, unsolicited: 0, mismatch: 0, unexpected: 0 };
}
