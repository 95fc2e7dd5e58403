// `peerlab discover`: lists peerlab peers on the LAN by mDNS / DNS-SD (RFC 6762/6763) for a
// while, publishing this host as one too unless --invisible. It runs the same MdnsNode the
// `discovery` scenarios run, on 0.0.0.0:5353 joined to 224.0.0.251 (sharing the port with
// avahi-daemon if one runs), so standard tools see us (`avahi-browse -rpt _peerlab._udp`) and
// we see services they publish under `_peerlab._udp` with a `pk=` TXT key.
import { networkInterfaces, hostname } from 'node:os';
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import { MDNS_GROUP_V4, MDNS_PORT, type DiscoveredPeer, type MdnsCommand, type MdnsEvent } from '../../../protocol/discovery/mdns-config.ts';
import { MdnsNode } from '../../../protocol/discovery/mdns-node.ts';
import { LanPinger, type LanPingerCommand, type LanPingerEvent } from '../../../protocol/discovery/lan-pinger.ts';
import { Driver, DriverError } from '../../driver.ts';
import { generateIdentity, IdentityFileError, readIdentity } from '../../identity-file.ts';
import { NodeRng } from '../../node-rng.ts';
import { booleanFlag, parseArgs, positiveIntFlag, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';

const usage = `usage: peerlab discover [--timeout-ms <n>] [--json] [--invisible] [--port <n>]
                        [--instance <name>] [--key <file>] [--interface <ipv4>]

Browses the LAN for '_peerlab._udp.local' services for --timeout-ms (default 3000) and prints
each peer: instance, address, port, public key and protocols. Unless --invisible it also
publishes this host (probing its instance name first and renaming it on a conflict, as RFC 6762
says) with --port (the UDP port 'peerlab connect --bind' would use, default 7000) and the
public key of --key (default: a fresh key), and says goodbye (TTL 0) when it ends.
  --interface   the IPv4 address whose link to use (default: the first non-internal one)
  --ping        also run peerpy-style PING/PONG: broadcast PING on UDP --ping-port (default 4354)
                to the interface's subnet broadcast address and list who answered ("pinged"),
                answering others' PINGs meanwhile (unless --invisible)
  --json        one JSON object: {"peers": [...], "instance": ...}`;

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The subnet broadcast address of `ip` (from the interface's netmask), or the limited one. */
function broadcastOf(ip: string): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4' || i.address !== ip) continue;
      const a = ip.split('.').map(Number);
      const m = i.netmask.split('.').map(Number);
      return a.map((octet, k) => (octet | (~m[k]! & 0xff)) & 0xff).join('.');
    }
  }
  return '255.255.255.255';
}

/** Our non-internal IPv4 addresses (the ones mDNS answers for). */
function localIpv4(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) out.push(i.address);
  return out;
}

function line(p: DiscoveredPeer): string {
  return `${p.instance}\t${p.ips.join(',')}:${p.port}\tkey ${p.key_hex}\t${p.protocols.join(',')}`;
}

export const command: CliCommand = {
  name: 'discover',
  summary: 'list peerlab peers on the LAN (mDNS/DNS-SD), publishing this host too',
  usage,
  async run(args) {
    const parsed = parseArgs(args, { 'timeout-ms': 'string', json: 'boolean', invisible: 'boolean', port: 'string', instance: 'string', key: 'string', interface: 'string', ping: 'boolean', 'ping-port': 'string' });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected ${parsed.positionals[0]}`);
    const timeout_ms = positiveIntFlag(stringFlag(parsed, 'timeout-ms'), 'timeout-ms') ?? 3_000;
    const port = positiveIntFlag(stringFlag(parsed, 'port'), 'port') ?? 7_000;
    if (port > 65_535) throw new UsageError('--port must be 1..65535');
    const json = booleanFlag(parsed, 'json');
    const ips = localIpv4();
    const iface = stringFlag(parsed, 'interface') ?? ips[0];
    if (!iface) {
      process.stderr.write('peerlab discover: no non-loopback IPv4 address to use (mDNS needs a LAN)\n');
      return EXIT_FAILED;
    }
    let key_hex: string;
    try {
      const keyPath = stringFlag(parsed, 'key');
      key_hex = toHex((keyPath ? readIdentity(keyPath) : generateIdentity()).publicKey);
    } catch (error) {
      if (error instanceof IdentityFileError) {
        process.stderr.write(`peerlab discover: ${error.message}\n`);
        return EXIT_FAILED;
      }
      throw error;
    }
    const invisible = booleanFlag(parsed, 'invisible');
    const instance = stringFlag(parsed, 'instance') ?? `peerlab ${hostname().slice(0, 40)} ${key_hex.slice(0, 8)}`;
    const own: Addr[] = ips.map((ip) => addr(ip, MDNS_PORT));
    const node = new MdnsNode(
      {
        group: MDNS_GROUP_V4,
        own_addrs: own,
        browse: true,
        ...(invisible ? {} : { service: { instance, host: `peerlab-${key_hex.slice(0, 12)}`, port, ips: [iface], key_hex, protocols: ['rudp', 'typed'] } }),
      },
      new NodeRng(),
    );
    let driver: Driver<MdnsCommand, MdnsEvent>;
    try {
      driver = await Driver.start<MdnsCommand, MdnsEvent>(node, { bind: [addr('0.0.0.0', MDNS_PORT)], node: 'discover', multicast: { groups: [MDNS_GROUP_V4.ip], interface: iface } });
    } catch (error) {
      if (error instanceof DriverError) {
        process.stderr.write(`peerlab discover: cannot bind ${MDNS_PORT}: ${error.message}\n`);
        return EXIT_FAILED;
      }
      throw error;
    }
    const log = (text: string): void => void (json ? undefined : process.stderr.write(`${text}\n`));
    // peerpy's PING/PONG beside mDNS, on its own port (SO_BROADCAST).
    let pinged: readonly string[] | undefined;
    let pingDriver: Driver<LanPingerCommand, LanPingerEvent> | undefined;
    if (booleanFlag(parsed, 'ping')) {
      const pingPort = positiveIntFlag(stringFlag(parsed, 'ping-port'), 'ping-port') ?? 4_354;
      const pinger = new LanPinger({ peer: addr(iface, port), broadcast: addr(broadcastOf(iface), pingPort), invisible }, new NodeRng());
      try {
        pingDriver = await Driver.start<LanPingerCommand, LanPingerEvent>(pinger, { bind: [addr('0.0.0.0', pingPort)], node: 'ping', broadcast: true });
        pingDriver.onEvent((event) => {
          if (event.type === 'local-peers') pinged = event.peers;
        });
        // Let the other side's responder come up, then seek until shortly before we end.
        const seekAt_ms = Math.min(1_000, Math.floor(timeout_ms / 3));
        setTimeout(() => pingDriver?.command({ type: 'seek', timeout_ms: Math.max(100, timeout_ms - seekAt_ms - 300) }), seekAt_ms);
      } catch (error) {
        if (!(error instanceof DriverError)) throw error;
        log(`ping: cannot bind ${pingPort}: ${error.message} (mDNS only)`);
      }
    }
    driver.onEvent((event) => {
      if (event.type === 'published') log(`published as "${event.instance}" (${iface}:${port})`);
      else if (event.type === 'name-conflict') log(`name conflict: "${event.instance}" is taken, now "${event.renamed_to}"`);
      else if (event.type === 'peer-found') log(`found: ${line(event.peer)}`);
      else if (event.type === 'peer-lost') log(`lost: ${event.instance} (${event.reason})`);
    });
    await new Promise((resolve) => setTimeout(resolve, timeout_ms));
    const peers = node.peers();
    driver.act((m, now) => m.handleCommand(now, { type: 'stop' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await driver.close();
    await pingDriver?.close();
    if (pinged && !json) process.stderr.write(`pinged: ${pinged.length === 0 ? 'nobody answered' : pinged.join(' ')}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ instance: invisible ? null : node.instance, key_hex, interface: iface, peers, ...(pinged ? { pinged } : {}) })}\n`);
    else process.stdout.write(peers.length === 0 ? 'no peers found\n' : `${peers.map(line).join('\n')}\n`);
    return EXIT_OK;
  },
};
