// Typed failure reasons of a secure connection, and the drop reasons the endpoint counts.

export type RudpErrorCode =
  | 'identity-mismatch' // the peer's static key is not the pinned one
  | 'peer-rejected' // our accept policy refused the peer's identity
  | 'handshake-timeout'
  | 'idle-timeout'
  | 'aborted' // we aborted
  | 'peer-aborted' // the peer sent CLOSE
  | 'protocol-violation' // authenticated but invalid (flow control, final size, frames)
  | 'endpoint-full';

export class RudpError extends Error {
  constructor(readonly code: RudpErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'RudpError';
  }
}

export type RudpDropReason =
  | 'not-rudp'
  | 'malformed'
  | 'unknown-connection'
  | 'bad-mac1'
  | 'cookie-required'
  | 'handshake-decrypt'
  | 'handshake-low-order' // a DH with the peer's key gave the all-zero secret (RFC 7748 section 6.1)
  | 'handshake-unexpected'
  | 'replayed-initiation'
  | 'too-many-handshakes'
  | 'replay'
  | 'auth'
  | 'bad-cookie-reply'
  | 'handshake-abandoned' // a half-open responder handshake timed out
  | 'peer-rejected' // a responder refused the initiator's identity (acceptPeer) before reporting anything
  | 'events-full' // the event queue was at its bound
  | 'closed';
