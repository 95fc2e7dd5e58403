// What `peerlab connect` does, as a function the CLI, tests and the lab share: bind one UDP
// port, run the Peer machine (punch + secure transport) on it, and once the session is open
// send or receive a file, verify its sha256 and report path, RTT, goodput and loss. Every
// failure comes back as a typed ConnectFailure with what was tried, never as a stack trace.
import { createSocket } from 'node:dgram';
import { addr, formatAddr, type Addr } from '../protocol/core/addr.ts';
import type { Crypto } from '../protocol/core/crypto.ts';
import { nodeCrypto } from './node-crypto.ts';
import { Peer, type PeerEvent } from '../protocol/peer/peer.ts';
import { ERROR_CODE } from '../protocol/punch/rendezvous-wire.ts';
import { Driver, DriverError, RealClock } from './driver.ts';
import type { Identity } from './identity-file.ts';
import { NodeRng } from './node-rng.ts';
import { realHeaderRecord, TraceFile } from './trace-file.ts';
import { decodeVerdict, FileReceiver, FileSender, hex, TransferError, VERDICT_BYTES } from './transfer.ts';

export type ConnectFailureKind = 'timeout' | 'identity-mismatch' | 'port-in-use' | 'bind' | 'peer-gone' | 'rejected' | 'transfer' | 'rendezvous';

export class ConnectFailure extends Error {
  constructor(readonly kind: ConnectFailureKind, message: string, readonly tried: readonly string[] = []) {
    super(message);
    this.name = 'ConnectFailure';
  }
}

export interface ConnectOptions {
  rendezvous: Addr;
  id: string;
  peer: string;
  identity: Identity;
  expectPeer?: Uint8Array;
  send?: string;
  recv?: string;
  bind?: Addr;
  tracePath?: string;
  /** Give up if no secure session is open by then. */
  timeout_ms: number;
  /** The transport's idle timeout: a silent peer ends the session after this. */
  idle_timeout_ms?: number;
  crypto?: Crypto;
  /** Progress in percent, at most once per percent. */
  onProgress?: (percent: number, bytes: number) => void;
  log?: (line: string) => void;
}

export interface ConnectResult {
  ok: true;
  id: string;
  peer: string;
  role: 'sender' | 'receiver' | 'session-only';
  local: string;
  observed?: string;
  nat?: string;
  path: 'direct' | 'relay';
  technique: string;
  remote: string;
  /** from start to the punch client's path */
  time_to_path_ms: number;
  /** the punch client's own measure: punch instruction to path */
  punch_ms: number;
  time_to_session_ms: number;
  rtt_ms: number;
  bytes: number;
  duration_ms: number;
  goodput_mbps: number;
  loss: number;
  sha256?: string;
  peer_key: string;
}

/** The receiver keeps the session this long after sending its verdict, so it gets there. */
const verdict_linger_ms = 300;
/** Receive chunk size asked of the transport per read. */
const read_bytes_max = 256 * 1024;

const RENDEZVOUS_ERRORS: Record<number, string> = {
  [ERROR_CODE.notFound]: 'no such peer registered',
  [ERROR_CODE.pending]: 'the peer has not registered yet',
  [ERROR_CODE.unauthorized]: 'unauthorized',
  [ERROR_CODE.conflict]: 'this --id is registered by another process (a previous run keeps it for up to a minute); pick another --id or wait',
  [ERROR_CODE.tableFull]: 'the server is full',
  [ERROR_CODE.rateLimited]: 'rate limited',
  [ERROR_CODE.badRequest]: 'bad request',
};

function rendezvousErrorText(code: number): string {
  return `${RENDEZVOUS_ERRORS[code] ?? 'no answer'} (code ${code})`;
}

/** The local IP the kernel would use to reach `remote` (no packet is sent). */
export function routeSourceIp(remote: Addr): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(remote.family === 6 ? 'udp6' : 'udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.connect(remote.port, remote.ip, () => {
      const ip = socket.address().address;
      socket.close();
      resolve(ip);
    });
  });
}

export async function runConnect(options: ConnectOptions): Promise<ConnectResult> {
  const log = options.log ?? (() => {});
  const clock = new RealClock();
  let bind = options.bind ?? addr(options.rendezvous.family === 6 ? '::' : '0.0.0.0', 0);
  // The host candidate must be a real address: resolve the wildcard to the route's source.
  if (bind.ip === '0.0.0.0' || bind.ip === '::') bind = addr(await routeSourceIp(options.rendezvous), bind.port);
  const trace = options.tracePath
    ? new TraceFile(options.tracePath, realHeaderRecord({ scenario: `connect/${options.id}`, started: clock.started, nodes: [{ name: options.id, type: 'host', ips: [bind.ip] }] }))
    : undefined;
  const tried: string[] = [];
  const rng = new NodeRng();
  // One side dials, the other accepts; both sides agree without talking by comparing ids.
  const initiator = options.id < options.peer;
  let driver: Driver<unknown, PeerEvent> | undefined;
  let peer: Peer | undefined;
  let sender: FileSender | undefined;
  let receiver: FileReceiver | undefined;
  try {
    const makePeer = (local: Addr): Peer =>
      new Peer({
        id: options.id,
        token: rng.nextBytes(16),
        server: options.rendezvous,
        local,
        connect_to: initiator ? options.peer : undefined,
        staticSecret: options.identity.secretKey,
        expectedPeer: options.expectPeer,
        crypto: options.crypto ?? nodeCrypto,
        rng,
        rudp: options.idle_timeout_ms ? { idle_timeout_ms: options.idle_timeout_ms, keepalive_interval_ms: Math.max(200, Math.floor(options.idle_timeout_ms / 3)) } : undefined,
      });
    if (bind.port === 0) {
      // Bind first to learn the port the Peer must know as its host candidate.
      const probe = await Driver.start(makePeer(bind), { bind: [bind] });
      bind = probe.localAddresses[0]!;
      await probe.close();
    }
    peer = makePeer(bind);
    driver = await Driver.start<unknown, PeerEvent>(peer as never, {
      bind: [bind],
      node: options.id,
      clock,
      trace,
      trace_datagrams: false,
    });
  } catch (error) {
    trace?.close();
    if (error instanceof DriverError) {
      throw new ConnectFailure(error.kind === 'address-in-use' ? 'port-in-use' : 'bind', error.message);
    }
    throw error;
  }
  const started = clock.now();
  const p = peer;
  const d = driver;
  let registered: Extract<PeerEvent, { type: 'registered' }> | undefined;
  let pathEvent: Extract<PeerEvent, { type: 'path' }> | undefined;
  let pathAt = 0;
  let sessionAt = 0;
  let transferStart = 0;
  let lastPercent = -1;
  let verdictBytes = new Uint8Array(0);
  try {
    const outcome = await new Promise<{ sha256?: string; bytes: number }>((resolve, reject) => {
      const fail = (failure: ConnectFailure): void => reject(failure);
      const timer = setTimeout(() => {
        if (!p.sessionOpen) fail(new ConnectFailure('timeout', `no secure session with "${options.peer}" within ${options.timeout_ms} ms`, tried));
      }, options.timeout_ms);
      const progress = (bytes: number, total: number): void => {
        const percent = total === 0 ? 100 : Math.floor((bytes / total) * 100);
        if (percent !== lastPercent) {
          lastPercent = percent;
          options.onProgress?.(percent, bytes);
        }
      };
      const pumpSend = (): void => {
        if (!sender) return;
        sender.pump((data) => d.act((_m, now) => p.write(now, data)) ?? 0);
        progress(sender.sent_bytes, sender.size_bytes + 44);
      };
      const drainReceive = (): void => {
        for (let chunk = p.read(read_bytes_max); chunk; chunk = p.read(read_bytes_max)) {
          if (receiver) {
            receiver.feed(chunk);
            if (receiver.size_bytes !== undefined) progress(receiver.received_bytes, receiver.size_bytes);
            if (receiver.done) {
              const result = receiver.finish();
              d.act((_m, now) => p.write(now, result.verdict));
              clearTimeout(timer);
              if (!result.ok) return fail(new ConnectFailure('transfer', `sha256 mismatch: received ${hex(result.sha256)}, sender announced ${hex(receiver.expected ?? new Uint8Array())}`));
              // Let the verdict reach the sender before we close.
              const bytes = receiver.received_bytes;
              receiver = undefined;
              setTimeout(() => resolve({ sha256: hex(result.sha256), bytes }), verdict_linger_ms);
              return;
            }
          } else if (sender) {
            const joined = new Uint8Array(verdictBytes.byteLength + chunk.byteLength);
            joined.set(verdictBytes);
            joined.set(chunk, verdictBytes.byteLength);
            verdictBytes = joined;
            if (verdictBytes.byteLength >= VERDICT_BYTES) {
              const verdict = decodeVerdict(verdictBytes);
              clearTimeout(timer);
              if (!verdict.ok || hex(verdict.sha256) !== hex(sender.sha256)) {
                return fail(new ConnectFailure('transfer', `the receiver's sha256 ${hex(verdict.sha256)} does not match ours ${hex(sender.sha256)}`));
              }
              resolve({ sha256: hex(sender.sha256), bytes: sender.size_bytes });
            }
          }
        }
      };
      d.onDriverEvent((event) => {
        if (event.type === 'socket-error' && event.kind !== 'send-buffer-full') log(`socket: ${event.kind} (${event.code}) ${event.message}`);
      });
      d.onEvent((event) => {
        try {
          switch (event.type) {
            case 'registered':
              registered = event;
              tried.push(`registered with the rendezvous as "${event.id}" (seen as ${event.observed}, NAT: ${event.nat}, ${Math.round(event.rtt_ms)} ms)`);
              log(`registered: observed ${event.observed}, NAT ${event.nat}`);
              break;
            case 'punch-start':
              tried.push(`punch with "${event.peer}": strategy ${event.strategy}, NATs ${event.nat.local} / ${event.nat.peer}`);
              log(`punching ${event.peer}: ${event.strategy} (${event.nat.local} ↔ ${event.nat.peer})`);
              break;
            case 'punch-failed':
              tried.push(`direct punch failed after ${event.attempts} probes`);
              break;
            case 'rendezvous-error':
              tried.push(`rendezvous refused: ${rendezvousErrorText(event.code)}`);
              // Another process holds this id: waiting cannot help, so say so at once.
              if (event.code === ERROR_CODE.conflict) {
                clearTimeout(timer);
                return fail(new ConnectFailure('rendezvous', `registration refused: ${rendezvousErrorText(event.code)}`, tried));
              }
              break;
            case 'path':
              if (!pathEvent || event.upgrade) {
                if (!pathEvent) pathAt = clock.now() - started;
                pathEvent = event;
                tried.push(`path ${event.path} via ${event.technique} to ${event.remote}`);
                log(`path: ${event.path} (${event.technique}) to ${event.remote}, rtt ${Math.round(event.rtt_ms)} ms${event.upgrade ? ' (upgrade)' : ''}`);
              }
              break;
            case 'session-open':
              sessionAt = clock.now() - started;
              tried.push('secure session open');
              log(`secure session open with ${event.peer_key_hex.slice(0, 16)}…`);
              transferStart = clock.now();
              if (options.send) {
                sender = new FileSender(options.send);
                pumpSend();
              } else if (options.recv) {
                receiver = new FileReceiver(options.recv);
              } else {
                clearTimeout(timer);
                resolve({ bytes: 0 });
              }
              break;
            case 'writable':
              pumpSend();
              break;
            case 'readable':
            case 'end':
              drainReceive();
              break;
            case 'closed': {
              clearTimeout(timer);
              if (event.error === 'identity-mismatch') {
                return fail(new ConnectFailure('identity-mismatch', `identity mismatch: "${options.peer}" presented a key other than --expect-peer`, tried));
              }
              if (event.error === 'peer-rejected') return fail(new ConnectFailure('rejected', `the peer's identity was refused`, tried));
              if (event.error === 'idle-timeout') {
                return fail(new ConnectFailure('peer-gone', `peer "${options.peer}" went silent: nothing received for the idle timeout (${options.idle_timeout_ms ?? 30_000} ms)`, tried));
              }
              if (event.error === 'handshake-timeout') return fail(new ConnectFailure('timeout', 'secure handshake timed out', tried));
              if (event.error === 'peer-aborted') return fail(new ConnectFailure('peer-gone', `peer "${options.peer}" aborted the session${event.message ? `: ${event.message}` : ''}`, tried));
              if (event.error) return fail(new ConnectFailure('transfer', `session closed: ${event.error}${event.message ? ` (${event.message})` : ''}`, tried));
              break;
            }
          }
        } catch (error) {
          if (error instanceof TransferError) return fail(new ConnectFailure('transfer', error.message, tried));
          reject(error);
        }
      });
    });
    const duration_ms = Math.max(1e-3, clock.now() - transferStart);
    const stats = p.stats();
    if (!pathEvent) throw new ConnectFailure('timeout', 'session without a path', tried);
    return {
      ok: true,
      id: options.id,
      peer: options.peer,
      role: options.send ? 'sender' : options.recv ? 'receiver' : 'session-only',
      local: formatAddr(bind),
      observed: registered?.observed,
      nat: registered?.nat,
      path: pathEvent.path,
      technique: pathEvent.technique,
      remote: pathEvent.remote,
      time_to_path_ms: pathAt,
      punch_ms: pathEvent.elapsed_ms,
      time_to_session_ms: sessionAt,
      // Without data the transport has no RTT sample yet (srtt is its initial guess).
      rtt_ms: outcome.bytes > 0 && stats ? stats.srtt_ms : pathEvent.rtt_ms,
      bytes: outcome.bytes,
      duration_ms,
      goodput_mbps: outcome.bytes > 0 ? (outcome.bytes * 8) / (duration_ms * 1000) : 0,
      loss: stats && stats.sent_packets > 0 ? stats.lost / stats.sent_packets : 0,
      sha256: outcome.sha256,
      peer_key: p.peerKeyHex,
    };
  } finally {
    sender?.close();
    if (receiver) receiver.finish();
    d.act((_m, now) => p.handleCommand(now, { type: 'end' }));
    await d.close();
    trace?.close();
  }
}
