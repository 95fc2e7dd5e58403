// The failures a `peerlab connect` user meets, through the real CLI on loopback: a sender
// killed mid-transfer leaves the receiver with a clear "went silent" error within the idle
// timeout; a wrong --expect-peer is an identity mismatch; a taken port is "port in use".
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastJson } from './cli-process.ts';
import { useLoopbackRendezvous } from './loopback-rendezvous.ts';

const loopback = useLoopbackRendezvous();
const { procs, connectArgs } = loopback;

describe('peerlab connect on loopback: failures', () => {
  it('a sender killed mid-transfer gives the receiver a clear error within the idle timeout', async () => {
    const file = join(loopback.dir(), 'big.bin');
    writeFileSync(file, randomBytes(24 * 1024 * 1024));
    const idle_timeout_ms = 3000;
    const recv = procs.start(connectArgs('r2', 's2', ['--recv', join(loopback.dir(), 'partial.bin'), '--idle-timeout-ms', String(idle_timeout_ms)]));
    const send = procs.start(connectArgs('s2', 'r2', ['--send', file, '--idle-timeout-ms', String(idle_timeout_ms)]));
    await procs.waitFor(recv, /receiving .*: [1-9]\d*\/100/, 30_000);
    send.child.kill('SIGKILL');
    const killedAt = Date.now();
    const code = await recv.exit;
    const waited_ms = Date.now() - killedAt;
    expect(code).toBe(1);
    const result = lastJson(recv.stdout);
    expect(result).toMatchObject({ ok: false, error: 'peer-gone' });
    expect(String(result.message)).toMatch(/went silent/);
    expect(waited_ms).toBeLessThan(idle_timeout_ms + 3000);
  }, 60_000);

  it('refuses a peer whose key is not --expect-peer (identity mismatch)', async () => {
    const wrong = randomBytes(32).toString('base64');
    const a = procs.start(connectArgs('a3', 'b3', ['--expect-peer', wrong, '--timeout-ms', '15000']));
    const b = procs.start(connectArgs('b3', 'a3', ['--timeout-ms', '15000']));
    expect(await a.exit).toBe(1);
    expect(lastJson(a.stdout)).toMatchObject({ ok: false, error: 'identity-mismatch' });
    expect(a.stderr).toMatch(/identity mismatch/);
    b.child.kill('SIGKILL');
  }, 40_000);

  it('says "port in use" when the bind port is taken', async () => {
    const holder = createSocket('udp4');
    const port = await new Promise<number>((r) => holder.bind(0, '127.0.0.1', () => r(holder.address().port)));
    try {
      const run = procs.start(['connect', '--rendezvous', loopback.address(), '--id', 'x4', '--peer', 'y4', '--bind', `127.0.0.1:${port}`, '--json']);
      expect(await run.exit).toBe(1);
      expect(lastJson(run.stdout)).toMatchObject({ ok: false, error: 'port-in-use' });
      expect(run.stderr).toMatch(/port in use/);
    } finally {
      holder.close();
    }
  }, 20_000);
});
