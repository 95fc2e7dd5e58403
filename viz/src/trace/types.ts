// The trace records the viewer understands (docs/trace-format.md, schema version 1), as
// typed values. The viewer imports nothing else of peerlab: this file is its copy of the
// contract, checked field by field in parse.ts.

export const TRACE_SCHEMA_VERSION = 1;

export type NodeType = 'host' | 'nat' | 'server';

export interface TopologyNode {
  readonly name: string;
  readonly type: NodeType;
  readonly ips: readonly string[];
  readonly realm?: string;
  readonly preset?: string;
  /** NAT only: its external addresses. */
  readonly outside: readonly string[];
  /** NAT only: the realm behind it. */
  readonly inside?: string;
}

export interface TopologyRealm {
  readonly name: string;
  readonly subnet?: string;
  readonly gateway?: string;
}

export interface Topology {
  readonly nodes: readonly TopologyNode[];
  readonly realms: readonly TopologyRealm[];
}

export interface TraceHeader {
  readonly v: number;
  readonly world: string;
  readonly peerlab?: string;
  readonly scenario?: string;
  readonly seed?: number;
  readonly started?: string;
  readonly topology: Topology;
}

/** A packet id ties a send to its NAT hops and its delivery or drop. */
export type PacketId = number | string;

interface EventBase {
  /** milliseconds (virtual for sim traces, since `started` for real ones) */
  readonly t: number;
  readonly node: string;
  /** 1-based line number in the file, for reports and the inspector */
  readonly line: number;
  /** the record as parsed, for the inspector and text search */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface SendEvent extends EventBase {
  readonly kind: 'send';
  readonly id: PacketId;
  readonly src: string;
  readonly dst: string;
  readonly bytes: number;
  readonly proto: string;
  readonly dup_of?: PacketId;
}

export interface NatEvent extends EventBase {
  readonly kind: 'nat';
  readonly id: PacketId;
  readonly src: string;
  readonly dst: string;
  readonly to_src: string;
  readonly to_dst: string;
  readonly dir: string;
}

export interface DeliverEvent extends EventBase {
  readonly kind: 'deliver';
  readonly id: PacketId;
  readonly src: string;
  readonly dst: string;
  readonly bytes: number;
  readonly corrupted: boolean;
}

export interface DropEvent extends EventBase {
  readonly kind: 'drop';
  readonly id: PacketId;
  readonly src: string;
  readonly dst: string;
  readonly bytes: number;
  readonly reason: string;
  readonly where?: string;
}

export interface NatMapEvent extends EventBase {
  readonly kind: 'nat-map';
  readonly internal: string;
  readonly external: string;
  readonly remote?: string;
}

export interface NatExpireEvent extends EventBase {
  readonly kind: 'nat-expire';
  readonly internal: string;
  readonly external: string;
}

export interface TimerEvent extends EventBase {
  readonly kind: 'timer';
  readonly at: number;
}

export interface AppEvent extends EventBase {
  readonly kind: 'event';
  readonly name: string;
  readonly data: unknown;
}

export interface StatsEvent extends EventBase {
  readonly kind: 'stats';
  readonly data: Readonly<Record<string, unknown>>;
}

export interface FaultEvent extends EventBase {
  readonly kind: 'fault';
  readonly name: string;
  readonly state: string;
  readonly detail: unknown;
}

export interface LogEvent extends EventBase {
  readonly kind: 'log';
  readonly level: string;
  readonly message: string;
}

export type DatagramEvent = SendEvent | NatEvent | DeliverEvent | DropEvent;

export type TraceEvent =
  | SendEvent
  | NatEvent
  | DeliverEvent
  | DropEvent
  | NatMapEvent
  | NatExpireEvent
  | TimerEvent
  | AppEvent
  | StatsEvent
  | FaultEvent
  | LogEvent;

export type EventKind = TraceEvent['kind'];

export const EVENT_KINDS: readonly EventKind[] = [
  'send',
  'nat',
  'deliver',
  'drop',
  'nat-map',
  'nat-expire',
  'timer',
  'event',
  'stats',
  'fault',
  'log',
];

/** A line that could not be used, with why. Reported to the user; the rest still loads. */
export interface ParseProblem {
  readonly line: number;
  readonly message: string;
}

export interface ParsedTrace {
  readonly header: TraceHeader | undefined;
  /** sorted by `t`, ties in file order */
  readonly events: readonly TraceEvent[];
  readonly problems: readonly ParseProblem[];
  /** how many more problems there were beyond `problems` (bounded list) */
  readonly problemsDropped: number;
  /** lines of kinds this viewer does not know, ignored as the format asks */
  readonly unknownKinds: number;
  readonly lines: number;
}
