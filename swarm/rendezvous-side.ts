// The parts the punch and peer worlds share: the rendezvous server (two IPs x two ports, so
// RFC 5780 classification works), the stranger (a registered peer nobody invited, asking the
// rendezvous to punch to the accepting side), and the path watch that enforces "a session
// never changes its peer": once a client has a path to peer P, no punch or path for another
// peer may replace it.
import { addr, type Addr } from '../protocol/core/addr.ts';
import { PunchClient, type PunchCommand } from '../protocol/punch/punch-client.ts';
import type { PunchEvent } from '../protocol/punch/punch-events.ts';
import { RendezvousServer } from '../protocol/punch/rendezvous-server.ts';
import { ERROR_CODE } from '../protocol/punch/rendezvous-wire.ts';
import type { LinkConfig, Simulator } from '../runtime-sim/index.ts';
import type { SimRng } from '../runtime-sim/random.ts';
import { ContractGuard, type CheckTally, type GuardCommand } from './guard.ts';
import { violation } from './violation.ts';
import { fixedLink } from './world.ts';

export const SERVER_IPS = ['198.51.100.7', '198.51.100.8'] as const;
export const STUN_PORT = 3478;
export const STUN_ALT_PORT = 3479;
export const PEER_PORT = 5000;
/** How long a typed failure must stand, with no progress, before it is the run's outcome. */
export const failure_settle_ms = 30_000;
/** Strangers live at 192.0.2.200 + their schedule index. */
const STRANGER_IP_BASE = 200;

export function addRendezvous(sim: Simulator, server_ms: number, links: Map<string, LinkConfig>, tally: CheckTally): { server: RendezvousServer; primary: Addr } {
  const link = fixedLink(server_ms);
  const host = sim.addHost({ name: 'rendezvous', ips: [...SERVER_IPS], link, role: 'server' });
  links.set('rendezvous', link);
  const primary = addr(SERVER_IPS[0], STUN_PORT);
  const server = new RendezvousServer({ primary, alternate: addr(SERVER_IPS[1], STUN_ALT_PORT) }, sim.rng.fork('rendezvous'));
  sim.run(host, new ContractGuard('rendezvous', server, tally), { addresses: server.addresses() });
  return { server, primary };
}

/**
 * Starts, at `at_ms`, a registered stranger `mallory-<index>` (its own id and token, on host
 * `stranger-<index>`, drawn from `streams`) that asks the rendezvous for a punch to `target`.
 */
export function startStranger(sim: Simulator, index: number, at_ms: number, target: string, server: Addr, tally: CheckTally, clients: PunchClient[], streams: SimRng): void {
  const id = `mallory-${index}`;
  const host = `stranger-${index}`;
  const ip = `192.0.2.${STRANGER_IP_BASE + (index % 50)}`;
  sim.addHost({ name: host, ips: [ip], link: fixedLink(10) });
  const token = streams.fork('token').nextBytes(16);
  const rng = streams.fork('punch');
  sim.at(at_ms, () => {
    const client = new PunchClient({ id, token, server, local: addr(ip, PEER_PORT), connect_to: target }, rng);
    clients.push(client);
    sim.run<GuardCommand<PunchCommand>, PunchEvent>(host, new ContractGuard(id, client, tally), { port: PEER_PORT });
  });
}

/**
 * Watches one client's punch events: the first peer with a path is its peer for good, and a
 * path only ever leads to that peer's own addresses (or the relay): a path to anywhere else
 * means someone talked the client into sending its session elsewhere.
 */
export class PathWatch {
  peer: string | undefined;
  pathAt: number | undefined;
  /** A typed failure while there is no path: 'rendezvous-error-<code>' or 'punch-failed'. */
  failure: string | undefined;
  failureAt = 0;

  constructor(
    readonly name: string,
    /** The peer's addresses plus the relay's; undefined: not checked. */
    private readonly allowedIps?: ReadonlySet<string>,
  ) {}

  /**
   * The typed failure, once it has stood for `settle_ms` with no progress since: a client
   * that retries (a connect that raced its own registration, a punch the server repeats)
   * is not failed yet.
   */
  settledFailure(now: number, settle_ms: number): string | undefined {
    return this.failure !== undefined && now - this.failureAt >= settle_ms ? this.failure : undefined;
  }

  onEvent(now: number, e: PunchEvent): void {
    // Progress clears an earlier failure: it was not the end.
    if (e.type === 'registered' || e.type === 'punch-start' || e.type === 'path') this.failure = undefined;
    if (e.type === 'path') {
      if (this.peer !== undefined && e.peer !== this.peer) violation('identity', `${this.name}: path to ${this.peer} replaced by a path to ${e.peer}`);
      const ip = e.remote.startsWith('[') ? e.remote.slice(1, e.remote.indexOf(']')) : e.remote.slice(0, e.remote.lastIndexOf(':'));
      if (this.allowedIps !== undefined && !this.allowedIps.has(ip)) violation('identity', `${this.name}: path to ${e.peer} leads to ${e.remote}, not one of its addresses`);
      this.peer = e.peer;
      this.pathAt ??= now;
    } else if (e.type === 'punch-start') {
      if (this.peer !== undefined && e.peer !== this.peer) violation('identity', `${this.name}: session with ${this.peer} taken over by a punch from ${e.peer}`);
    } else if (this.pathAt === undefined && this.failure === undefined) {
      // The first failure since the last progress: repeats do not restart the settle time.
      if ((e.type === 'rendezvous-error' && e.code !== ERROR_CODE.pending) || e.type === 'punch-failed') {
        this.failure = e.type === 'punch-failed' ? 'punch-failed' : `rendezvous-error-${e.code}`;
        this.failureAt = now;
      }
    }
  }
}
