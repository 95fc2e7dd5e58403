// runtime-sim/nat: NAT boxes on RFC 4787's axes, as pure state machines the network calls.
// The network owns topology: for each datagram leaving a realm it asks the realm's NatBox
// hairpin() when the destination is the box's own external IP, else outbound(); for each
// datagram reaching an external IP it asks inbound(). Chaining (CGNAT, double NAT) is the
// network's too: an inner box's external IPs live in the outer box's inside realm, so a
// datagram is translated once per box it leaves. Drain pollNatEvent() after each call and
// schedule expire() at nextExpiry() to write nat-map / nat-expire lines on time.
export * from './config.ts';
export * from './presets.ts';
export * from './nat-box.ts';
export { PortAllocator, RANDOM_PORT_DRAWS_MAX } from './port-allocator.ts';
export { MappingTable, type MappingScope } from './mapping-table.ts';
