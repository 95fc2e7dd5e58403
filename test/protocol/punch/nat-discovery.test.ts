// RFC 5780 behaviour discovery end to end in the simulator: a StunClient behind each NAT
// preset against a StunServer on two IPs x two ports must report the preset's mapping,
// filtering and (for symmetric NATs) port-allocation pattern.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { StunClient, type StunClientEvent } from '../../../protocol/punch/stun-client.ts';
import { StunServer } from '../../../protocol/punch/stun-server.ts';
import type { NatReport } from '../../../protocol/punch/nat-report.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import type { NatPresetName } from '../../../runtime-sim/nat/presets.ts';

function classify(preset: NatPresetName | 'none', seed = 1, alternate = true): { report: NatReport; mapped: string; events: StunClientEvent[] } {
  const sim = new Simulator({ seed });
  const serverHost = sim.addHost({ name: 'stun', ips: ['198.51.100.7', '198.51.100.8'], link: { latency: { kind: 'fixed', ms: 10 } } });
  const server = new StunServer(alternate ? { primary: addr('198.51.100.7', 3478), alternate: addr('198.51.100.8', 3479) } : { primary: addr('198.51.100.7', 3478) });
  sim.run(serverHost, server, { addresses: server.addresses() });
  const realm = preset === 'none' ? sim.internet : sim.addNat({ name: 'nat', preset, externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' }).inside;
  const ip = preset === 'none' ? '198.51.100.20' : '10.0.1.2';
  const host = sim.addHost({ name: 'client', realm, ips: [ip], link: { latency: { kind: 'fixed', ms: 5 } } });
  const client = new StunClient({ server: addr('198.51.100.7', 3478), local: addr(ip, 5000) }, sim.rng.fork('client'));
  const handle = sim.run(host, client, { port: 5000 });
  sim.runUntil(20_000);
  const nat = handle.events.find((e) => e.type === 'nat');
  expect(handle.events.some((e) => e.type === 'done' && e.ok)).toBe(true);
  if (!nat || nat.type !== 'nat') throw new Error('no nat event');
  return { report: nat.report, mapped: nat.mapped, events: [...handle.events] };
}

describe('NAT discovery (RFC 5780)', () => {
  const cases: Array<[NatPresetName, Partial<NatReport>]> = [
    ['open', { mapping: 'endpoint-independent', filtering: 'endpoint-independent', allocation: 'preserve' }],
    ['full-cone', { mapping: 'endpoint-independent', filtering: 'endpoint-independent' }],
    ['restricted-cone', { mapping: 'endpoint-independent', filtering: 'address-dependent' }],
    ['port-restricted-cone', { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' }],
    ['symmetric', { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'random' }],
    ['symmetric-sequential', { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent', allocation: 'sequential', delta: 1 }],
    ['linux-masquerade', { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', allocation: 'preserve' }],
    ['linux-masquerade-firewall', { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent', allocation: 'preserve' }],
  ];
  for (const [preset, want] of cases) {
    it(`classifies ${preset}`, () => {
      for (const seed of [1, 2, 3]) expect(classify(preset, seed).report).toMatchObject({ ...want, open: false });
    });
  }

  it('reports no NAT for a public host', () => {
    const { report, mapped } = classify('none');
    expect(report.open).toBe(true);
    expect(mapped).toBe('198.51.100.20:5000');
  });

  it('with a one-address server reports only the mapped address', () => {
    const { report, mapped } = classify('port-restricted-cone', 1, false);
    expect(report.mapping).toBe('unknown');
    expect(mapped).toMatch(/^203\.0\.113\.10:\d+$/);
  });
});
