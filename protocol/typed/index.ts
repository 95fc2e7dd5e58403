// protocol/typed: peerpy-style typed connections (HELLO -> ACCEPT | DENY, json / bytes / safe
// values, strict, fixed-size streams, max connections) over the secure transport.
export * from './value-codec.ts';
export * from './typed-wire.ts';
export * from './typed-events.ts';
export * from './typed-peer.ts';
