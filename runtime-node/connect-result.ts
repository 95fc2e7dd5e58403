// What `peerlab connect` reports: the result of a session (path, timings, goodput, sha256)
// or one typed ConnectFailure, and how a FileTransfer machine's end maps onto the failure
// kinds the CLI prints (`--json` `error` field).
import type { TransferEnd, TransferErrorCode } from '../protocol/transfer/events.ts';

export type ConnectFailureKind =
  | 'timeout'
  | 'identity-mismatch'
  | 'port-in-use'
  | 'bind'
  | 'peer-gone'
  | 'rejected'
  | 'transfer'
  | 'relay-limit'
  | 'rendezvous'
  /** --send / --recv cannot work (found before any network step). */
  | 'file'
  /** SIGINT / SIGTERM: the peer is told (abort) and a partial --recv file is removed. */
  | 'interrupted';

export class ConnectFailure extends Error {
  constructor(
    readonly kind: ConnectFailureKind,
    message: string,
    readonly tried: readonly string[] = [],
    /** The transfer machine's own error, when the transfer protocol ended the session. */
    readonly transfer_error?: TransferErrorCode,
  ) {
    super(message);
    this.name = 'ConnectFailure';
  }
}

export interface ConnectResult {
  ok: true;
  id: string;
  peer: string;
  role: 'sender' | 'receiver' | 'session-only';
  local: string;
  observed?: string;
  nat?: string;
  path: 'direct' | 'relay';
  technique: string;
  remote: string;
  /** from start to the punch client's path */
  time_to_path_ms: number;
  /** Where the background punch stood at the end: `pending` when the run ended on the relay
   * before the punch found a direct pair or gave up (see --await-direct-ms). */
  punch: 'none' | 'pending' | 'direct' | 'failed';
  /** How the punch found its direct pair (when `punch` is `direct`). */
  punch_technique?: string;
  /** the punch client's own measure: punch instruction to path */
  punch_ms: number;
  time_to_session_ms: number;
  rtt_ms: number;
  bytes: number;
  duration_ms: number;
  goodput_mbps: number;
  loss: number;
  sha256?: string;
  /** The other side acknowledged the end of the transfer (always true for the sender's success). */
  confirmed: boolean;
  peer_key: string;
}

export interface FailureContext {
  readonly peer: string;
  readonly idle_timeout_ms: number;
  readonly tried: readonly string[];
}

/** The ConnectFailure a failed transfer end means. */
export function failureOf(end: TransferEnd, context: FailureContext): ConnectFailure {
  const { peer, tried } = context;
  const message = end.message ?? end.error ?? 'failed';
  const failure = (kind: ConnectFailureKind, text: string): ConnectFailure => new ConnectFailure(kind, text, tried, end.error);
  switch (end.transport) {
    case 'identity-mismatch':
      return failure('identity-mismatch', `identity mismatch: "${peer}" presented a key other than --expect-peer`);
    case 'peer-rejected':
      return failure('rejected', `the peer's identity was refused`);
    case 'idle-timeout':
      return failure('peer-gone', `peer "${peer}" went silent: nothing received for the idle timeout (${context.idle_timeout_ms} ms)`);
    case 'handshake-timeout':
      return failure('timeout', 'secure handshake timed out');
    default:
      break;
  }
  switch (end.error) {
    case 'relay-limit':
      return failure('relay-limit', `relay limit: ${message}`);
    case 'peer-aborted':
      return failure('peer-gone', `peer "${peer}" aborted the session: ${message}`);
    case 'timeout':
      return failure('timeout', `transfer timed out: ${message}`);
    case 'transport':
      return failure('transfer', `session closed: ${end.transport ?? ''} ${message}`.replace(/\s+/g, ' '));
    default:
      return failure('transfer', `${end.error ?? 'failed'}: ${message}`);
  }
}
