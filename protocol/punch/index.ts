// protocol/punch: NAT traversal as Sans-IO machines. The public surface:
//   StunServer       STUN Binding server (RFC 8489), RFC 5780 CHANGE-REQUEST with two IPs x two ports
//   StunClient       reflexive address + RFC 5780 NAT classification (fronts `peerlab stun`)
//   RendezvousServer register/lookup/connect, DCUtR-style timed punch, relay, STUN on the same port
//   PunchClient      discovery, registration, paced checks, prediction, birthday, relay, upgrade, keepalive
// Wire: STUN is recognised by its magic cookie; our own messages use first bytes 0xD0-0xDF
// (rendezvous-wire.ts). A composing machine (e.g. the secure transport on the same port)
// passes 0x00-0x03 and 0xD0-0xDF datagrams to the PunchClient, reads `path` (direct: the
// local socket and the peer's address; relay: the server), sends its own datagrams with
// `sendData` (wrapped in relay frames when relayed) and receives relayed ones as
// `relay-data` events.
export * from './stun-types.ts';
export * from './stun-codec.ts';
export * from './stun-attributes.ts';
export * from './stun-transactions.ts';
export * from './stun-responder.ts';
export * from './stun-server.ts';
export * from './stun-client.ts';
export * from './nat-report.ts';
export * from './nat-discovery.ts';
export * from './rendezvous-wire.ts';
export * from './registry.ts';
export * from './fair-table.ts';
export * from './source-prefix.ts';
export * from './cookie.ts';
export * from './rate-limiter.ts';
export * from './relay-table.ts';
export * from './rendezvous-server.ts';
export * from './strategy.ts';
export * from './check-list.ts';
export * from './punch-config.ts';
export * from './punch-events.ts';
export * from './punch-session.ts';
export * from './punch-client.ts';
export * from './rendezvous-requests.ts';
export * from './drop-counter.ts';
export * from './crc32.ts';
