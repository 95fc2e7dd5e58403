// protocol/peer: the composition of punch client and secure transport on one port.
export * from './peer.ts';
