// One side of the lab's post-idle clash case (post-idle-case.ts), run inside a host namespace:
// a Peer (punch client + secure session, relay first) on real sockets, its primary port plus
// one spare. The sender writes a first part once the pair is direct, waits until the receiver
// has acknowledged all of it, stays silent for --pause-ms (its keepalives are sparser than
// that), then writes the second part and ends its stream. The receiver checks every byte
// against the same pattern. Each side prints one JSON line: what arrived, the path history
// (path, path-lost, repunch events) and how the session ended.
// Usage: idle-peer-main --id a --peer b --rendezvous ip:port --bind ip:port --spares ip:port,ip:port
//        (--send | --recv) [--part-bytes n] [--pause-ms n] [--keepalive-ms n] [--timeout-ms n]
import { randomBytes } from 'node:crypto';
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { Peer, type PeerCommand, type PeerEvent } from '../../protocol/peer/peer.ts';
import { Driver, RealClock } from '../driver.ts';
import { NodeRng } from '../node-rng.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback?: string): string => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? args[at + 1] : undefined;
  if (value !== undefined) return value;
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
};
const hostPort = (text: string): Addr => {
  const colon = text.lastIndexOf(':');
  return addr(text.slice(0, colon), Number(text.slice(colon + 1)));
};

const id = option('id');
const other = option('peer');
const sender = args.includes('--send');
const part_bytes = Number(option('part-bytes', String(256 * 1024)));
const pause_ms = Number(option('pause-ms', '15000'));
const keepalive_ms = Number(option('keepalive-ms', '15000'));
const timeout_ms = Number(option('timeout-ms', '80000'));
/** The sender waits this long for the punch to go direct before starting anyway. */
const direct_wait_ms = 10_000;

/** Byte i of part p: both sides compute it, so the receiver checks every byte. */
function patternByte(part: number, i: number): number {
  return (i * 29 + part * 7 + 3) & 0xff;
}

function part(index: number): Uint8Array {
  const out = new Uint8Array(part_bytes);
  for (let i = 0; i < part_bytes; i++) out[i] = patternByte(index, i);
  return out;
}

const spares = option('spares').split(',').filter(Boolean).map(hostPort);
const rng = new NodeRng();
const peer = new Peer({
  id, token: new Uint8Array(randomBytes(16)), server: hostPort(option('rendezvous')), local: hostPort(option('bind')),
  connect_to: id < other ? other : undefined,
  punch: { ...(id < other ? {} : { accept_from: other }), spares, keepalive_ms, register_refresh_ms: 25_000 },
  rudp: { keepalive_interval_ms: keepalive_ms, idle_timeout_ms: 60_000 },
  staticSecret: new Uint8Array(randomBytes(32)), crypto: nobleCrypto, rng,
});
const clock = new RealClock();
const driver = await Driver.start<PeerCommand, PeerEvent>(peer, { bind: [hostPort(option('bind')), ...spares], node: id, clock, trace_datagrams: false });

const history: Array<{ t_ms: number; type: string; path?: string; local?: string; remote?: string; role?: string }> = [];
let received = 0;
let intact = true;
let closed = 'none';
let ended = false;
let pausedAt = -1;
let resumedAt = -1;

let reported = false;
function finish(ok: boolean): void {
  if (reported) return;
  reported = true;
  process.stdout.write(
    JSON.stringify({
      ok, id, role: sender ? 'send' : 'recv', received_bytes: received, intact: sender ? undefined : intact && received === 2 * part_bytes, closed,
      paused_ms: pausedAt >= 0 && resumedAt >= 0 ? resumedAt - pausedAt : -1,
      final_path: peer.punch.path?.kind ?? 'none', path_lost: history.filter((h) => h.type === 'path-lost').length, relay_in: peer.counters.relay_in, history,
    }) + '\n',
  );
  void driver.close().then(() => process.exit(0));
}

setTimeout(() => finish(false), timeout_ms).unref();

// The sender's application: part 0, the pause once all of it is acknowledged, part 1, end.
let phase = 0;
let written = 0;
let started = false;
/** From the end of part 0 until the pause is over: nothing is written. */
let holding = false;
const parts = [part(0), part(1)];
function pump(): void {
  if (closed !== 'none' || !peer.sessionOpen || phase > 1 || holding) return;
  const data = parts[phase]!;
  written += driver.act((_m, now) => peer.write(now, data.subarray(written))) ?? 0;
  if (written < part_bytes) return;
  if (phase === 1) {
    phase = 2;
    driver.command({ type: 'end' });
    return;
  }
  phase = 1;
  written = 0;
  holding = true;
  // Silent from the moment the receiver has acknowledged the whole first part.
  const waitIdle = (): void => {
    const stats = peer.stats();
    if (stats && stats.bytes_in_flight === 0 && stats.delivered_bytes >= part_bytes) {
      pausedAt = clock.now();
      setTimeout(() => {
        resumedAt = clock.now();
        holding = false;
        pump();
      }, pause_ms);
    } else setTimeout(waitIdle, 50);
  };
  setTimeout(waitIdle, 50);
}

function start(): void {
  if (started) return;
  started = true;
  pump();
}

driver.onEvent((event) => {
  const t_ms = Math.round(clock.now());
  if (event.type === 'path') history.push({ t_ms, type: 'path', path: event.path, local: event.local, remote: event.remote });
  if (event.type === 'path-lost') history.push({ t_ms, type: 'path-lost', remote: event.remote });
  if (event.type === 'repunch') history.push({ t_ms, type: 'repunch', role: event.role, local: event.local, remote: event.candidate });
  if (event.type === 'closed') {
    closed = event.error ?? 'closed';
    return finish(sender ? phase === 2 && closed === 'closed' : received === 2 * part_bytes);
  }
  if (sender) {
    if (event.type === 'session-open') setTimeout(start, direct_wait_ms);
    if (event.type === 'path' && event.path === 'direct' && peer.sessionOpen) start();
    if (event.type === 'session-open' && peer.punch.path?.kind === 'direct') start();
    if (event.type === 'writable' && started) pump();
    if (event.type === 'finished' && phase === 2) finish(true);
    return;
  }
  if (event.type === 'readable') {
    driver.act(() => {
      for (let chunk = peer.read(); chunk; chunk = peer.read()) {
        for (let i = 0; i < chunk.byteLength; i++) {
          const at = received + i;
          if (chunk[i] !== patternByte(Math.floor(at / part_bytes), at % part_bytes)) intact = false;
        }
        received += chunk.byteLength;
      }
    });
  }
  if (event.type === 'end' && !ended) {
    ended = true;
    driver.command({ type: 'end' });
    // Our own end must reach the sender before we go (its `finished`); then report.
    setTimeout(() => finish(intact && received === 2 * part_bytes), 500);
  }
});
