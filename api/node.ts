// peerlab/node: running machines on real sockets. Driver (one node:dgram socket per machine,
// the real clock, the same contract checker as the simulator), SecureSocket / SecureServer
// (a Node Duplex over the secure transport), the node:crypto provider and Rng, trace files.
export { Driver, RealClock, DriverError, bindAddr, errorKind, machine_error_backoff_ms, machine_errors_reported_max } from '../runtime-node/driver.ts';
export type { DriverOptions, DriverEvent, SocketErrorKind } from '../runtime-node/driver.ts';
export { SecureSocket, SecureServer, SecureEndpoint } from '../runtime-node/secure-socket.ts';
export type { SecureSocketOptions, ConnectOptions } from '../runtime-node/secure-socket.ts';
export { nodeCrypto } from '../runtime-node/node-crypto.ts';
export { NodeRng } from '../runtime-node/node-rng.ts';
export { TraceFile, TraceArray, realHeaderRecord } from '../runtime-node/trace-file.ts';
export type { TraceRecordSink, RealTraceHeader } from '../runtime-node/trace-file.ts';
