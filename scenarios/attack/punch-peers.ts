// Honest and hostile punch clients for the attack suite: each honest client sits behind its
// own home NAT in its own /24 (so per-prefix quotas never make honest peers compete), and the
// stranger's clients (a registered attacker and its id squatters) share one host with one
// IPv4 /24 and one IPv6 /64. Every client's `registered` time is recorded.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { PunchClient } from '../../protocol/punch/punch-client.ts';
import type { PunchEvent } from '../../protocol/punch/punch-events.ts';
import type { LinkConfig, Simulator } from '../../runtime-sim/index.ts';
import type { NatPresetName } from '../../runtime-sim/nat/presets.ts';

export const SERVER_IP = '198.51.100.7';
export const SERVER_PORT = 3478;
export const PEER_PORT = 5000;
export const STRANGER_IPS = ['192.0.2.66', '2001:db8:ffff::66'] as const;
export const STRANGER_HOST = 'stranger';

export function fixed(ms: number): LinkConfig {
  return { latency: { kind: 'fixed', ms } };
}

export interface ClientRecord {
  readonly id: string;
  readonly client: PunchClient;
  readonly started_at: number;
  registered_at: number | undefined;
  readonly events: PunchEvent[];
  /** The NAT's public address (honest clients) or the host address (stranger's). */
  readonly public_ip: string;
}

/** An honest client behind its own NAT of `preset`, external IP `publicIp`, started now. */
export function honestClient(
  sim: Simulator,
  id: string,
  publicIp: string,
  lanIndex: number,
  preset: NatPresetName,
  server: Addr,
  extra: { connect_to?: string; accept_from?: string } = {},
): ClientRecord {
  const lan = `10.${(lanIndex >> 8) & 255}.${lanIndex & 255}`;
  const nat = sim.addNat({ name: `nat-${id}`, preset, externalIps: [publicIp], insideSubnet: `${lan}.0/24`, link: fixed(10) });
  const ip = `${lan}.2`;
  sim.addHost({ name: id, realm: nat.inside, ips: [ip], link: fixed(1) });
  return startClient(sim, id, id, addr(ip, PEER_PORT), server, publicIp, extra);
}

/** Runs a punch client with `id` on host `host` at `local`, now. */
export function startClient(
  sim: Simulator,
  host: string,
  id: string,
  local: Addr,
  server: Addr,
  publicIp: string,
  extra: { connect_to?: string; accept_from?: string; token?: Uint8Array } = {},
): ClientRecord {
  const token = extra.token ?? sim.rng.fork(`token:${id}`).nextBytes(16);
  const named = { ...(extra.connect_to ? { connect_to: extra.connect_to } : {}), ...(extra.accept_from ? { accept_from: extra.accept_from } : {}) };
  const client = new PunchClient({ id, token, server, local, ...named }, sim.rng.fork(`punch:${id}`));
  const record: ClientRecord = { id, client, started_at: sim.now, registered_at: undefined, events: [], public_ip: publicIp };
  const handle = sim.run(host, client, { addresses: [local] });
  const note = (event: PunchEvent): void => {
    if (record.events.length < 256) record.events.push(event);
    if (event.type === 'registered' && record.registered_at === undefined) record.registered_at = sim.now;
  };
  for (const event of handle.events) note(event);
  handle.onEvent(note);
  return record;
}
