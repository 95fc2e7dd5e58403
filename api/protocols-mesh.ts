// The mesh namespace of peerlab/protocols: the mesh overlay machines (plain and over secure
// sessions), their config and events, and the replicated dict (sync) that runs on top.
export { MeshNode } from '../protocol/mesh/mesh-node.ts';
export type { MeshCommand, RoutingEntry } from '../protocol/mesh/mesh-node.ts';
export { SecureMesh } from '../protocol/mesh/secure-mesh.ts';
export type { SecureMeshConfig } from '../protocol/mesh/secure-mesh.ts';
export { DEFAULT_LIMITS, MeshConfigError, resolveLimits } from '../protocol/mesh/config.ts';
export type { MeshConfig, MeshLimits, DisseminationMode } from '../protocol/mesh/config.ts';
export { MeshError } from '../protocol/mesh/events.ts';
export type { MeshEvent, MeshErrorCode, MeshDropReason, MeshFlag } from '../protocol/mesh/events.ts';
export type { MeshMessage, SendResult } from '../protocol/mesh/message.ts';
export { nodeId } from '../protocol/mesh/node-id.ts';
export { SyncNode } from '../protocol/sync/sync-node.ts';
export type { SyncConfig, SyncEvent, SyncCommand, SyncResult, SyncErrorCode } from '../protocol/sync/sync-node.ts';
export { DEFAULT_SYNC_LIMITS } from '../protocol/sync/replica.ts';
export type { SyncLimits } from '../protocol/sync/replica.ts';
