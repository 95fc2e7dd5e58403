// `peerlab chord`: a Chord node (protocol/chord) on a real UDP socket, plain datagrams.
//   peerlab chord --listen 127.0.0.1:7500                       create a ring, serve until SIGINT/SIGTERM
//   peerlab chord --listen 127.0.0.1:7501 --join 127.0.0.1:7500 join it and serve
//   peerlab chord --join 127.0.0.1:7500 set KEY VALUE           join, write, leave (hand-over), print
//   peerlab chord --join 127.0.0.1:7500 get KEY | delete KEY    the same for a read or a delete
// A node that stops on a signal leaves gracefully: its keys go to its successor first.
import { createSocket } from 'node:dgram';
import { formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { ChordNode, type ChordCommand } from '../../../protocol/chord/chord-node.ts';
import { m_bits_default } from '../../../protocol/chord/config.ts';
import type { ChordEvent } from '../../../protocol/chord/events.ts';
import { bindAddr, Driver } from '../../driver.ts';
import { nodeCrypto } from '../../node-crypto.ts';
import { NodeRng } from '../../node-rng.ts';
import { addrArg, bindArg, parseArgs, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { fromUtf8 } from '../../../protocol/core/bytes.ts';

const usage = `usage: peerlab chord --listen <host:port> [--join <host:port>] [--ring NAME] [--m BITS]
                     [--duration MS] [--successors R]
       peerlab chord --join <host:port> [--listen <host:port>] (get KEY | set KEY VALUE | delete KEY)
                     [--ring NAME] [--m BITS] [--timeout MS]

Runs a Chord DHT node (docs/chord.md) on a real UDP socket. Without a subcommand the node
creates a ring (no --join) or joins one, prints "joined <id> successor <id>@<addr>" and serves
until SIGINT/SIGTERM (or --duration), then leaves gracefully, handing its keys over. With get,
set or delete it joins, runs the operation, prints the result on stdout, leaves and exits:
0 on success, 1 on a typed error (not-found, timeout, mismatch, ...), printed on stderr.
--ring (default peerlab-chord) and --m (default ${m_bits_default}) must match the ring's.`;

const OPTIONS = {
  listen: 'string',
  join: 'string',
  ring: 'string',
  m: 'string',
  duration: 'string',
  successors: 'string',
  timeout: 'string',
} as const;

function intFlag(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  return value;
}

/** A concrete port for `listen` (the node must know the address it tells others). */
async function concrete(listen: Addr): Promise<Addr> {
  if (listen.port !== 0) return listen;
  const socket = createSocket(listen.family === 6 ? 'udp6' : 'udp4');
  const port = await new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, listen.ip, () => resolve(socket.address().port));
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return { ...listen, port };
}

export const command: CliCommand = {
  name: 'chord',
  summary: 'Chord DHT node on real UDP: peerlab chord --listen :7500 [--join host:port] [get|set|delete ...]',
  usage,
  async run(args) {
    const parsed = parseArgs(args, OPTIONS);
    const listenText = stringFlag(parsed, 'listen');
    const joinText = stringFlag(parsed, 'join');
    const [verb, ...rest] = parsed.positionals;
    if (verb !== undefined && !['get', 'set', 'delete'].includes(verb)) throw new UsageError(`unknown subcommand ${JSON.stringify(verb)} (get, set, delete)`);
    if (verb !== undefined && joinText === undefined) throw new UsageError(`${verb} needs --join <host:port>`);
    if (verb === undefined && listenText === undefined) throw new UsageError('give --listen <host:port> (and --join to join a ring)');
    const want = verb === 'set' ? 2 : verb === undefined ? 0 : 1;
    if (rest.length !== want) throw new UsageError(`${verb ?? 'serving'} takes ${want} argument(s), got ${rest.length}`);
    const join = joinText === undefined ? undefined : addrArg(joinText, '--join');
    const listen = await concrete(bindArg(listenText ?? (join?.family === 6 ? '[::1]:0' : '127.0.0.1:0'), '--listen'));
    const m_bits = intFlag(stringFlag(parsed, 'm'), 'm', m_bits_default, 3, 256);
    const rng = new NodeRng();
    const node = new ChordNode({
      ring: stringFlag(parsed, 'ring') ?? 'peerlab-chord',
      m_bits,
      publicKey: rng.nextBytes(32),
      local: listen,
      crypto: nodeCrypto,
      rng,
      limits: {
        successors: intFlag(stringFlag(parsed, 'successors'), 'successors', 8, 1, 32),
        // Real hosts pause (a busy machine, a garbage collection, a process still starting):
        // a hop silent for the simulator's 500 ms is not yet dead here, and a lookup whose
        // only candidate timed out once would fail outright (seen under CI load).
        hop_timeout_ms: 2_000,
        operation_timeout_ms: 8_000,
      },
    });
    const driver = await Driver.start<ChordCommand, ChordEvent>(node, { bind: [bindAddr(formatAddr(listen))], node: 'chord', trace_datagrams: false });
    const timeout_ms = intFlag(stringFlag(parsed, 'timeout'), 'timeout', 10_000, 1, 3_600_000);
    try {
      const joined = driver.waitFor((e) => e.type === 'joined' || (e.type === 'error' && e.operation === 'join'), timeout_ms);
      driver.command(join === undefined ? { type: 'create' } : { type: 'join', via: join });
      const first = await joined;
      if (first.type === 'error') {
        process.stderr.write(`peerlab chord: join failed: ${first.code}: ${first.detail}\n`);
        return EXIT_FAILED;
      }
      if (first.type === 'joined') process.stderr.write(`joined ${first.id} on ${formatAddr(listen)} successor ${first.successor.id}@${first.successor.addr}\n`);
      if (verb === undefined) {
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
          const duration = stringFlag(parsed, 'duration');
          if (duration !== undefined) setTimeout(resolve, intFlag(duration, 'duration', 0, 1, 2 ** 31 - 1)).unref();
        });
        return EXIT_OK;
      }
      // Let one stabilize round tell our successor about us before we operate.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const op = 1;
      const result = driver.waitFor((e) => 'op' in e && e.op === op, timeout_ms);
      if (verb === 'get') driver.command({ type: 'get', op, key: rest[0]! });
      else if (verb === 'set') driver.command({ type: 'set', op, key: rest[0]!, value: rest[1]! });
      else driver.command({ type: 'delete', op, key: rest[0]! });
      const event = await result;
      if (event.type === 'error') {
        process.stderr.write(`peerlab chord: ${verb} failed: ${event.code}: ${event.detail}\n`);
        return EXIT_FAILED;
      }
      if (event.type === 'get-result') process.stdout.write(`${fromUtf8(event.value)}\n`);
      else if (event.type === 'set-result') process.stdout.write(`stored version ${event.version} (${event.hops} hops)\n`);
      else process.stdout.write('deleted\n');
      return EXIT_OK;
    } finally {
      driver.command({ type: 'leave' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await driver.close();
    }
  },
};
