// Events an endpoint hands to its application (and to the trace). Payload bytes are pulled
// with read()/readMessage()/readDatagram(), so events stay small in traces.
import type { RudpErrorCode } from './errors.ts';

export interface StatsSample {
  readonly srtt_ms: number;
  readonly rttvar_ms: number;
  readonly min_rtt_ms: number;
  /** the last RTT sample (0 before the first); the viewer charts it beside srtt and min as qvis does */
  readonly latest_rtt_ms: number;
  readonly cwnd_bytes: number;
  readonly bytes_in_flight: number;
  readonly lost: number;
  readonly retransmitted: number;
  readonly sent_packets: number;
  readonly received_packets: number;
  readonly pacing_rate_bytes_per_ms: number;
  readonly delivered_bytes: number;
}

/** Why a command did nothing (handleCommand never throws; it reports). */
export type RudpCommandFailure =
  | 'endpoint-full' // connect: connections_max reached
  | 'unknown-connection' // no such connection (never existed, or already forgotten)
  | 'not-writable' // closed, or our stream already finished
  | 'too-large' // a message beyond message_bytes_max, a datagram beyond datagramPayloadMax
  | 'not-established'; // datagrams need an established session

export type RudpCommandName = 'connect' | 'write' | 'message' | 'datagram' | 'close' | 'abort' | 'probe-path';

export type RudpEvent =
  /** A `connect` command created connection `conn` (the handshake starts). */
  | { readonly type: 'connecting'; readonly conn: number; readonly remote: string }
  /**
   * What a write/message/datagram command queued: accepted_bytes < requested_bytes means the
   * send buffer was full (a message is all or nothing); a `writable` event follows when room opens.
   */
  | { readonly type: 'accepted'; readonly conn: number; readonly command: 'write' | 'message' | 'datagram'; readonly accepted_bytes: number; readonly requested_bytes: number }
  /** `conn` is 0 when the command created no connection (connection ids are never 0). */
  | { readonly type: 'command-failed'; readonly command: RudpCommandName; readonly conn: number; readonly error: RudpCommandFailure; readonly message: string }
  | { readonly type: 'connected'; readonly conn: number; readonly role: 'initiator' | 'responder'; readonly peer: string; readonly remote: string }
  | { readonly type: 'readable'; readonly conn: number }
  | { readonly type: 'writable'; readonly conn: number }
  | { readonly type: 'datagram'; readonly conn: number; readonly size_bytes: number }
  /** The peer finished its stream; every byte is now readable. */
  | { readonly type: 'end'; readonly conn: number }
  /** Our FIN and every byte before it have been acknowledged by the peer. */
  | { readonly type: 'finished'; readonly conn: number }
  | { readonly type: 'closed'; readonly conn: number; readonly error?: RudpErrorCode; readonly message?: string }
  /** The peer proved (PATH_RESPONSE) that it receives at `to`: traffic now goes there. */
  | { readonly type: 'path-changed'; readonly conn: number; readonly from: string; readonly to: string }
  /** A candidate address never answered its PATH_CHALLENGEs: traffic stays where it was. */
  | { readonly type: 'path-failed'; readonly conn: number; readonly remote: string }
  | { readonly type: 'rekeyed'; readonly conn: number; readonly direction: 'send' | 'receive' }
  | { readonly type: 'cookie'; readonly conn: number }
  /** Path-MTU probing raised the datagram budget. */
  | { readonly type: 'pmtu'; readonly conn: number; readonly datagram_bytes: number }
  | ({ readonly type: 'stats'; readonly conn: number } & StatsSample);
