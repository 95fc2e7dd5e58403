// `peerlab chord` on real loopback sockets with separate processes: A creates a ring, B joins
// it, a third process joins through A, sets a key and leaves (handing its keys over), a fourth
// joins through B and reads the value back; a wrong --ring is refused with a typed mismatch.
// Every process is killed in `finally`, even when an assertion fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];

function peerlab(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number> } {
  const child = spawn(process.execPath, ['bin/peerlab.js', 'chord', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function until(what: () => boolean, timeout_ms: number, label: string): Promise<void> {
  const start = Date.now();
  while (!what()) {
    if (Date.now() - start > timeout_ms) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('peerlab chord on loopback', () => {
  it('three processes form a ring; set through one, get through another; a foreign ring is refused', async () => {
    const pa = await freePort();
    const pb = await freePort();
    const common = ['--m', '32', '--successors', '3'];
    const a = peerlab(['--listen', `127.0.0.1:${pa}`, ...common]);
    try {
      await until(() => a.stderr().includes('joined'), 20_000, `A joined (stderr: ${a.stderr()})`);
      const b = peerlab(['--listen', `127.0.0.1:${pb}`, '--join', `127.0.0.1:${pa}`, ...common]);
      await until(() => b.stderr().includes('joined'), 20_000, `B joined (stderr: ${b.stderr()})`);
      const set = peerlab(['--join', `127.0.0.1:${pa}`, ...common, 'set', 'greeting', 'hello chord']);
      expect(await set.exit, set.stderr()).toBe(0);
      expect(set.stdout()).toMatch(/^stored version 1/);
      const get = peerlab(['--join', `127.0.0.1:${pb}`, ...common, 'get', 'greeting']);
      expect(await get.exit, get.stderr()).toBe(0);
      expect(get.stdout()).toBe('hello chord\n');
      const missing = peerlab(['--join', `127.0.0.1:${pb}`, ...common, 'get', 'nothing-here']);
      expect(await missing.exit).toBe(1);
      expect(missing.stderr()).toContain('not-found');
      const foreign = peerlab(['--join', `127.0.0.1:${pa}`, '--ring', 'another-ring', '--m', '32', 'get', 'greeting']);
      expect(await foreign.exit).toBe(1);
      expect(foreign.stderr()).toContain('join failed: mismatch');
      b.child.kill('SIGTERM');
      expect(await b.exit).toBe(0);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    }
  }, 90_000);
});
