// `peerlab mesh` on loopback with three real processes: a relay, a receiver and a sender
// joined through the relay; the receiver prints the sender's broadcast and exits 0. Over plain
// datagrams and over Noise sessions (--secure). Every child is killed by pid on a budget.
import { describe, expect, it } from 'vitest';
import { execFile, type ChildProcess } from 'node:child_process';
import { BIN, runCli } from './run-cli.ts';

function spawnCli(args: string[], timeout_ms: number): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  let child!: ChildProcess;
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child = execFile(process.execPath, [BIN, ...args], { timeout: timeout_ms, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('peerlab mesh (loopback, three processes)', () => {
  for (const secure of [false, true]) {
    it(`a broadcast from one process reaches another through a third${secure ? ' (--secure)' : ''}`, async () => {
      // A port range unlikely to collide with parallel tests; each run uses three in a row.
      const base = 41_000 + (process.pid % 2_000) * 3 + (secure ? 6_000 : 0);
      const extra = secure ? ['--secure'] : [];
      const relay = spawnCli(['mesh', '--listen', `127.0.0.1:${base}`, '--duration', '20000', ...extra], 25_000);
      let receiver: ReturnType<typeof spawnCli> | undefined;
      try {
        await sleep(1_500);
        receiver = spawnCli(['mesh', '--listen', `127.0.0.1:${base + 1}`, '--join', `127.0.0.1:${base}`, '--recv', '--count', '1', '--duration', '18000', ...extra], 25_000);
        await sleep(1_500);
        const sender = await runCli(['mesh', '--listen', `127.0.0.1:${base + 2}`, '--join', `127.0.0.1:${base}`, '--send', 'hello mesh', '--duration', '2000', ...extra], 20_000);
        expect(sender.code, sender.stderr).toBe(0);
        expect(sender.stderr).toContain('sent "hello mesh"');
        const got = await receiver.done;
        expect(got.code, got.stderr).toBe(0);
        expect(got.stdout).toMatch(/^[0-9a-f]{32} text hello mesh$/m);
      } finally {
        receiver?.child.kill('SIGKILL');
        relay.child.kill('SIGKILL');
        await relay.done;
      }
    }, 60_000);
  }

  it('refuses a wildcard --listen without --outward', async () => {
    const out = await runCli(['mesh', '--listen', '0.0.0.0:7400'], 15_000);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--listen needs a concrete ip and port');
  }, 20_000);
});
