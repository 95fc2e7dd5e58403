// protocol/core: the contract and the small shared toolkit every protocol core builds on.
export * from './time.ts';
export * from './addr.ts';
export * from './rng.ts';
export * from './crypto.ts';
export * from './decode-error.ts';
export * from './reader.ts';
export * from './writer.ts';
export * from './machine.ts';
export * from './bounded-queue.ts';
export * from './bytes.ts';
export * from './contract.ts';
export * from './checked-machine.ts';
export * from './timers.ts';
export * from './demux.ts';
