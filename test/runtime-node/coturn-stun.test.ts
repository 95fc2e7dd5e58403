// The punch library's STUN client, run on the real-socket driver against coturn on loopback
// (started by the test, stopped in afterAll): the reflexive address must be our own socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import { StunClient, type StunClientEvent } from '../../protocol/punch/stun-client.ts';
import { Driver } from '../../runtime-node/driver.ts';
import { startCoturn, type Coturn } from '../../runtime-node/lab/coturn.ts';
import { NodeRng } from '../../runtime-node/node-rng.ts';
import { missingPrerequisites } from './prerequisites.ts';

const skip = missingPrerequisites({ tools: ['turnserver'] });
/** coturn's port for this test; fixed so the config is simple, far from the usual 3478. */
const coturn_port = 34_791;

describe.skipIf(skip !== undefined)('STUN against coturn on loopback', () => {
  let coturn: Coturn | undefined;
  beforeAll(async () => {
    coturn = await startCoturn({ namespace: '', listenIp: '127.0.0.1', port: coturn_port, min_port: 40_200, max_port: 40_220, allowLoopbackPeers: true });
  });
  afterAll(async () => {
    await coturn?.stop();
  });

  it('learns the reflexive address of the socket it sends from', async () => {
    const local = addr('127.0.0.1', 0);
    let driver: Driver<never, StunClientEvent> | undefined;
    try {
      // The client needs its bound address; bind first with a throwaway port query.
      const client = (boundLocal: typeof local): StunClient =>
        new StunClient({ server: addr('127.0.0.1', coturn_port), local: boundLocal, classify: false }, new NodeRng());
      const probe = await Driver.start(client(local), { bind: [local] });
      const port = probe.localAddresses[0]!.port;
      await probe.close();
      driver = await Driver.start(client(addr('127.0.0.1', port)), { bind: [addr('127.0.0.1', port)], node: 'stun' });
      const mapped = await driver.waitFor((e): e is Extract<StunClientEvent, { type: 'stun-mapped' }> => e.type === 'stun-mapped', 5000);
      expect(mapped.mapped).toBe(`127.0.0.1:${port}`);
      expect(mapped.rtt_ms).toBeGreaterThanOrEqual(0);
      expect(mapped.rtt_ms).toBeLessThan(1000);
    } finally {
      await driver?.close();
    }
  });
});
