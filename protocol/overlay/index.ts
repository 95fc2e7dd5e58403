// protocol/overlay: overlays (mesh, Chord) behind NATs, addressed by identity, over secure
// sessions found via the rendezvous, punched or relayed, on one port (docs/overlay-sessions.md).
export * from './identity-addr.ts';
export * from './introducer.ts';
export * from './introducer-wire.ts';
export * from './overlay-config.ts';
export * from './overlay-host.ts';
