// `peerlab mesh`: a mesh peer on a real UDP socket (protocol/mesh, the machine the simulator
// runs). Start one with --listen, join others with --join, broadcast with --send, print what
// arrives with --recv. Over plain datagrams by default; --secure runs every link over a
// Noise session (SecureMesh) with a fresh identity.
//   peerlab mesh --listen 127.0.0.1:7400 --duration 30000
//   peerlab mesh --listen 127.0.0.1:7401 --join 127.0.0.1:7400 --recv --count 1
//   peerlab mesh --listen 127.0.0.1:7402 --join 127.0.0.1:7400 --send "hello mesh"
import { formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import type { Machine } from '../../../protocol/core/machine.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import type { MeshEvent } from '../../../protocol/mesh/events.ts';
import { MeshNode, type MeshCommand } from '../../../protocol/mesh/mesh-node.ts';
import { SecureMesh } from '../../../protocol/mesh/secure-mesh.ts';
import { Driver } from '../../driver.ts';
import { NodeRng } from '../../node-rng.ts';
import { addrArg, bindArg, booleanFlag, parseArgs, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { fromUtf8 } from '../../../protocol/core/bytes.ts';

const usage = `usage: peerlab mesh --listen <ip:port> [--join <ip:port>[,<ip:port>...]] [--outward <ip:port>]
                   [--protocol ID] [--secure] [--flood]
                   [--send TEXT [--type T]] [--recv [--count N]] [--duration MS]

A mesh peer (docs/mesh.md) on one UDP socket. --listen must name a concrete address (it is
what the peer advertises, unless --outward says otherwise). --join joins through the given
peers. --send waits for a first link, then broadcasts TEXT and stays --duration ms (default
3000) so it spreads. --recv prints each message as "<sender id> <type> <text>" and exits 0 after
--count messages (default 1), 1 if --duration (default 20000) passes first. With neither, the
peer relays until --duration or Ctrl-C.`;

const OPTIONS = {
  listen: 'string',
  join: 'string',
  outward: 'string',
  protocol: 'string',
  secure: 'boolean',
  flood: 'boolean',
  send: 'string',
  type: 'string',
  recv: 'boolean',
  count: 'string',
  duration: 'string',
} as const;

function intFlag(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new UsageError(`--${name} wants an integer in 1..${max}`);
  return Number(text);
}

function build(listen: Addr, outward: Addr | undefined, protocol: string, secure: boolean, flood: boolean): { machine: Machine<MeshCommand, MeshEvent>; node: MeshNode } {
  const rng = new NodeRng();
  const common = { protocol_id: protocol, protocol_version: 0x0100, local: listen, outward, crypto: nobleCrypto, rng, mode: flood ? ('flood' as const) : ('plumtree' as const) };
  if (secure) {
    const secureMesh = new SecureMesh({ ...common, staticSecret: rng.nextBytes(32) });
    return { machine: secureMesh, node: secureMesh.mesh };
  }
  const node = new MeshNode({ ...common, publicKey: rng.nextBytes(32) });
  return { machine: node, node };
}

export const command: CliCommand = {
  name: 'mesh',
  summary: 'a mesh overlay peer on real UDP: peerlab mesh --listen ip:port [--join ip:port] [--send TEXT | --recv]',
  usage,
  async run(args) {
    const parsed = parseArgs(args, OPTIONS);
    const listenText = stringFlag(parsed, 'listen');
    if (listenText === undefined) throw new UsageError('--listen <ip:port> is required');
    const listen = bindArg(listenText, '--listen');
    if (listen.port === 0 || listen.ip === '0.0.0.0' || listen.ip === '::') {
      if (stringFlag(parsed, 'outward') === undefined) throw new UsageError('--listen needs a concrete ip and port (or give --outward)');
    }
    const outwardText = stringFlag(parsed, 'outward');
    const outward = outwardText === undefined ? undefined : addrArg(outwardText, '--outward');
    const joins = (stringFlag(parsed, 'join') ?? '').split(',').filter((s) => s !== '').map((s) => addrArg(s, '--join'));
    const protocol = stringFlag(parsed, 'protocol') ?? 'peerlab-mesh';
    if (Buffer.byteLength(protocol) > 24) throw new UsageError('--protocol is at most 24 bytes');
    const sendText = stringFlag(parsed, 'send');
    const recv = booleanFlag(parsed, 'recv');
    if (sendText !== undefined && recv) throw new UsageError('give --send or --recv, not both');
    const count = intFlag(stringFlag(parsed, 'count'), 'count', 1, 1_000_000);
    const duration_ms = intFlag(stringFlag(parsed, 'duration'), 'duration', sendText !== undefined ? 3_000 : 20_000, 86_400_000);
    const msgType = stringFlag(parsed, 'type') ?? 'text';

    const { machine, node } = build(listen, outward, protocol, booleanFlag(parsed, 'secure'), booleanFlag(parsed, 'flood'));
    const driver = await Driver.start<MeshCommand, MeshEvent>(machine, { bind: [listen], node: 'mesh' });
    process.stderr.write(`mesh ${node.id} on ${driver.localAddresses.map(formatAddr).join(', ')} (advertised ${formatAddr(node.outward)})\n`);
    let received = 0;
    let finish: (code: number) => void = () => {};
    const done = new Promise<number>((resolve) => (finish = resolve));
    let linked: () => void = () => {};
    const firstLink = new Promise<void>((resolve) => (linked = resolve));
    driver.onEvent((event) => {
      if (event.type === 'neighbor-up') {
        process.stderr.write(`link up ${event.peer.slice(0, 12)} ${event.addr}\n`);
        linked();
      } else if (event.type === 'neighbor-down') {
        process.stderr.write(`link down ${event.peer.slice(0, 12)} ${event.addr} (${event.reason})\n`);
      } else if (event.type === 'protocol-mismatch') {
        process.stderr.write(`protocol mismatch with ${event.addr}: we are ${event.local_id}/${event.local_version}, it is ${event.remote_id}/${event.remote_version}\n`);
      } else if (event.type === 'mesh-error') {
        process.stderr.write(`refused: ${event.code} (${event.detail})\n`);
      } else if (event.type === 'message') {
        for (const m of node.messages()) {
          received++;
          process.stdout.write(`${m.sender} ${m.type} ${m.packets.map((p) => fromUtf8(p)).join(' ')}\n`);
          if (recv && received >= count) finish(EXIT_OK);
        }
      }
    });
    for (const to of joins) driver.command({ type: 'connect', addr: to });
    const stop = (): void => finish(recv ? EXIT_FAILED : EXIT_OK);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = setTimeout(stop, duration_ms);
    timer.unref();
    if (sendText !== undefined) {
      const waited = await Promise.race([firstLink.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), Math.min(duration_ms, 10_000)).unref())]);
      if (!waited) {
        process.stderr.write('no link within 10 s: nothing sent\n');
        finish(EXIT_FAILED);
      } else {
        // Let the joins spread (forward-join walks) before the broadcast.
        await new Promise((r) => setTimeout(r, 500));
        driver.command({ type: 'send', packets: [sendText], msg_type: msgType });
        process.stderr.write(`sent "${sendText}"\n`);
      }
    }
    const code = await done;
    clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await driver.close();
    return code;
  },
};
