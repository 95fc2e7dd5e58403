// The kernel lab's post-idle conntrack clash (issue 15): a (behind a Linux masquerade router
// with no inbound firewall, its UDP conntrack timers shortened to ROUTER_UDP_TIMEOUT_S) sends b
// (port-restricted cone) a first part over the direct pair, then stays silent for PAUSE_MS:
// longer than the router's timers, so conntrack forgets a's flows, while b's keepalives
// (every B_KEEPALIVE_MS) speak first after the silence. b's datagram to a's old public port
// then leaves a conntrack entry on the router, a's next datagram to b is moved to another port
// (the clash), and the direct pair is dead both ways. The punch clients must re-validate both
// flows, carry the session over the relay (or re-punch), and the second part must arrive
// intact. The simulator's mirror is scenarios/nat-matrix/post-idle-clash.ts (the same Peer
// machines and mechanism, with its own timer scale).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCase } from './cases.ts';
import { nodeTs, runIn, spawnIn, type ManagedProcess } from './exec.ts';
import type { LabSession } from './harness.ts';
import { MODULE_EXT } from '../source-layout.ts';
import { buildTopology, INTERNET } from './topology.ts';

const BIN = fileURLToPath(new URL('../../bin/peerlab.js', import.meta.url));
const PEER_ENTRY = fileURLToPath(new URL(`./idle-peer-main${MODULE_EXT}`, import.meta.url));

/** nat-a's UDP conntrack timers (unreplied and stream), shortened as the simulator's mirror does. */
export const ROUTER_UDP_TIMEOUT_S = 4;
/** The sender's silence: well past the router's timers and one keepalive period of b. */
export const PAUSE_MS = 15_000;
/** b's keepalives (punch and session): sparser than the router's timers, so b speaks first after them. */
const B_KEEPALIVE_MS = 6_000;
/** a's keepalives: longer than the pause, so a sends nothing while paused. */
const A_KEEPALIVE_MS = 30_000;
const PART_BYTES = 256 * 1024;
const PEER_PORT = 40_000;
const SPARE_PORTS = [40_001, 40_002];
/** Both peers must be done by then. */
const peers_timeout_ms = 85_000;

export interface PostIdleSide {
  ok: boolean;
  received_bytes?: number;
  intact?: boolean;
  closed?: string;
  paused_ms?: number;
  final_path?: string;
  path_lost?: number;
  relay_in?: number;
  history?: Array<{ t_ms: number; type: string; path?: string; local?: string; remote?: string; role?: string }>;
  error?: string;
}

export interface PostIdleOutcome {
  a: PostIdleSide;
  b: PostIdleSide;
  /** nat-a's conntrack UDP timeout as read back from its namespace (proves the shortening took). */
  router_udp_timeout_s: number;
}

function parse(proc: ManagedProcess): PostIdleSide {
  const line = proc.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) return { ok: false, error: `no result: ${proc.tail(8)}` };
  try {
    return JSON.parse(line) as PostIdleSide;
  } catch {
    return { ok: false, error: `bad result: ${line}` };
  }
}

export async function runPostIdleCase(session: LabSession): Promise<PostIdleOutcome> {
  const topology = findCase('conntrack-clash')!.topology;
  const built = await buildTopology(session.net, topology);
  const natA = built.namespaces.get('nat-a')!;
  await runIn(natA, ['sysctl', '-qw', `net.netfilter.nf_conntrack_udp_timeout=${ROUTER_UDP_TIMEOUT_S}`, `net.netfilter.nf_conntrack_udp_timeout_stream=${ROUTER_UDP_TIMEOUT_S}`]);
  const router_udp_timeout_s = Number((await runIn(natA, ['sysctl', '-n', 'net.netfilter.nf_conntrack_udp_timeout'])).trim());
  const work = mkdtempSync(join(tmpdir(), 'peerlab-post-idle-'));
  session.defer(async () => rmSync(work, { recursive: true, force: true }));
  const rendezvousAt = `${INTERNET.serverIp}:${INTERNET.rendezvousPort}`;
  const server = session.track(spawnIn(built.internet, 'rendezvous', [process.execPath, BIN, 'rendezvous', '--listen', rendezvousAt, '--relay-bytes-max', String(64 * 1024 * 1024), '--trace', join(work, 'rendezvous.jsonl')]));
  await server.waitForOutput(/rendezvous listening/, 20_000);
  const ipOf = (name: string): string => topology.hosts.find((h) => h.name === name)!.ip;
  const peer = (id: 'a' | 'b', keepalive_ms: number, role: '--send' | '--recv'): ManagedProcess =>
    session.track(
      spawnIn(built.namespaces.get(id)!, `peer-${id}`, [
        ...nodeTs(PEER_ENTRY), '--id', id, '--peer', id === 'a' ? 'b' : 'a', '--rendezvous', rendezvousAt,
        '--bind', `${ipOf(id)}:${PEER_PORT}`, '--spares', SPARE_PORTS.map((p) => `${ipOf(id)}:${p}`).join(','), role,
        '--part-bytes', String(PART_BYTES), '--pause-ms', String(PAUSE_MS), '--keepalive-ms', String(keepalive_ms), '--timeout-ms', String(peers_timeout_ms - 2_000),
      ]),
    );
  const b = peer('b', B_KEEPALIVE_MS, '--recv');
  const a = peer('a', A_KEEPALIVE_MS, '--send');
  let deadline: NodeJS.Timeout | undefined;
  const finished = await Promise.race([Promise.all([a.exited, b.exited]).then(() => true), new Promise<boolean>((r) => (deadline = setTimeout(() => r(false), peers_timeout_ms)))]);
  clearTimeout(deadline);
  if (!finished) {
    await Promise.all([a.stop(), b.stop()]);
    return { a: { ok: false, error: `still running\n${a.tail(5)}` }, b: { ok: false, error: `still running\n${b.tail(5)}` }, router_udp_timeout_s };
  }
  return { a: parse(a), b: parse(b), router_udp_timeout_s };
}
