// A lab case end to end: `peerlab rendezvous` (beside coturn) in the internet namespace, two
// `peerlab connect` processes in the host namespaces moving a file through real nftables
// NATs; then the simulator runs the same Peer machines on the mirrored topology. The row
// puts path, technique and time to path of both worlds side by side.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { Peer, type PeerEvent } from '../../protocol/peer/peer.ts';
import { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import type { LabCase } from './cases.ts';
import { startCoturn } from './coturn.ts';
import { spawnIn, type ManagedProcess } from './exec.ts';
import { PreludeMachine } from './prelude-machine.ts';
import { runProbe } from './stun-probe.ts';
import type { LabSession } from './harness.ts';
import { buildSimTopology } from './sim-mirror.ts';
import { buildTopology, INTERNET } from './topology.ts';
import { utf8 } from '../../protocol/core/bytes.ts';

const BIN = fileURLToPath(new URL('../../bin/peerlab.js', import.meta.url));

export interface WorldOutcome {
  ok: boolean;
  path: string;
  technique: string;
  time_to_path_ms?: number;
  rtt_ms?: number;
  goodput_mbps?: number;
  /** Each peer's own NAT classification (natSummary), as it registered it. */
  nat_a?: string;
  nat_b?: string;
  error?: string;
}

export interface ConnectRow {
  case: string;
  description: string;
  kernel: WorldOutcome;
  sim: WorldOutcome;
  agree: boolean;
}

export interface ConnectCaseOptions {
  tracesDir?: string;
  log?: (line: string) => void;
  /** Size of the file moved through the lab (default 2 MiB). */
  transfer_bytes?: number;
  seed?: number;
}

/** Both peers must be done by then (punch, relay fallback, transfer). */
const peers_timeout_ms = 60_000;
/** Virtual time the simulator mirror may take to open the session. */
const sim_limit_ms = 60_000;
/** After the session opens (over the relay), how long the mirror waits for the punch to settle. */
const settle_ms = 15_000;
/** Both peers bind this port in both worlds, so the preseed can aim at it. */
const peer_port = 40_000;
/** The mirror's spare sockets (re-punch after a conntrack clash; the CLI binds two ephemeral ones). */
const spare_ports = [40_001, 40_002];
/** How long b's preseed probe sends before the peers start. */
const preseed_ms = 300;
/** The relay must carry the whole lab transfer when punching fails. */
const relay_bytes_max = 256 * 1024 * 1024;

function parseResult(proc: ManagedProcess): Record<string, unknown> {
  const line = proc.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) return { ok: false, error: 'no-result', message: proc.tail(5) };
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { ok: false, error: 'bad-result', message: line };
  }
}

async function kernelOutcome(session: LabSession, labCase: LabCase, options: ConnectCaseOptions): Promise<WorldOutcome> {
  const built = await buildTopology(session.net, labCase.topology);
  const coturn = await startCoturn({ namespace: built.internet, listenIp: INTERNET.serverIp, port: INTERNET.coturnPort });
  session.defer(coturn.stop);
  const rendezvousAt = `${INTERNET.serverIp}:${INTERNET.rendezvousPort}`;
  const work = mkdtempSync(join(tmpdir(), 'peerlab-lab-'));
  session.defer(async () => rmSync(work, { recursive: true, force: true }));
  const file = join(work, 'payload.bin');
  writeFileSync(file, randomBytes(options.transfer_bytes ?? 2 * 1024 * 1024));
  const traces = options.tracesDir ?? work;
  mkdirSync(traces, { recursive: true });
  const alternate = labCase.rfc5780 ? ['--alternate', `${INTERNET.alternateIp}:${INTERNET.rendezvousAltPort}`] : [];
  const server = session.track(
    spawnIn(built.internet, 'rendezvous', [process.execPath, BIN, 'rendezvous', '--listen', rendezvousAt, ...alternate, '--relay-bytes-max', String(relay_bytes_max), '--trace', join(traces, `${labCase.name}-rendezvous.jsonl`)]),
  );
  await server.waitForOutput(/rendezvous listening/, 20_000);
  const peerArgs = (id: string, other: string, extra: string[]): string[] => [
    process.execPath,
    BIN,
    'connect',
    '--rendezvous',
    rendezvousAt,
    '--id',
    id,
    '--peer',
    other,
    '--json',
    '--timeout-ms',
    String(peers_timeout_ms - 5_000 - settle_ms),
    // Relay first: a small transfer can end on the relay before the punch settles. Both sides
    // stay (bounded, as the mirror below does) so the row reports where the pair ends up.
    '--await-direct-ms',
    String(settle_ms),
    '--trace',
    join(traces, `${labCase.name}-${id}.jsonl`),
    ...extra,
  ];
  const ipOf = (name: string): string => labCase.topology.hosts.find((h) => h.name === name)!.ip;
  if (labCase.preseed) {
    const from = labCase.preseed_from ?? 'b';
    const to = from === 'b' ? 'a' : 'b';
    await runProbe(built.namespaces.get(from)!, ['punch', `${publicIpOf(labCase, to)}:${peer_port}`, '--port', String(peer_port), '--for', String(preseed_ms)]);
  }
  const b = session.track(
    spawnIn(built.namespaces.get('b')!, 'peer-b', peerArgs('b', 'a', ['--recv', join(work, 'received.bin'), '--bind', `${ipOf('b')}:${peer_port}`])),
  );
  const a = session.track(spawnIn(built.namespaces.get('a')!, 'peer-a', peerArgs('a', 'b', ['--send', file, '--bind', `${ipOf('a')}:${peer_port}`])));
  const done = Promise.all([a.exited, b.exited]);
  let deadline: NodeJS.Timeout | undefined;
  const finished = await Promise.race([done.then(() => true), new Promise<boolean>((r) => (deadline = setTimeout(() => r(false), peers_timeout_ms)))]);
  clearTimeout(deadline); // a pending 60 s timer would keep `peerlab lab` alive after the case
  if (!finished) {
    await Promise.all([a.stop(), b.stop()]);
    return { ok: false, path: 'none', technique: '-', error: `peers still running after ${peers_timeout_ms} ms\n${a.tail(5)}\n${b.tail(5)}` };
  }
  const ra = parseResult(a);
  const rb = parseResult(b);
  if (ra.ok !== true || rb.ok !== true) {
    const failed = ra.ok !== true ? ra : rb;
    options.log?.(`lab ${labCase.name}: peer failed: ${String(failed.message)}\n${a.tail(8)}\n${b.tail(8)}`);
    return { ok: false, path: 'none', technique: '-', error: `${String(failed.error)}: ${String(failed.message)}` };
  }
  // Where the pair ends up: a short transfer can close its session on the relay before the
  // punch's direct pair is validated (the session has moved there when it lived long enough).
  const punched = ra.punch === 'direct';
  return {
    ok: true,
    path: punched ? 'direct' : String(ra.path),
    technique: punched ? String(ra.punch_technique) : String(ra.technique),
    time_to_path_ms: Number(ra.time_to_path_ms),
    rtt_ms: Number(ra.rtt_ms),
    goodput_mbps: Number(ra.goodput_mbps),
    nat_a: typeof ra.nat === 'string' ? ra.nat : undefined,
    nat_b: typeof rb.nat === 'string' ? rb.nat : undefined,
  };
}

/** The simulator's run of the same case: same topology, same Peer machines, same ids. */
export function simOutcome(labCase: LabCase, seed = 1): WorldOutcome {
  const sim = buildSimTopology(labCase.topology, seed, `lab/${labCase.name}`);
  const serverAt = addr(INTERNET.serverIp, INTERNET.rendezvousPort);
  const alternate = labCase.rfc5780 ? addr(INTERNET.alternateIp, INTERNET.rendezvousAltPort) : undefined;
  const rendezvous = new RendezvousServer({ primary: serverAt, ...(alternate ? { alternate } : {}), circuit_bytes_max: relay_bytes_max }, sim.rng.fork('server'));
  // With an alternate the server answers from all four RFC 5780 pairs, as the CLI binds them.
  sim.run('server', rendezvous, alternate ? { addresses: rendezvous.addresses() } : { port: INTERNET.rendezvousPort });
  const hosts = new Map(labCase.topology.hosts.map((h) => [h.name, h.ip]));
  const handles = new Map<string, { events: readonly PeerEvent[] }>();
  let pathAt_ms: number | undefined;
  // b first, as the lab starts b's process first.
  for (const [id, other] of [
    ['b', 'a'],
    ['a', 'b'],
  ] as const) {
    const rng = sim.rng.fork(`peer:${id}`);
    const port = peer_port;
    const peer = new Peer({
      id,
      token: rng.nextBytes(16),
      server: serverAt,
      local: addr(hosts.get(id)!, port),
      connect_to: id < other ? other : undefined,
      punch: { ...(id < other ? {} : { accept_from: other }), spares: spare_ports.map((p) => addr(hosts.get(id)!, p)) },
      staticSecret: rng.nextBytes(32),
      crypto: nobleCrypto,
      rng,
    });
    const prelude =
      labCase.preseed && id === (labCase.preseed_from ?? 'b') ? [{ remote: addr(publicIpOf(labCase, other), peer_port), data: utf8('peerlab-probe') }] : [];
    const handle = sim.run(id, new PreludeMachine(peer, prelude), { addresses: [port, ...spare_ports].map((p) => addr(hosts.get(id)!, p)) });
    if (id === 'a') handle.onEvent((e) => {
      if (e.type === 'path' && pathAt_ms === undefined) pathAt_ms = sim.now;
    });
    handles.set(id, handle);
  }
  const a = handles.get('a')!;
  // The path as `peerlab connect` reports it (connect-narrative.ts): the first one, replaced by
  // an upgrade. Relay first (issue 15): the session opens on the relay and moves to a direct
  // pair when the punch finds one, so run on after the session until the punch is settled.
  const reported = (): Extract<PeerEvent, { type: 'path' }> | undefined => {
    let path: Extract<PeerEvent, { type: 'path' }> | undefined;
    for (const e of a.events) if (e.type === 'path' && (!path || e.upgrade)) path = e;
    return path;
  };
  let openAt: number | undefined;
  for (let t = 0; t < sim_limit_ms; t += 100) {
    sim.runFor(100);
    if (openAt === undefined && a.events.some((e) => e.type === 'session-open')) openAt = sim.now;
    if (openAt !== undefined && (reported()?.path === 'direct' || sim.now >= openAt + settle_ms)) break;
  }
  const path = reported();
  const open = a.events.some((e) => e.type === 'session-open');
  const natOf = (id: string): string | undefined => {
    const registered = handles.get(id)!.events.find((e): e is Extract<PeerEvent, { type: 'registered' }> => e.type === 'registered');
    return registered?.nat;
  };
  const nats = { nat_a: natOf('a'), nat_b: natOf('b') };
  if (!path || !open) return { ok: false, path: path?.path ?? 'none', technique: path?.technique ?? '-', ...nats, error: 'no session in the simulator' };
  return { ok: true, path: path.path, technique: path.technique, time_to_path_ms: pathAt_ms, rtt_ms: path.rtt_ms, ...nats };
}

export async function runConnectCase(session: LabSession, labCase: LabCase, options: ConnectCaseOptions = {}): Promise<ConnectRow> {
  const kernel = await kernelOutcome(session, labCase, options);
  const sim = simOutcome(labCase, options.seed);
  return {
    case: labCase.name,
    description: labCase.description,
    kernel,
    sim,
    agree: kernel.ok === sim.ok && kernel.path === sim.path && kernel.technique === sim.technique && kernel.nat_a === sim.nat_a && kernel.nat_b === sim.nat_b,
  };
}

/** The outermost public address in front of host `name` (its NAT's, or its CGNAT's). */
function publicIpOf(labCase: LabCase, name: string): string {
  const nats = labCase.topology.nats;
  let nat = nats.find((n) => n.name === labCase.topology.hosts.find((h) => h.name === name)!.nat)!;
  while (nat.parent !== 'internet') nat = nats.find((n) => n.name === nat.parent)!;
  return nat.wanIp;
}
