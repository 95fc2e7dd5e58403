// peerlab/core: the machine contract every protocol implements (Machine, Transmit, the run-time
// contract checker) and the toolkit a protocol core builds on: addresses, bounded Reader/Writer
// codecs with typed DecodeError, Rng and Crypto interfaces (noble provider), bounded queues,
// timer tables, byte helpers and the first-byte demux table. No node: imports: a machine built
// on this runs unchanged in the simulator and on real sockets.
export * from '../protocol/core/index.ts';
export { nobleCrypto } from '../protocol/core/noble-crypto.ts';
