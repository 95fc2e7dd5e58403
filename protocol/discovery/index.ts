// protocol/discovery: LAN discovery. peerpy's PING/PONG broadcast (lan-pinger.ts) and
// mDNS / DNS-SD (mdns-node.ts) with our own bounded DNS codec (dns-wire.ts).
export * from './dns-wire.ts';
export * from './service.ts';
export * from './record-cache.ts';
export * from './mdns-config.ts';
export * from './mdns-node.ts';
export * from './ping-wire.ts';
export * from './lan-pinger.ts';
