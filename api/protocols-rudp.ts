// The rudp namespace of peerlab/protocols: the endpoint machine, its config, events and errors
// (the congestion controllers, packet and frame codecs stay internal).
export { RudpEndpoint } from '../protocol/rudp/endpoint.ts';
export type { RudpCommand, EndpointOptions } from '../protocol/rudp/endpoint.ts';
export { DEFAULT_CONFIG, resolveConfig } from '../protocol/rudp/config.ts';
export type { RudpConfig, CongestionName, StreamMode } from '../protocol/rudp/config.ts';
export type { RudpEvent, RudpCommandFailure, RudpCommandName, StatsSample } from '../protocol/rudp/events.ts';
export { RudpError } from '../protocol/rudp/errors.ts';
export type { RudpErrorCode, RudpDropReason } from '../protocol/rudp/errors.ts';
