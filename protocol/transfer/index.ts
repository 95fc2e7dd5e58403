// protocol/transfer: moving one file over a secure Peer session, with an acknowledged end.
export * from './config.ts';
export * from './events.ts';
export * from './file-transfer.ts';
export * from './wire.ts';
