// Every named table of the machines the swarm runs, with its limit, read after each step: a
// table past its limit is a memory-exhaustion bug an attacker can drive. Sizes come from the
// machines' public surfaces where they exist (counters, connectionCount); the rest are read
// by field name, and a table whose field is missing (renamed by a refactor) is reported as
// unread rather than silently passing, so the list stays honest.
import type { PunchClient } from '../protocol/punch/punch-client.ts';
import type { RendezvousServer } from '../protocol/punch/rendezvous-server.ts';
import type { RudpEndpoint } from '../protocol/rudp/endpoint.ts';
import type { Peer } from '../protocol/peer/peer.ts';
import { violation } from './violation.ts';

export interface TableReading {
  readonly name: string;
  readonly size: number;
  readonly limit: number;
}

/** The size of a private Map/Set/array/queue field, or undefined when there is no such field. */
function sizeOf(owner: object, field: string): number | undefined {
  const value: unknown = Reflect.get(owner, field);
  if (value instanceof Map || value instanceof Set) return value.size;
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'object' && value !== null) {
    // protocol/punch BoundedQueue: items[head..]
    const items: unknown = Reflect.get(value, 'items');
    const head: unknown = Reflect.get(value, 'head');
    if (Array.isArray(items) && typeof head === 'number') return items.length - head;
  }
  return undefined;
}

/** Rudp endpoint event queue bound (endpoint.ts EVENTS_MAX). */
const rudp_events_max = 65_536;
/** Datagrams an endpoint may hold for the driver between two drains (cookie replies). */
const rudp_transmits_max = 4_096;

export function rudpTables(name: string, e: RudpEndpoint): TableReading[] {
  const c = e.config;
  const out: TableReading[] = [{ name: `${name}.connections`, size: e.connectionCount, limit: c.connections_max }];
  const initiations = sizeOf(e, 'initiations');
  out.push({ name: `${name}.initiations`, size: initiations ?? -1, limit: c.initiations_seen_max });
  const events = sizeOf(e, 'events');
  const head = Reflect.get(e, 'eventsHead');
  out.push({ name: `${name}.events`, size: events === undefined ? -1 : events - (typeof head === 'number' ? head : 0), limit: rudp_events_max });
  out.push({ name: `${name}.transmits`, size: sizeOf(e, 'transmits') ?? -1, limit: rudp_transmits_max });
  const connections: unknown = Reflect.get(e, 'connections');
  if (connections instanceof Map) for (const c of connections.values()) out.push(...connectionTables(name, c as object, c));
  else out.push({ name: `${name}.connections-map`, size: -1, limit: 0 });
  return out;
}

/** Per connection: send buffer, receive buffer (in order + out of order), datagram queues. */
function connectionTables(name: string, c: object, conn: { readonly sendStream?: unknown; readonly receiveStream?: unknown }): TableReading[] {
  const out: TableReading[] = [];
  const send = conn.sendStream as { buffered_bytes?: number; capacity_bytes?: number } | undefined;
  out.push({ name: `${name}.conn.send_buffer`, size: send?.buffered_bytes ?? -1, limit: send?.capacity_bytes ?? 0 });
  const receive = conn.receiveStream as { readable_bytes?: number; window_bytes?: number } | undefined;
  const pending: unknown = receive === undefined ? undefined : Reflect.get(receive, 'pending');
  let held = -1;
  if (receive?.readable_bytes !== undefined && Array.isArray(pending)) {
    held = receive.readable_bytes;
    for (const p of pending as Array<{ data?: Uint8Array }>) held += p.data?.byteLength ?? 0;
  }
  out.push({ name: `${name}.conn.receive_buffer`, size: held, limit: receive?.window_bytes ?? 0 });
  for (const field of ['datagramsOut', 'datagramsIn']) {
    const q = Reflect.get(c, field) as { length?: number; max_items?: number } | undefined;
    out.push({ name: `${name}.conn.${field}`, size: q?.length ?? -1, limit: q?.max_items ?? 0 });
  }
  return out;
}

export function rendezvousTables(name: string, s: RendezvousServer): TableReading[] {
  const c = s.config;
  const counters = s.counters;
  return [
    { name: `${name}.registrations`, size: counters['registrations'] ?? -1, limit: c.registrations_max },
    { name: `${name}.circuits`, size: counters['circuits'] ?? -1, limit: c.circuits_max },
    { name: `${name}.pending`, size: counters['pending'] ?? -1, limit: c.pending_max },
    { name: `${name}.rate_sources`, size: counters['rate_sources'] ?? -1, limit: c.sources_max },
    { name: `${name}.transmits`, size: sizeOf(s, 'transmits') ?? -1, limit: c.transmits_max },
    { name: `${name}.events`, size: sizeOf(s, 'events') ?? -1, limit: c.events_max },
  ];
}

export function punchTables(name: string, p: PunchClient): TableReading[] {
  const c = p.config;
  return [
    { name: `${name}.transmits`, size: sizeOf(p, 'transmits') ?? -1, limit: c.transmits_max },
    { name: `${name}.events`, size: sizeOf(p, 'events') ?? -1, limit: c.events_max },
  ];
}

export function peerTables(name: string, p: Peer): TableReading[] {
  const events_max = Reflect.get(p, 'events_max');
  return [
    { name: `${name}.events`, size: sizeOf(p, 'events') ?? -1, limit: typeof events_max === 'number' ? events_max : 4096 },
    ...punchTables(`${name}.punch`, p.punch),
    ...rudpTables(`${name}.rudp`, p.rudp),
  ];
}

/** Throws a table-limit violation for the first table over its limit; returns how many were read. */
export function checkTables(readings: readonly TableReading[], unread: Set<string>): number {
  let checked = 0;
  for (const t of readings) {
    if (t.size < 0) {
      unread.add(t.name);
      continue;
    }
    checked++;
    if (t.size > t.limit) violation('table-limit', `${t.name} holds ${t.size} > limit ${t.limit}`);
  }
  return checked;
}
