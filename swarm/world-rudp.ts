// The rudp world: a client (host 'a', behind its drawn NAT) opens a Noise XX session to a
// public server (host 'b') and sends the drawn workload: a stream, or the same bytes cut into
// messages, plus unreliable datagrams; it may be rebound (NAT rebinding) or crash and restart
// on a new port mid-run. Invariants: delivered bytes are a prefix of the accepted bytes,
// messages keep their boundaries, every datagram delivered was sent and arrives at most once,
// every session's peer is the key we pinned, tables stay within their limits.
import { addr, type Addr } from '../protocol/core/addr.ts';
import { hex } from '../protocol/core/bytes.ts';
import { RudpEndpoint } from '../protocol/rudp/endpoint.ts';
import type { RudpEvent } from '../protocol/rudp/events.ts';
import { nodeCrypto } from '../runtime-node/node-crypto.ts';
import type { LinkConfig } from '../runtime-sim/index.ts';
import type { MachineHandle } from '../runtime-sim/driver.ts';
import { ContractGuard, type GuardCommand } from './guard.ts';
import type { RudpCommand } from '../protocol/rudp/endpoint.ts';
import { payload as payloadBytes } from '../scenarios/transfer/payload.ts';
import { StreamCheck } from './stream-check.ts';
import { checkTables, rudpTables } from './tables.ts';
import { violation } from './violation.ts';
import { addSide, fixedLink, rebindIp, type Outcome, type SwarmWorld, type WorldContext } from './world.ts';

const SERVER_IP = '198.51.100.20';
const SERVER_PORT = 4433;
const CLIENT_PORT_FIRST = 5000;
/** Bytes offered to write() per call. */
const WRITE_CHUNK_BYTES = 64 * 1024;
/** First bytes of every swarm datagram: its index (u32), then a pattern derived from it. */
const DATAGRAM_BYTES = 64;

type Handle = MachineHandle<GuardCommand<RudpCommand>, RudpEvent>;

function datagram(index: number): Uint8Array {
  const d = new Uint8Array(DATAGRAM_BYTES);
  new DataView(d.buffer).setUint32(0, index);
  for (let i = 4; i < d.byteLength; i++) d[i] = (index * 31 + i) & 0xff;
  return d;
}

/** One client incarnation and its session with the server. */
interface Attempt {
  readonly guard: ContractGuard<RudpCommand, RudpEvent>;
  readonly endpoint: RudpEndpoint;
  readonly handle: Handle;
  conn: number | undefined;
  readonly check: StreamCheck;
  /** Sizes of messages sent, in order (message mode). */
  readonly messages: number[];
  datagramsSent: number;
  closedAt: number | undefined;
  error: string | undefined;
}

export function buildRudpWorld(ctx: WorldContext): SwarmWorld {
  const { sim, plan, tally } = ctx;
  const w = plan.workload;
  const links = new Map<string, LinkConfig>();
  const side = addSide(sim, plan.topology, 'a', links);
  const serverLink = fixedLink(plan.topology.server_ms);
  sim.addHost({ name: 'b', ips: [SERVER_IP], link: serverLink, role: 'server' });
  links.set('b', serverLink);
  const server: Addr = addr(SERVER_IP, SERVER_PORT);
  // Each client incarnation has its own key, so the server's sessions map to incarnations
  // exactly (a handshake of the crashed one may still complete after the restart).
  const secretA = sim.rng.fork('key-a').nextBytes(32);
  const secretB = sim.rng.fork('key-b').nextBytes(32);
  const incarnations = new Map<string, Attempt>();
  const publicB = nodeCrypto.x25519PublicKey(secretB);
  const data = payloadBytes(plan.seed, w.transfer_bytes);
  const unread = new Set<string>();

  const serverEndpoint = new RudpEndpoint({ crypto: nodeCrypto, rng: sim.rng.fork('rudp-b'), staticSecret: secretB, accept: true });
  const serverGuard = new ContractGuard('b', serverEndpoint, tally);
  const serverHandle: Handle = sim.run('b', serverGuard, { port: SERVER_PORT });
  const attempts: Attempt[] = [];
  /** Server connection id -> the attempt it serves, and the datagram indices it has seen. */
  const served = new Map<number, { attempt: Attempt; peer: string; datagrams: Set<number>; messages: number }>();

  const call = (handle: Handle, fn: (now: number) => void): void => handle.command({ kind: 'call', call: fn });

  function pump(a: Attempt, now: number): void {
    const conn = a.conn;
    if (conn === undefined) return;
    if (w.mode === 'stream') {
      while (a.check.accepted < data.byteLength) {
        const n = a.endpoint.write(now, conn, data.subarray(a.check.accepted, Math.min(data.byteLength, a.check.accepted + WRITE_CHUNK_BYTES)));
        if (n === 0) break;
        a.check.sent(n);
      }
    } else {
      while (a.check.accepted < data.byteLength) {
        const size = Math.min(w.message_bytes, data.byteLength - a.check.accepted);
        if (!a.endpoint.sendMessage(now, conn, data.subarray(a.check.accepted, a.check.accepted + size))) break;
        a.check.sent(size);
        a.messages.push(size);
      }
    }
    if (a.check.accepted === data.byteLength) a.endpoint.close(now, conn);
  }

  function start(port: number): void {
    const secret = port === CLIENT_PORT_FIRST ? secretA : sim.rng.fork(`key-a${port}`).nextBytes(32);
    const endpoint = new RudpEndpoint({ crypto: nodeCrypto, rng: sim.rng.fork(`rudp-a${port}`), staticSecret: secret, accept: false });
    const guard = new ContractGuard(`a:${port}`, endpoint, tally);
    const handle: Handle = sim.run('a', guard, { port });
    const a: Attempt = { guard, endpoint, handle, conn: undefined, check: new StreamCheck(`a:${port}->b`, data), messages: [], datagramsSent: 0, closedAt: undefined, error: undefined };
    attempts.push(a);
    incarnations.set(hex(nodeCrypto.x25519PublicKey(secret)), a);
    handle.onEvent((e) => {
      if (e.type === 'connected') {
        if (e.conn !== a.conn) violation('identity', `a:${port} got connected for conn ${e.conn}, not its own ${a.conn}`);
        if (e.peer !== hex(publicB)) violation('identity', `a:${port} connected to ${e.peer}, pinned ${hex(publicB)}`);
        call(handle, (now) => {
          for (; a.datagramsSent < w.datagrams; a.datagramsSent++) if (!endpoint.sendDatagram(now, e.conn, datagram(a.datagramsSent))) break;
          pump(a, now);
        });
      } else if (e.type === 'writable') call(handle, (now) => pump(a, now));
      else if (e.type === 'closed' && e.conn === a.conn) {
        a.closedAt ??= sim.now;
        a.error ??= e.error;
      }
    });
    call(handle, (now) => {
      a.conn = endpoint.connect(now, server, { expectedPeer: publicB, mode: w.mode });
    });
  }

  serverHandle.onEvent((e) => {
    if (e.type === 'connected') {
      const attempt = incarnations.get(e.peer);
      if (attempt === undefined) violation('identity', `b accepted a session from ${e.peer}, not one of the client's keys`);
      const known = served.get(e.conn);
      if (known && known.peer !== e.peer) violation('identity', `b: conn ${e.conn} changed peer ${known.peer} -> ${e.peer}`);
      served.set(e.conn, { attempt, peer: e.peer, datagrams: new Set(), messages: 0 });
      return;
    }
    const s = served.get(e.conn);
    if (!s) return;
    if (e.type === 'readable' || e.type === 'end') {
      call(serverHandle, (now) => {
        if (w.mode === 'stream') {
          for (let chunk = serverEndpoint.read(e.conn); chunk; chunk = serverEndpoint.read(e.conn)) s.attempt.check.received(chunk);
        } else {
          for (let m = serverEndpoint.readMessage(e.conn); m; m = serverEndpoint.readMessage(e.conn)) {
            const want = s.attempt.messages[s.messages];
            if (want !== m.byteLength) violation('data', `b: message ${s.messages} is ${m.byteLength} bytes, sent ${want}`);
            s.messages++;
            s.attempt.check.received(m);
          }
        }
        if (e.type === 'end') serverEndpoint.close(now, e.conn);
      });
    } else if (e.type === 'datagram') {
      call(serverHandle, () => {
        for (let d = serverEndpoint.readDatagram(e.conn); d; d = serverEndpoint.readDatagram(e.conn)) {
          if (d.byteLength !== DATAGRAM_BYTES) violation('data', `b: datagram of ${d.byteLength} bytes, all sent are ${DATAGRAM_BYTES}`);
          const index = new DataView(d.buffer, d.byteOffset).getUint32(0);
          const want = datagram(index);
          if (index >= s.attempt.datagramsSent || want.some((v, i) => v !== d[i])) violation('data', `b: datagram ${index} was never sent (${s.attempt.datagramsSent} sent)`);
          if (s.datagrams.has(index)) violation('data', `b: datagram ${index} delivered twice`);
          s.datagrams.add(index);
        }
      });
    }
  });

  start(CLIENT_PORT_FIRST);
  if (w.rebind_at_ms !== undefined) {
    const to = rebindIp(side);
    if (to !== undefined) sim.at(w.rebind_at_ms, () => sim.rebind('a', to));
  }
  if (w.restart_at_ms !== undefined) {
    sim.at(w.restart_at_ms, () => {
      const last = attempts[attempts.length - 1]!;
      if (last.closedAt !== undefined) return;
      last.guard.kill();
      start(CLIENT_PORT_FIRST + attempts.length);
    });
  }

  return {
    unread,
    baseLink: (node) => links.get(node),
    check() {
      let n = checkTables(rudpTables('b', serverEndpoint), unread);
      for (const a of attempts) n += checkTables(rudpTables(a.guard.name, a.endpoint), unread);
      return n;
    },
    outcome(): Outcome | undefined {
      const a = attempts[attempts.length - 1]!;
      if (a.closedAt === undefined) return undefined;
      return a.error === undefined ? { kind: 'success', at_ms: a.closedAt } : { kind: 'error', code: a.error, at_ms: a.closedAt };
    },
    finish() {
      let n = 0;
      for (const a of attempts) {
        a.check.finalCheck();
        n++;
      }
      const last = attempts[attempts.length - 1]!;
      if (last.closedAt !== undefined && last.error === undefined && !last.check.complete) {
        violation('data', `${last.guard.name} closed cleanly but ${last.check.delivered} of ${data.byteLength} bytes arrived`);
      }
      return n + 1;
    },
  };
}
