// The punch world: peers 'a' (initiator) and 'b', each behind its drawn NAT preset, register
// with the rendezvous and find a path (direct or relayed). Success: both hold a path to each
// other; a typed error: the initiator's rendezvous request failed for good. Invariants: no
// stranger takes over a peer's path, the server's tables and the clients' queues stay within
// their limits; the guards check the machine contract on every call.
import { addr } from '../protocol/core/addr.ts';
import { PunchClient, type PunchCommand } from '../protocol/punch/punch-client.ts';
import type { PunchEvent } from '../protocol/punch/punch-events.ts';
import type { LinkConfig } from '../runtime-sim/index.ts';
import { ContractGuard, type GuardCommand } from './guard.ts';
import { PEER_PORT, PathWatch, SERVER_IPS, failure_settle_ms, addRendezvous, startStranger } from './rendezvous-side.ts';
import { checkTables, punchTables, rendezvousTables } from './tables.ts';
import { violation } from './violation.ts';
import { addSide, rebindIp, type Outcome, type SwarmWorld, type WorldContext } from './world.ts';

export function buildPunchWorld(ctx: WorldContext): SwarmWorld {
  const { sim, plan, tally } = ctx;
  const links = new Map<string, LinkConfig>();
  const unread = new Set<string>();
  const { server, primary } = addRendezvous(sim, plan.topology.server_ms, links, tally);
  const sideA = addSide(sim, plan.topology, 'a', links);
  const sideB = addSide(sim, plan.topology, 'b', links);
  const clients: PunchClient[] = [];
  const watches: PathWatch[] = [];
  const start = (name: 'a' | 'b', ip: string, peerIps: readonly string[]): void => {
    const client = new PunchClient({ id: name, token: sim.rng.fork(`token-${name}`).nextBytes(16), server: primary, local: addr(ip, PEER_PORT), ...(name === 'a' ? { connect_to: 'b' } : { accept_from: 'a' }) }, sim.rng.fork(`punch-${name}`));
    const handle = sim.run<GuardCommand<PunchCommand>, PunchEvent>(name, new ContractGuard(name, client, tally), { port: PEER_PORT });
    const watch = new PathWatch(name, new Set([...peerIps, ...SERVER_IPS]));
    handle.onEvent((e) => watch.onEvent(sim.now, e));
    clients.push(client);
    watches.push(watch);
  };
  start('b', sideB.ip, sideA.ips);
  start('a', sideA.ip, sideB.ips);
  const rebind = rebindIp(sideA);
  if (plan.workload.rebind_at_ms !== undefined && rebind !== undefined) sim.at(plan.workload.rebind_at_ms, () => sim.rebind('a', rebind));
  const [watchB, watchA] = watches as [PathWatch, PathWatch];
  return {
    unread,
    baseLink: (node) => links.get(node),
    stranger: (id, at_ms, rng) => startStranger(sim, id, at_ms, 'b', primary, tally, clients, rng),
    check() {
      let n = checkTables(rendezvousTables('rendezvous', server), unread);
      clients.forEach((c) => (n += checkTables(punchTables(c.config.id, c), unread)));
      return n;
    },
    outcome(): Outcome | undefined {
      if (watchA.pathAt !== undefined && watchB.pathAt !== undefined) return { kind: 'success', at_ms: Math.max(watchA.pathAt, watchB.pathAt) };
      for (const w of [watchA, watchB]) {
        const failure = w.settledFailure(sim.now, failure_settle_ms);
        if (failure !== undefined) return { kind: 'error', code: `${w.name}:${failure}`, at_ms: w.failureAt };
      }
      return undefined;
    },
    finish() {
      // Both sides must agree on who they talk to.
      if (watchA.peer !== undefined && watchA.peer !== 'b') violation('identity', `a holds a path to ${watchA.peer}, not b`);
      if (watchB.peer !== undefined && watchB.peer !== 'a') violation('identity', `b holds a path to ${watchB.peer}, not a`);
      return 2;
    },
  };
}
