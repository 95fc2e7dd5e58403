// The nat-matrix suite: every unordered pair of NAT presets at 0% and 5% loss, plus two peers
// on one LAN and two homes behind one carrier NAT. Each cell runs the real rendezvous server
// and punch clients in the simulator and checks the outcome against expected.ts (written from
// the NAT rules). Cross-seed figures (direct rate, median time-to-path, birthday rate against
// the analytic probability) are printed by report.ts.
// Every cell runs full Peers (punch + Noise session, relay first, upgrade later): the outcome
// gains the time to the first application byte (the initiator writes 8 bytes when its session
// opens; measured when the acceptor's application reads them) and the time to the direct path
// (both sides adopted it, after validation inside the session). Target (issue 15): first byte
// within 2 RTT of the relayed path after both peers are registered, for every pair at 0% loss.
import { addrEquals } from '../../protocol/core/addr.ts';
import type { PathEvent, PunchEvent } from '../../protocol/punch/punch-events.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import type { NatPresetName } from '../../runtime-sim/nat/presets.ts';
import { holds } from '../expect.ts';
import type { Expectation, Outcome, Scenario } from '../scenario.ts';
import { analyticDirect, expectedCell, matrixPairs, OVERLAP_LAN_EXPECTATION, SAME_CGN_EXPECTATION, SAME_LAN_EXPECTATION, UPGRADE_EXPECTATION, type CellExpectation } from './expected.ts';
import { buildWorld, DIRECT_RTT_MS, FIRST_BYTES, RELAY_RTT_MS, type Peer, type WorldOptions } from './world.ts';

/** Issue 15: the first application byte within this many relayed-path RTTs of both registered. */
export const FIRST_BYTE_RTTS_MAX = 2;

export const LOSS_RATES = [0, 0.05] as const;
/** Virtual run length: long enough for one relay -> direct upgrade after a failed first punch. */
export const RUN_MS = 75_000;
/** The upgrade cell's cut: longer than the first punch (10 s after it starts), shorter than the retry. */
const UPGRADE_CUT_MS = 12_000;

interface Timed {
  readonly t: number;
  readonly event: PunchEvent;
}

function first<T extends PunchEvent['type']>(peer: Peer, type: T, pred: (e: Extract<PunchEvent, { type: T }>) => boolean = () => true): { t: number; event: Extract<PunchEvent, { type: T }> } | undefined {
  for (const x of peer.events as Timed[]) if (x.event.type === type && pred(x.event as Extract<PunchEvent, { type: T }>)) return x as { t: number; event: Extract<PunchEvent, { type: T }> };
  return undefined;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Runs one cell and reads its outcome from the two peers' events. */
export function runCell(sim: Simulator, a: NatPresetName, b: NatPresetName, options: WorldOptions): Outcome {
  const world = buildWorld(sim, a, b, options);
  sim.runUntil(RUN_MS);
  const regA = first(world.a, 'registered');
  const regB = first(world.b, 'registered');
  // "Both registered" is when the rendezvous server first knew both peers.
  const known = (id: string): number => world.serverEvents.find((x) => x.event.type === 'registered' && x.event.id === id)?.t ?? Infinity;
  const both = Math.max(known('a'), known('b'));
  const pathA = first(world.a, 'path');
  const pathB = first(world.b, 'path');
  const directA = first(world.a, 'path', (e: PathEvent) => e.path === 'direct');
  const directB = first(world.b, 'path', (e: PathEvent) => e.path === 'direct');
  const finalA = world.a.client.path;
  const finalB = world.b.client.path;
  const finalPath = finalA && finalB ? (finalA.kind === 'direct' && finalB.kind === 'direct' ? 'direct' : 'relay') : 'none';
  const technique = finalPath === 'direct' ? (finalA?.kind === 'direct' ? finalA.technique : 'none') : finalPath;
  // Birthday odds are per attempt: did the first punch (before any retry/upgrade) go direct?
  const failedA = first(world.a, 'punch-failed');
  const firstAttemptDirect = directA !== undefined && (failedA === undefined || directA.t < failedA.t);
  const pathTime = pathA && pathB ? Math.max(pathA.t, pathB.t) - both : -1;
  const directTime = directA && directB ? Math.max(directA.t, directB.t) - both : -1;
  const sa = world.a.session;
  const sb = world.b.session;
  const sessionFigures: Outcome = sa && sb
    ? {
        time_to_first_byte_ms: sb.firstByteAt !== undefined ? round(sb.firstByteAt - both) : -1,
        first_byte_relay_rtts: sb.firstByteAt !== undefined ? round((sb.firstByteAt - both) / RELAY_RTT_MS) : -1,
        time_to_session_ms: sa.openAt !== undefined ? round(sa.openAt - both) : -1,
        first_bytes_received: sb.received,
        // Where each side's session ended up (the transport follows the punch client's path).
        session_path_a: sa.peer.punch.path?.kind ?? 'none',
        session_path_b: sb.peer.punch.path?.kind ?? 'none',
        relay_fallbacks: sa.peer.counters.relay_fallbacks + sb.peer.counters.relay_fallbacks,
      }
    : {};
  return {
    nat_a: regA?.event.nat ?? 'unregistered',
    nat_b: regB?.event.nat ?? 'unregistered',
    path: finalPath,
    technique,
    time_to_path_ms: round(pathTime),
    time_to_direct_ms: round(directTime),
    direct_rtt_ms: finalA?.kind === 'direct' ? round(finalA.rtt_ms) : -1,
    upgraded: (world.a.events as Timed[]).some((x) => x.event.type === 'path' && x.event.upgrade),
    first_attempt_direct: firstAttemptDirect,
    probes: world.a.client.counters.probes! + world.b.client.counters.probes!,
    relayed_bytes: world.server.stats.relayed_bytes,
    drops: world.a.client.drops.count + world.b.client.drops.count + world.server.drops.count,
    // Never connect to yourself: a direct path to our own socket (overlap-lan's trap).
    self_path: [world.a, world.b].some((p) => p.client.path?.kind === 'direct' && addrEquals(p.client.path.remote, p.client.config.local)),
    own_probes_dropped: (world.a.client.counters['probe-own'] ?? 0) + (world.b.client.counters['probe-own'] ?? 0) + (world.a.client.counters['probe-reflected'] ?? 0) + (world.b.client.counters['probe-reflected'] ?? 0),
    ...sessionFigures,
  };
}

function expectations(expected: CellExpectation, loss: number): Expectation[] {
  const list: Expectation[] = [holds('a path exists', (o) => (o.path === 'direct' || o.path === 'relay' ? true : `path is ${String(o.path)}`))];
  list.push(holds('no peer takes its own socket as its path', (o) => (o.self_path === false ? true : 'a peer is connected to itself')));
  list.push(holds('the first application bytes arrive', (o) => (o.first_bytes_received === FIRST_BYTES.byteLength ? true : `acceptor read ${String(o.first_bytes_received)} bytes`)));
  if (loss === 0) {
    list.push(holds(`first byte within ${FIRST_BYTE_RTTS_MAX} relayed RTT (${FIRST_BYTE_RTTS_MAX * RELAY_RTT_MS} ms) of both registered`, (o) => {
      const t = o.time_to_first_byte_ms as number;
      return t >= 0 && t <= FIRST_BYTE_RTTS_MAX * RELAY_RTT_MS ? true : `first byte at ${t} ms`;
    }));
  }
  if (expected.chance) {
    list.push(holds(`path direct via ${expected.technique}, or relay on a birthday miss`, (o) =>
      (o.path === 'direct' && o.technique === expected.technique) || (o.path === 'relay' && o.technique === 'relay') ? true : `path ${String(o.path)} via ${String(o.technique)}`,
    ));
  } else {
    list.push(holds(`path ${expected.path} via ${expected.technique}`, (o) =>
      o.path === expected.path && o.technique === expected.technique ? true : `path ${String(o.path)} via ${String(o.technique)}, want ${expected.path} via ${expected.technique}`,
    ));
  }
  return list;
}

export interface MatrixScenario extends Scenario {
  readonly cell: { readonly a: string; readonly b: string; readonly loss: number; readonly expected: CellExpectation; readonly analytic?: number };
}

function scenario(name: string, a: NatPresetName, b: NatPresetName, loss: number, expected: CellExpectation, layout: WorldOptions['layout'], cut_until_ms?: number): MatrixScenario {
  const analytic = analyticDirect(expected, loss);
  const extra: Expectation[] = cut_until_ms === undefined ? [] : [holds('upgraded relay -> direct', (o) => (o.upgraded === true ? true : 'no relay -> direct upgrade'))];
  // The trap was really there: each peer's probe to the other's host candidate came back to itself.
  if (layout === 'overlap-lan') extra.push(holds('own probes came back and were dropped', (o) => ((o.own_probes_dropped as number) > 0 ? true : 'no probe came back: the topology does not overlap')));
  return {
    name,
    description: `${a} x ${b}, ${loss * 100}% loss: expect ${expected.path} via ${expected.technique}. ${expected.why}`,
    suites: ['nat-matrix'],
    figures: ['nat_a', 'nat_b', 'path', 'technique', 'time_to_path_ms', 'time_to_first_byte_ms', 'time_to_direct_ms'],
    run: (sim: Simulator) => runCell(sim, a, b, { loss, layout, session: true, ...(cut_until_ms !== undefined ? { cut_until_ms } : {}) }),
    expectations: [...expectations(expected, loss), ...extra],
    cell: { a, b, loss, expected, ...(analytic !== undefined ? { analytic } : {}) },
  };
}

function lossLabel(loss: number): string {
  return `loss${Math.round(loss * 100)}`;
}

export const natMatrix: MatrixScenario[] = [
  ...LOSS_RATES.flatMap((loss) => matrixPairs().map(([a, b]) => scenario(`nat-matrix/${a}+${b}/${lossLabel(loss)}`, a, b, loss, expectedCell(a, b), 'pair'))),
  ...LOSS_RATES.map((loss) => scenario(`nat-matrix/same-lan/${lossLabel(loss)}`, 'port-restricted-cone', 'port-restricted-cone', loss, SAME_LAN_EXPECTATION, 'same-lan')),
  ...LOSS_RATES.map((loss) => scenario(`nat-matrix/same-cgn/${lossLabel(loss)}`, 'port-restricted-cone', 'port-restricted-cone', loss, SAME_CGN_EXPECTATION, 'same-cgn')),
  ...LOSS_RATES.map((loss) => scenario(`nat-matrix/overlap-lan/${lossLabel(loss)}`, 'linux-masquerade-firewall', 'linux-masquerade-firewall', loss, OVERLAP_LAN_EXPECTATION, 'overlap-lan')),
  ...LOSS_RATES.map((loss) => scenario(`nat-matrix/upgrade/${lossLabel(loss)}`, 'port-restricted-cone', 'port-restricted-cone', loss, UPGRADE_EXPECTATION, 'pair', UPGRADE_CUT_MS)),
];

/** Exposed for the bench: the direct-path RTT of the matrix world. */
export { DIRECT_RTT_MS };
