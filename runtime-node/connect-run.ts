// What `peerlab connect` does, as a function the CLI and the tests share: check the files
// first (before any packet), bind one UDP port, run the FileTransfer machine (Peer: punch +
// secure session; then the transfer protocol with its acknowledged end) on it, and report
// path, RTT, goodput and loss once the machine says the transfer ended. Every failure comes
// back as a typed ConnectFailure with what was tried, never as a stack trace.
import { createSocket } from 'node:dgram';
import { addr, addrEquals, formatAddr, type Addr } from '../protocol/core/addr.ts';
import type { Crypto } from '../protocol/core/crypto.ts';
import type { Millis } from '../protocol/core/time.ts';
import type { Machine } from '../protocol/core/machine.ts';
import { Peer, type PeerEvent } from '../protocol/peer/peer.ts';
import { DirectPeer } from '../protocol/direct/direct-peer.ts';
import type { TransferCommand, TransferEnd, TransferEvent } from '../protocol/transfer/events.ts';
import { FileTransfer, type TransferPlan } from '../protocol/transfer/file-transfer.ts';
import { ConnectFiles } from './connect-files.ts';
import { ConnectNarrative } from './connect-narrative.ts';
import { ConnectFailure, failureOf, type ConnectResult } from './connect-result.ts';
import { Driver, DriverError, RealClock } from './driver.ts';
import type { Identity } from './identity-file.ts';
import { nodeCrypto } from './node-crypto.ts';
import { NodeRng } from './node-rng.ts';
import { realHeaderRecord, TraceFile } from './trace-file.ts';
import { FileProblem, FileSink, FileSource, nodeSha256 } from './transfer.ts';

export { ConnectFailure, type ConnectFailureKind, type ConnectResult } from './connect-result.ts';

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
  /** Trace every datagram sent and received too (`--trace-datagrams`; `peerlab viz a b` merges
   * the two sides by them and estimates the clock offset from them). Off by default: a 16 MiB
   * transfer is ~30,000 lines. */
  traceDatagrams?: boolean;
  /** Give up if no secure session is open by then. */
  timeout_ms: number;
  /** The transport's idle timeout: a silent peer ends the session after this. */
  idle_timeout_ms?: number;
  crypto?: Crypto;
  /** Progress in percent, at most once per percent. */
  onProgress?: (percent: number, bytes: number) => void;
  /** Aborting it ends the run at once: the peer is told, a partial --recv file is removed. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /**
   * srudp-style direct connect (`--direct`): no rendezvous; both sides probe each other's
   * address from their fixed port for `timeout_ms`, then open the session. `rendezvous` is
   * then only used to pick the local address (set it to the same address).
   */
  direct?: Addr;
  /**
   * The sender holds the transfer's start up to this long while the session rides the relay and
   * the punch still runs, so the file moves on the path the pair ends on (`--await-direct-ms`;
   * protocol/transfer/direct-hold.ts). 0 (the default): start at once, on the relay if need be.
   */
  await_direct_ms?: number;
}

const default_idle_timeout_ms = 30_000;

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

/** Opens and hashes --send, or creates the temporary file for --recv: before any packet. */
function prepareFiles(options: ConnectOptions): { files: ConnectFiles; plan: TransferPlan } {
  try {
    if (options.send) {
      const source = new FileSource(options.send);
      return { files: new ConnectFiles(source, undefined, options.onProgress), plan: { kind: 'send', offer: source.offer } };
    }
    if (options.recv) return { files: new ConnectFiles(undefined, new FileSink(options.recv), options.onProgress), plan: { kind: 'receive' } };
    return { files: new ConnectFiles(undefined, undefined, undefined), plan: { kind: 'session-only' } };
  } catch (error) {
    if (error instanceof FileProblem) throw new ConnectFailure('file', error.message);
    throw error;
  }
}

/** A machine that sends nothing: holds a port while we learn its number. */
const inert: Machine<never, never> = {
  handleDatagram: () => {},
  handleTimeout: () => {},
  handleCommand: () => {},
  pollTransmit: () => undefined,
  pollEvent: () => undefined,
  pollTimeout: () => undefined,
};

/** The bind address with a real IP (the host candidate) and a real port. */
async function resolveBind(options: ConnectOptions): Promise<Addr> {
  let bind = options.bind ?? addr(options.rendezvous.family === 6 ? '::' : '0.0.0.0', 0);
  try {
    if (bind.ip === '0.0.0.0' || bind.ip === '::') bind = addr(await routeSourceIp(options.rendezvous), bind.port);
    if (bind.port === 0) {
      const probe = await Driver.start(inert, { bind: [bind] });
      bind = probe.localAddresses[0]!;
      await probe.close();
    }
  } catch (error) {
    if (error instanceof DriverError) throw new ConnectFailure(error.kind === 'address-in-use' ? 'port-in-use' : 'bind', error.message);
    throw new ConnectFailure('bind', `cannot find a local address towards ${formatAddr(options.rendezvous)}: ${(error as Error).message}`);
  }
  return bind;
}

/** Spare sockets beside the bound one (two: re-punches take turns, see below). */
const spares_count = 2;

/**
 * Spare sockets beside the bound one (ephemeral ports on the same IP): the punch client
 * re-punches from them after a conntrack clash (protocol/punch/repunch.ts). Fewer (none) when
 * no port can be had (re-punching is then off), and none with --direct.
 */
async function resolveSpares(options: ConnectOptions, bind: Addr): Promise<Addr[]> {
  if (options.direct) return [];
  try {
    const probe = await Driver.start(inert, { bind: Array.from({ length: spares_count }, () => addr(bind.ip, 0)) });
    const spares = probe.localAddresses;
    await probe.close();
    return spares;
  } catch {
    return [];
  }
}

function makeMachine(options: ConnectOptions, local: Addr, plan: TransferPlan, spares: readonly Addr[]): FileTransfer {
  const rng = new NodeRng();
  if (options.direct) {
    const idle_ms = options.idle_timeout_ms;
    const direct = new DirectPeer({
      local,
      remote: options.direct,
      staticSecret: options.identity.secretKey,
      expectedPeer: options.expectPeer,
      crypto: options.crypto ?? nodeCrypto,
      rng,
      open_timeout_ms: options.timeout_ms,
      rudp: idle_ms ? { idle_timeout_ms: idle_ms, keepalive_interval_ms: Math.max(200, Math.floor(idle_ms / 3)) } : undefined,
    });
    return new FileTransfer({ peer: direct, plan, config: { sha256: nodeSha256 } });
  }
  // One side dials, the other accepts; both sides agree without talking by comparing ids.
  const initiator = options.id < options.peer;
  const idle = options.idle_timeout_ms;
  const peer = new Peer({
    id: options.id,
    token: rng.nextBytes(16),
    server: options.rendezvous,
    local,
    connect_to: initiator ? options.peer : undefined,
    // The rendezvous punches only when both sides named each other (consent).
    punch: { ...(initiator ? {} : { accept_from: options.peer }), spares },
    staticSecret: options.identity.secretKey,
    expectedPeer: options.expectPeer,
    crypto: options.crypto ?? nodeCrypto,
    rng,
    rudp: idle ? { idle_timeout_ms: idle, keepalive_interval_ms: Math.max(200, Math.floor(idle / 3)) } : undefined,
  });
  return new FileTransfer({ peer, plan, config: { sha256: nodeSha256 }, await_direct_ms: options.await_direct_ms });
}

/** Runs the machine until it ends (or no session opens in time); resolves with its end. */
function untilEnd(
  driver: Driver<TransferCommand, TransferEvent>,
  files: ConnectFiles,
  narrative: ConnectNarrative,
  options: ConnectOptions,
): Promise<{ end: TransferEnd; startedAt: Millis | undefined; endedAt: Millis }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (!narrative.sessionOpen) reject(new ConnectFailure('timeout', `no secure session with "${options.peer}" within ${options.timeout_ms} ms`, narrative.tried));
    }, options.timeout_ms);
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      settle();
    };
    options.signal?.addEventListener('abort', () => finish(() => reject(new ConnectFailure('interrupted', 'interrupted', narrative.tried))), { once: true });
    driver.onDriverEvent((event) => {
      if (event.type === 'socket-error' && event.kind !== 'send-buffer-full') options.log?.(`socket: ${event.kind} (${event.code}) ${event.message}`);
    });
    // The transfer's own start (the sender's first read, the receiver's offer): later than the
    // session's when the sender held it for the punch (--await-direct-ms).
    let startedAt: Millis | undefined;
    driver.onEvent((event) => {
      if (event.type === 'transfer-end') {
        files.onEvent(event, () => {});
        return finish(() => resolve({ end: event, startedAt, endedAt: driver.now() }));
      }
      if (startedAt === undefined && (event.type === 'need-data' || event.type === 'offer')) startedAt = driver.now();
      const stop = narrative.onEvent(driver.now(), event as PeerEvent);
      if (stop) return finish(() => reject(stop));
      files.onEvent(event, (command) => driver.command(command));
    });
  });
}

export async function runConnect(options: ConnectOptions): Promise<ConnectResult> {
  const { files, plan } = prepareFiles(options);
  const clock = new RealClock();
  let driver: Driver<TransferCommand, TransferEvent> | undefined;
  let trace: TraceFile | undefined;
  let gaveUp = 'gave up';
  try {
    const bind = await resolveBind(options);
    trace = options.tracePath
      ? new TraceFile(options.tracePath, realHeaderRecord({ scenario: `connect/${options.id}`, started: clock.started, nodes: [{ name: options.id, type: 'host', ips: [bind.ip] }] }))
      : undefined;
    let spares = await resolveSpares(options, bind);
    let machine = makeMachine(options, bind, plan, spares);
    const narrative = new ConnectNarrative(clock.now(), options.log ?? (() => {}));
    const start = (): Promise<Driver<TransferCommand, TransferEvent>> =>
      Driver.start<TransferCommand, TransferEvent>(machine, { bind: [bind, ...spares], node: options.id, clock, trace, trace_datagrams: options.traceDatagrams === true });
    try {
      try {
        driver = await start();
      } catch (error) {
        // A spare's ephemeral port was taken since we picked it: run without spares (no
        // re-punch after a conntrack clash) rather than blame the --bind port.
        if (!(error instanceof DriverError) || spares.length === 0 || !error.local || addrEquals(error.local, bind)) throw error;
        spares = [];
        machine = makeMachine(options, bind, plan, spares);
        driver = await start();
      }
    } catch (error) {
      if (error instanceof DriverError) throw new ConnectFailure(error.kind === 'address-in-use' ? 'port-in-use' : 'bind', error.message);
      throw error;
    }
    const { end, startedAt, endedAt } = await untilEnd(driver, files, narrative, options);
    if (!end.ok) throw failureOf(end, { peer: options.peer, idle_timeout_ms: options.idle_timeout_ms ?? default_idle_timeout_ms, tried: narrative.tried });
    return result(options, bind, machine, narrative, end, { startedAt, endedAt });
  } catch (error) {
    if (error instanceof ConnectFailure) gaveUp = error.message;
    const peer = driver ? (driver.machine as FileTransfer).peer : undefined;
    if (error instanceof ConnectFailure && error.kind === 'timeout' && peer instanceof DirectPeer) {
      throw new ConnectFailure('timeout', `${error.message}: ${peer.diagnosis()} (both sides must run it within the window; a symmetric NAT on either side defeats it: use --rendezvous)`, error.tried);
    }
    throw error;
  } finally {
    files.close();
    if (driver) {
      const d = driver;
      // A run that ends before the transfer did (timeout, rendezvous refusal) tears the session down.
      d.act((m, now) => {
        const t = m as FileTransfer;
        if (!t.ended) t.handleCommand(now, { type: 'abort', reason: gaveUp });
        else if (t.side.role === 'session-only') t.peer.handleCommand(now, { type: 'end' });
      });
      // Let the datagrams just queued (the last ACK, a CLOSE) leave before the socket closes.
      await new Promise((resolve) => setImmediate(resolve));
      await d.close();
    }
    trace?.close();
  }
}

function result(
  options: ConnectOptions,
  bind: Addr,
  machine: FileTransfer,
  narrative: ConnectNarrative,
  end: TransferEnd,
  at: { startedAt: Millis | undefined; endedAt: Millis },
): ConnectResult {
  const path = narrative.path;
  if (!path) throw new ConnectFailure('timeout', 'session without a path', narrative.tried);
  const stats = machine.peer.stats();
  // From the transfer's start (the session's opening, unless the sender held it) to its end.
  const duration_ms = Math.max(1e-3, at.endedAt - (at.startedAt ?? narrative.started + narrative.sessionAt_ms));
  const bytes = end.role === 'session-only' ? 0 : end.size_bytes;
  return {
    ok: true,
    id: options.id,
    peer: options.peer,
    role: end.role,
    local: formatAddr(bind),
    observed: narrative.registered?.observed,
    nat: narrative.registered?.nat,
    path: path.path,
    technique: path.technique,
    remote: path.remote,
    punch: narrative.punch,
    ...(narrative.punchTechnique ? { punch_technique: narrative.punchTechnique } : {}),
    time_to_path_ms: narrative.pathAt_ms,
    punch_ms: path.elapsed_ms,
    time_to_session_ms: narrative.sessionAt_ms,
    // Without data the transport has no RTT sample yet (srtt is its initial guess).
    rtt_ms: bytes > 0 && stats ? stats.srtt_ms : path.rtt_ms,
    bytes,
    duration_ms,
    goodput_mbps: bytes > 0 ? (bytes * 8) / (duration_ms * 1000) : 0,
    loss: stats && stats.sent_packets > 0 ? stats.lost / stats.sent_packets : 0,
    sha256: end.role === 'session-only' ? undefined : end.sha256_hex,
    confirmed: end.confirmed,
    peer_key: machine.peer.peerKeyHex,
  };
}
