// `peerlab echo` on real sockets over loopback only: the same EchoServer and EchoClient the
// simulator runs, driven by runtime-node's dgram driver, measure a real RTT with no loss.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { EchoServer, type EchoServerCommand } from '../../../protocol/echo/server.ts';
import type { EchoServerEvent } from '../../../protocol/echo/events.ts';
import { Driver } from '../../../runtime-node/driver.ts';
import { ping, statsTable } from '../../../runtime-node/cli/commands/echo.ts';
import { main } from '../../../runtime-node/cli/main.ts';
import { EXIT_USAGE } from '../../../runtime-node/cli/command.ts';

describe('peerlab echo (loopback)', () => {
  it('pings a real echo server on 127.0.0.1 with no loss', async () => {
    const server = new EchoServer({ reply_from_arrival: true });
    const driver = await Driver.start<EchoServerCommand, EchoServerEvent>(server, { bind: [addr('127.0.0.1', 0)], node: 'server' });
    try {
      const target = driver.localAddresses[0]!;
      const stats = await ping({ target, bind: addr('127.0.0.1', 0), count: 20, interval_ms: 5, payload_bytes: 64, timeout_ms: 1_000 });
      expect(stats).toMatchObject({ sent: 20, answered: 20, lost: 0, duplicates: 0 });
      expect(stats.rtt.min_ms).toBeGreaterThan(0);
      expect(stats.rtt.max_ms).toBeLessThan(1_000);
      expect(server.stats().pings).toBe(20);
      expect(statsTable(stats)).toContain('0%');
    } finally {
      await driver.close();
    }
  });

  it('counts every ping lost when nobody answers', async () => {
    // Bind and close a socket to learn a loopback port that is (very likely) closed.
    const probe = await Driver.start(new EchoServer(), { bind: [addr('127.0.0.1', 0)] });
    const target = probe.localAddresses[0]!;
    await probe.close();
    const stats = await ping({ target, bind: addr('127.0.0.1', 0), count: 3, interval_ms: 5, payload_bytes: 8, timeout_ms: 200 });
    expect(stats).toMatchObject({ sent: 3, answered: 0, lost: 3 });
  });

  it('rejects a malformed target as a usage error', async () => {
    const err: string[] = [];
    expect(await main(['echo', 'not-an-address'], { out: () => {}, err: (t) => err.push(t) })).toBe(EXIT_USAGE);
    expect(err.join('\n')).toContain('expected ip:port');
  });
});
