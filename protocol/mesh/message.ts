// A message as the application sees it (py2p's Message): packets, sender id, type, flag and
// arrival time, with reply() routed back to the original sender (mesh-node.ts says how).
import type { Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { MeshLimits } from './config.ts';
import type { MeshFlag } from './events.ts';
import { utf8 } from '../core/bytes.ts';

export interface MeshMessage {
  /** 16-byte message id in hex (unique per message, the dedup key). */
  readonly id: string;
  readonly flag: MeshFlag;
  /** Stable id of the original sender, derived from its public key (node-id.ts). */
  readonly sender: string;
  readonly senderKey: Uint8Array;
  /** The address the sender advertised (its outward address), where direct replies go. */
  readonly senderAddr: Addr;
  readonly type: string;
  readonly packets: readonly Uint8Array[];
  /** Virtual or real time of arrival, in ms, as handed to the machine. */
  readonly time: Millis;
  /** Links crossed from the sender (0 for a whisper or direct reply). */
  readonly hops: number;
  /**
   * Sends packets back to the original sender: over the link when it is a neighbour, else
   * straight to its advertised address. Call it from a handler, or use the `reply` command
   * (which hands the machine the current time) from outside.
   */
  reply(...packets: Array<Uint8Array | string>): SendResult;
}

export type SendResult =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly code: import('./events.ts').MeshErrorCode; readonly detail: string };

/** A handler: runs after the defaults, in registration order, until one returns true. */
export type MeshHandler = (message: MeshMessage, node: unknown) => boolean | void;

export function toBytes(packet: Uint8Array | string): Uint8Array {
  return typeof packet === 'string' ? utf8(packet) : packet;
}

/** A refused command's result. */
export function refuse(code: import('./events.ts').MeshErrorCode, detail: string): SendResult {
  return { ok: false, code, detail };
}

/** Checks a payload against the limits before it is sent (the refusal, or undefined). */
export function checkPayload(limits: MeshLimits, packets: readonly Uint8Array[], type: string): SendResult | undefined {
  if (packets.length > limits.packets_max) return refuse('too-many-packets', `${packets.length} > ${limits.packets_max}`);
  const typeBytes = utf8(type).byteLength;
  if (typeBytes > limits.type_bytes_max) return refuse('type-too-long', `${typeBytes} > ${limits.type_bytes_max}`);
  // Gossip is the largest envelope: 2 + 16 + 2 + 1 + type + 32 + 19 + 1 + 2 per packet.
  const size = 75 + typeBytes + packets.reduce((s, p) => s + 2 + p.byteLength, 0);
  if (size > limits.message_bytes_max) return refuse('message-too-large', `${size} > ${limits.message_bytes_max} bytes`);
  return undefined;
}

/** What the application asks of a mesh node (handleCommand). */
export type MeshCommand =
  | { readonly type: 'send'; readonly packets: ReadonlyArray<Uint8Array | string>; readonly flag?: 'broadcast' | 'whisper'; readonly msg_type?: string }
  | { readonly type: 'reply'; readonly to: string; readonly packets: ReadonlyArray<Uint8Array | string>; readonly msg_type?: string }
  | { readonly type: 'connect'; readonly addr: Addr }
  /** One neighbour by id, or every link (a graceful leave) without `peer`. */
  | { readonly type: 'disconnect'; readonly peer?: string };

export interface RoutingEntry {
  readonly id: string;
  readonly addr: string;
  readonly advertised: string;
  readonly key_hex: string;
  readonly eager: boolean;
}
