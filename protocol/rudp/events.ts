// Events an endpoint hands to its application (and to the trace). Payload bytes are pulled
// with read()/readMessage()/readDatagram(), so events stay small in traces.
import type { RudpErrorCode } from './errors.ts';

export interface StatsSample {
  readonly srtt_ms: number;
  readonly rttvar_ms: number;
  readonly min_rtt_ms: number;
  readonly cwnd_bytes: number;
  readonly bytes_in_flight: number;
  readonly lost: number;
  readonly retransmitted: number;
  readonly sent_packets: number;
  readonly received_packets: number;
  readonly pacing_rate_bytes_per_ms: number;
  readonly delivered_bytes: number;
}

export type RudpEvent =
  | { readonly type: 'connected'; readonly conn: number; readonly role: 'initiator' | 'responder'; readonly peer: string; readonly remote: string }
  | { readonly type: 'readable'; readonly conn: number }
  | { readonly type: 'writable'; readonly conn: number }
  | { readonly type: 'datagram'; readonly conn: number; readonly size_bytes: number }
  /** The peer finished its stream; every byte is now readable. */
  | { readonly type: 'end'; readonly conn: number }
  /** Our FIN and every byte before it have been acknowledged by the peer. */
  | { readonly type: 'finished'; readonly conn: number }
  | { readonly type: 'closed'; readonly conn: number; readonly error?: RudpErrorCode; readonly message?: string }
  | { readonly type: 'path-changed'; readonly conn: number; readonly from: string; readonly to: string }
  | { readonly type: 'rekeyed'; readonly conn: number; readonly direction: 'send' | 'receive' }
  | { readonly type: 'cookie'; readonly conn: number }
  /** Path-MTU probing raised the datagram budget. */
  | { readonly type: 'pmtu'; readonly conn: number; readonly datagram_bytes: number }
  | ({ readonly type: 'stats'; readonly conn: number } & StatsSample);
