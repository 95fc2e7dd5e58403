// The peer world: the full stack. Peers 'a' and 'b' behind their drawn NATs punch a path via
// the rendezvous, open a Noise XX session over it (a pins b's key) and a streams the drawn
// bytes to b, which ends its side once everything arrived. Success: a's session closes
// cleanly; a typed error: it closes with an error code, or the rendezvous refused a for good.
// Invariants: delivered bytes are a prefix of the accepted bytes (sha256 at the end), each
// side's session peer is the other's key and never changes, no stranger takes over a path,
// every table within its limit; the guards check the machine contract on every call.
import { addr } from '../protocol/core/addr.ts';
import { hex } from '../protocol/core/bytes.ts';
import { Peer, type PeerCommand, type PeerEvent } from '../protocol/peer/peer.ts';
import type { PunchClient } from '../protocol/punch/punch-client.ts';
import { nodeCrypto } from '../runtime-node/node-crypto.ts';
import type { LinkConfig } from '../runtime-sim/index.ts';
import type { MachineHandle } from '../runtime-sim/driver.ts';
import { ContractGuard, type GuardCommand } from './guard.ts';
import { PEER_PORT, PathWatch, SERVER_IPS, failure_settle_ms, addRendezvous, startStranger } from './rendezvous-side.ts';
import { payload as payloadBytes } from '../scenarios/transfer/payload.ts';
import { StreamCheck } from './stream-check.ts';
import { checkTables, peerTables, punchTables, rendezvousTables } from './tables.ts';
import { violation } from './violation.ts';
import { addSide, rebindIp, type Outcome, type SwarmWorld, type WorldContext } from './world.ts';

const WRITE_CHUNK_BYTES = 64 * 1024;

type Handle = MachineHandle<GuardCommand<PeerCommand>, PeerEvent>;

const punchEventTypes = new Set(['registered', 'path', 'punch-start', 'rendezvous-error', 'punch-failed']);

export function buildPeerWorld(ctx: WorldContext): SwarmWorld {
  const { sim, plan, tally } = ctx;
  const links = new Map<string, LinkConfig>();
  const unread = new Set<string>();
  const { server, primary } = addRendezvous(sim, plan.topology.server_ms, links, tally);
  const sideA = addSide(sim, plan.topology, 'a', links);
  const sideB = addSide(sim, plan.topology, 'b', links);
  const secretA = sim.rng.fork('key-a').nextBytes(32);
  const secretB = sim.rng.fork('key-b').nextBytes(32);
  const publicA = nodeCrypto.x25519PublicKey(secretA);
  const publicB = nodeCrypto.x25519PublicKey(secretB);
  const data = payloadBytes(plan.seed, plan.workload.transfer_bytes);
  const check = new StreamCheck('a->b', data);
  const strangers: PunchClient[] = [];
  let closedAt: number | undefined;
  let closeError: string | undefined;

  const make = (name: 'a' | 'b', ip: string, secret: Uint8Array, peerIps: readonly string[]): { peer: Peer; handle: Handle; watch: PathWatch } => {
    const peer = new Peer({
      id: name,
      token: sim.rng.fork(`token-${name}`).nextBytes(16),
      server: primary,
      local: addr(ip, PEER_PORT),
      // b consents to being punched by a only (older trees ignore accept_from: strangers get in).
      ...(name === 'a' ? { connect_to: 'b', expectedPeer: publicB } : { punch: { accept_from: 'a' } }),
      staticSecret: secret,
      crypto: nodeCrypto,
      rng: sim.rng.fork(`peer-${name}`),
    });
    const handle: Handle = sim.run(name, new ContractGuard(name, peer, tally), { port: PEER_PORT });
    const watch = new PathWatch(name, new Set([...peerIps, ...SERVER_IPS]));
    const want = hex(name === 'a' ? publicB : publicA);
    handle.onEvent((e) => {
      if (punchEventTypes.has(e.type)) watch.onEvent(sim.now, e as Parameters<PathWatch['onEvent']>[1]);
      if (e.type === 'session-open' && e.peer_key_hex !== want) violation('identity', `${name}: session opened with ${e.peer_key_hex}, expected ${want}`);
      if (e.type === 'connected' && 'peer' in e && e.peer !== want) violation('identity', `${name}: transport connected to ${e.peer}, expected ${want}`);
    });
    return { peer, handle, watch };
  };
  const b = make('b', sideB.ip, secretB, sideA.ips);
  const a = make('a', sideA.ip, secretA, sideB.ips);
  const call = (h: Handle, fn: (now: number) => void): void => h.command({ kind: 'call', call: fn });

  const pump = (now: number): void => {
    while (check.accepted < data.byteLength) {
      const n = a.peer.write(now, data.subarray(check.accepted, Math.min(data.byteLength, check.accepted + WRITE_CHUNK_BYTES)));
      if (n === 0) break;
      check.sent(n);
    }
    if (check.accepted === data.byteLength) a.peer.handleCommand(now, { type: 'end' });
  };
  a.handle.onEvent((e) => {
    if (e.type === 'session-open' || e.type === 'writable') call(a.handle, pump);
    else if (e.type === 'closed' && 'conn' in e && e.conn === a.peer.conn) {
      closedAt ??= sim.now;
      closeError ??= e.error;
    }
  });
  b.handle.onEvent((e) => {
    if (e.type === 'readable' || e.type === 'end') {
      call(b.handle, (now) => {
        for (let chunk = b.peer.read(); chunk; chunk = b.peer.read()) check.received(chunk);
        if (e.type === 'end') b.peer.handleCommand(now, { type: 'end' });
      });
    }
  });
  const rebind = rebindIp(sideA);
  if (plan.workload.rebind_at_ms !== undefined && rebind !== undefined) sim.at(plan.workload.rebind_at_ms, () => sim.rebind('a', rebind));

  return {
    unread,
    baseLink: (node) => links.get(node),
    stranger: (id, at_ms, rng) => startStranger(sim, id, at_ms, 'b', primary, tally, strangers, rng),
    check() {
      let n = checkTables(rendezvousTables('rendezvous', server), unread);
      n += checkTables(peerTables('a', a.peer), unread);
      n += checkTables(peerTables('b', b.peer), unread);
      for (const s of strangers) n += checkTables(punchTables(s.config.id, s), unread);
      return n;
    },
    outcome(): Outcome | undefined {
      if (closedAt !== undefined) return closeError === undefined ? { kind: 'success', at_ms: closedAt } : { kind: 'error', code: closeError, at_ms: closedAt };
      const failure = a.watch.settledFailure(sim.now, failure_settle_ms);
      if (failure !== undefined && a.peer.conn === undefined) return { kind: 'error', code: failure, at_ms: a.watch.failureAt };
      return undefined;
    },
    finish() {
      check.finalCheck();
      if (closedAt !== undefined && closeError === undefined && !check.complete) violation('data', `a closed cleanly but ${check.delivered} of ${data.byteLength} bytes arrived`);
      return 2;
    },
  };
}
