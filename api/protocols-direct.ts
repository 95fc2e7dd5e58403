// The direct namespace of peerlab/protocols: a peer at a known address with the Peer's
// commands and events (no rendezvous), as `peerlab connect --direct` uses it.
export { DirectPeer, DIRECT_DEFAULTS } from '../protocol/direct/direct-peer.ts';
export type { DirectPeerConfig } from '../protocol/direct/direct-peer.ts';
