// runtime-sim/nat: NAT boxes on RFC 4787's axes, as pure state machines the network calls.
export * from './config.ts';
export * from './presets.ts';
export * from './nat-box.ts';
export { PortAllocator, RANDOM_PORT_DRAWS_MAX } from './port-allocator.ts';
export { MappingTable, type MappingScope } from './mapping-table.ts';
