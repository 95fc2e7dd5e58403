// Link liveness for the active view. Each link keeps two stored deadlines: when to send a
// PING, and when it is dead (nothing heard for dead_ms). Only what we *hear* counts: a link
// we only send on may be dead. An idle link costs one PING and one PONG per keepalive_ms,
// sent by one end only (the smaller key: `pinger`); the other end pings at 1.5 × keepalive_ms
// of silence, a backup for when the pinger's probes or answers are lost. A link that carries
// traffic both ways (pushes one way, ACKs the other; IHAVEs both ways) never pings at all.
// Before: both ends pinged whenever they had *sent* nothing for 2 s, so every link carried
// ~1 PING a second, busy or not, and a node woke every 500 ms to check.
// With dead_ms = 8 s and keepalive_ms = 2.5 s, a silent link gets three probes from the pinger
// (2.5, 5, 7.5 s) and two from the other end (3.75, 6.25 s) before it is declared dead: at
// 10% loss per datagram a live link is wrongly dropped with p ≈ 0.19³ × 0.1² ≈ 7e-5 per
// silent 8 s.
import type { Millis } from '../core/time.ts';
import type { MeshLimits } from './config.ts';
import type { Neighbour } from './neighbour.ts';

/** The backup end waits this much longer than the pinger before probing. */
const backup_factor = 1.5;

/** Anything heard from the link keeps it alive and puts off probing it. */
export function linkHeard(n: Neighbour, now: Millis, limits: MeshLimits): void {
  n.deadAt = now + limits.dead_ms;
  n.pingAt = now + (n.pinger ? limits.keepalive_ms : limits.keepalive_ms * backup_factor);
}

/** We probed it: the next probe (unless we hear something) one interval later. */
export function linkPinged(n: Neighbour, now: Millis, limits: MeshLimits): void {
  n.pingAt = now + limits.keepalive_ms;
}

/** What the link needs at `now`: declared dead, a PING, or nothing. */
export function linkDue(n: Neighbour, now: Millis): 'dead' | 'ping' | undefined {
  if (now >= n.deadAt) return 'dead';
  if (now >= n.pingAt) return 'ping';
  return undefined;
}

/** The earliest deadline of the link. */
export function linkDeadline(n: Neighbour): Millis {
  return n.pingAt < n.deadAt ? n.pingAt : n.deadAt;
}
