// Shared set-up of the `peerlab connect` loopback tests: one `peerlab rendezvous` child on
// 127.0.0.1 and a scratch directory for the whole file, both torn down after it (processes
// killed by pid, pass or fail), plus the argument list of a connect peer that uses them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { CliProcesses } from './cli-process.ts';

/** Relay budget of the test server: above the largest file a loopback test moves. */
const relay_bytes_max = 64 << 20;
/** How long the rendezvous child may take to print its address (tsx start-up on a busy box). */
const listen_timeout_ms = 20_000;

export interface LoopbackRendezvous {
  readonly procs: CliProcesses;
  /** The scratch directory (valid inside tests, after beforeAll). */
  dir(): string;
  /** The rendezvous server's `ip:port` (valid inside tests, after beforeAll). */
  address(): string;
  /** `peerlab connect` arguments for peer `id` meeting `peer`, bound to an ephemeral loopback port. */
  connectArgs(id: string, peer: string, extra: string[]): string[];
}

/** Registers beforeAll/afterAll hooks in the calling test file. */
export function useLoopbackRendezvous(): LoopbackRendezvous {
  const procs = new CliProcesses();
  let dir = '';
  let rendezvous = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peerlab-connect-'));
    const server = procs.start(['rendezvous', '--listen', '127.0.0.1:0', '--relay-bytes-max', String(relay_bytes_max)]);
    rendezvous = (await procs.waitFor(server, /listening on (127\.0\.0\.1:\d+)/, listen_timeout_ms))[1]!;
  });
  afterAll(async () => {
    await procs.killAll();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    procs,
    dir: () => dir,
    address: () => rendezvous,
    connectArgs: (id, peer, extra) => ['connect', '--rendezvous', rendezvous, '--id', id, '--peer', peer, '--bind', '127.0.0.1:0', '--json', ...extra],
  };
}
