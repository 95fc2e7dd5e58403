// protocol/chord: a Chord DHT node (Sans-IO) with py2p's dict API. See docs/chord.md.
export * from './id.ts';
export * from './config.ts';
export * from './wire.ts';
export * from './events.ts';
export * from './routing.ts';
export * from './store.ts';
export * from './dict-client.ts';
export * from './lookup.ts';
export * from './maintenance.ts';
export * from './fingers.ts';
export * from './replication.ts';
export * from './chord-node.ts';
