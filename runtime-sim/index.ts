// runtime-sim: the seeded discrete-event network simulator. This is its public surface;
// scenarios, benches and tests import from here.
export { Simulator, SimulatorError, hosts_max_default, nats_max, realms_max, idle_limit_ms_default } from './simulator.ts';
export type { SimulatorOptions, NatSpec, RealmSpec, HostSpec, RunOptions } from './simulator.ts';
export type { MachineHandle } from './driver.ts';
export { Driver, transmits_per_drain_max, events_per_drain_max, events_kept_max_default } from './driver.ts';
export { Realm, RealmError, LIMITED_BROADCAST } from './realm.ts';
export type { Attachment } from './realm.ts';
export { Host, SocketError, sockets_per_host_max } from './host.ts';
export { Gateway } from './gateway.ts';
export { Link, LinkConfigError, validateLinkConfig, gilbertElliottStationaryLoss } from './link.ts';
export type { LinkConfig, LatencyConfig, LossConfig } from './link.ts';
export { Partition, PartitionError, partitions_active_max } from './partition.ts';
export type { PartitionSpec } from './partition.ts';
export { SimRng, rootRng } from './random.ts';
export { EventQueue, QueueFullError, events_pending_max_default } from './queue.ts';
export { SimStats, DROP_REASONS } from './stats.ts';
export type { DropReason } from './stats.ts';
export {
  Tracer,
  MemorySink,
  LineSink,
  serialiseRecord,
  jsonSafe,
  TRACE_VERSION,
  PEERLAB_VERSION,
} from './trace.ts';
export type { TraceSink, TraceRecord, Topology, TopologyNode, TopologyRealm } from './trace.ts';
export { ChunkSink, chunk_bytes_default } from './chunk-sink.ts';
export { Subnet, SubnetError } from './subnet.ts';
export { datagram_bytes_max, hops_max } from './network.ts';
export * from './nat/index.ts';
