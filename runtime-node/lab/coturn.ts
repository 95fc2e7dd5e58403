// coturn as the lab's public STUN/TURN server: a generated config in a private directory,
// run in the foreground (no daemon, so we hold its pid) and stopped on teardown.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnIn, type ManagedProcess } from './exec.ts';
import { stunBindingProbe } from './stun-probe.ts';

export interface CoturnOptions {
  namespace: string;
  listenIp: string;
  port: number;
  /**
   * A second listening IP: coturn then answers RFC 5780 behaviour discovery (CHANGE-REQUEST,
   * OTHER-ADDRESS) from the four pairs listenIp/alternateIp x port/alt port.
   */
  alternateIp?: string;
  /** The RFC 5780 alternate port (coturn's default is port + 1). */
  alt_port?: number;
  /** Relay ports; a small range is plenty for a lab case. */
  min_port?: number;
  max_port?: number;
  user?: string;
  password?: string;
  /** Loopback tests need coturn to accept 127.x peers. */
  allowLoopbackPeers?: boolean;
}

export interface Coturn {
  process: ManagedProcess;
  dir: string;
  stop(): Promise<void>;
}

/** How long coturn may take to answer its first STUN request. */
const coturn_ready_ms = 10_000;

export function coturnConfig(options: CoturnOptions, dir: string): string {
  const lines = [
    `listening-ip=${options.listenIp}`,
    ...(options.alternateIp ? [`listening-ip=${options.alternateIp}`, `alt-listening-port=${options.alt_port ?? options.port + 1}`] : []),
    `relay-ip=${options.listenIp}`,
    `listening-port=${options.port}`,
    `min-port=${options.min_port ?? 49152}`,
    `max-port=${options.max_port ?? 49252}`,
    'no-tls',
    'no-dtls',
    'no-tcp',
    'lt-cred-mech',
    `user=${options.user ?? 'peerlab'}:${options.password ?? 'peerlab'}`,
    'realm=peerlab.lab',
    'fingerprint',
    'no-cli',
    'log-file=stdout',
    'simple-log',
    `pidfile=${join(dir, 'turnserver.pid')}`,
    `userdb=${join(dir, 'turndb')}`,
  ];
  if (options.allowLoopbackPeers) lines.push('allow-loopback-peers', 'cli-password=peerlab-lab-only');
  return lines.join('\n') + '\n';
}

/**
 * Starts turnserver in `namespace` (use an empty string for the current namespace, which
 * only loopback tests do) and waits until it answers a STUN Binding request.
 */
export async function startCoturn(options: CoturnOptions): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-coturn-'));
  const config = join(dir, 'turnserver.conf');
  writeFileSync(config, coturnConfig(options, dir));
  const argv = ['turnserver', '-c', config];
  const process = spawnIn(options.namespace, 'coturn', argv);
  const stop = async (): Promise<void> => {
    await process.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // coturn's stdout is block-buffered when piped, so readiness is a STUN answer, not a log line.
    const probe = await stunBindingProbe({
      namespace: options.namespace,
      server: `${options.listenIp}:${options.port}`,
      timeout_ms: coturn_ready_ms,
    });
    if (!probe.mapped) throw new Error(`coturn did not answer STUN at ${options.listenIp}:${options.port}\n${process.tail()}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { process, dir, stop };
}
