// `peerlab stun` on real sockets: against coturn on loopback (started here, stopped after), and
// against protocol/punch's own STUN server bound to 127.0.0.1 and 127.0.0.2 (RFC 5780 support),
// where the classification of "no NAT" must come out as endpoint-independent everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { StunServer } from '../../../protocol/punch/stun-server.ts';
import { formatStun, stunQuery } from '../../../runtime-node/cli/commands/stun.ts';
import { Driver } from '../../../runtime-node/driver.ts';
import { startCoturn, type Coturn } from '../../../runtime-node/lab/coturn.ts';
import { missingPrerequisites } from '../prerequisites.ts';

const skip = missingPrerequisites({ tools: ['turnserver'] });
const COTURN_PORT = 34_795;

describe.skipIf(skip !== undefined)('peerlab stun against coturn on loopback', () => {
  let coturn: Coturn | undefined;
  beforeAll(async () => {
    coturn = await startCoturn({ namespace: '', listenIp: '127.0.0.1', port: COTURN_PORT, min_port: 40_230, max_port: 40_240, allowLoopbackPeers: true });
  }, 30_000);
  afterAll(async () => {
    await coturn?.stop();
  });

  it('prints the mapped address of its own socket', async () => {
    const result = await stunQuery(addr('127.0.0.1', COTURN_PORT), { bind: addr('127.0.0.1', 0), timeout_ms: 10_000 });
    expect(result.ok).toBe(true);
    expect(result.mapped[0]!.mapped).toBe(result.local);
    expect(formatStun(result)).toContain(`mapped   ${result.local}`);
  }, 30_000);
});

describe('peerlab stun against our RFC 5780 server', () => {
  let driver: Driver<never, unknown> | undefined;
  const primary = addr('127.0.0.1', 34_810);
  beforeAll(async () => {
    const server = new StunServer({ primary, alternate: addr('127.0.0.2', 34_811) });
    driver = await Driver.start<never, unknown>(server, { bind: server.addresses(), node: 'stun-server' });
  });
  afterAll(async () => {
    await driver?.close();
  });

  it('classifies a host with no NAT', async () => {
    const result = await stunQuery(primary, { timeout_ms: 20_000 });
    expect(result.ok).toBe(true);
    expect(result.nat).toMatchObject({ mapping: 'endpoint-independent', filtering: 'endpoint-independent' });
    expect(formatStun(result)).toMatch(/nat {6}EIM\/EIF/);
  }, 30_000);

  it('with --alt compares the mappings of two servers', async () => {
    const single = new StunServer({ primary: addr('127.0.0.2', 34_812) });
    const other = await Driver.start<never, unknown>(single, { bind: single.addresses() });
    try {
      const lone = new StunServer({ primary: addr('127.0.0.1', 34_813) });
      const first = await Driver.start<never, unknown>(lone, { bind: lone.addresses() });
      try {
        const result = await stunQuery(addr('127.0.0.1', 34_813), { alt: addr('127.0.0.2', 34_812), timeout_ms: 20_000 });
        expect(result.mapped).toHaveLength(2);
        expect(result.mapping_varies).toBe(false);
        expect(formatStun(result)).toContain('endpoint-independent');
      } finally {
        await first.close();
      }
    } finally {
      await other.close();
    }
  }, 30_000);
});
