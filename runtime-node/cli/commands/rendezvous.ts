// `peerlab rendezvous --listen host:port`: the rendezvous + relay server, with STUN answered
// on the same port, on real sockets. Runs until SIGINT/SIGTERM, then closes cleanly.
import { nodeCrypto } from '../../node-crypto.ts';
import { addr, addrEquals, formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { DEFAULT_RENDEZVOUS, RendezvousServer, type RendezvousServerEvent } from '../../../protocol/punch/rendezvous-server.ts';
import { Driver, DriverError } from '../../driver.ts';
import { NodeRng } from '../../node-rng.ts';
import { realHeaderRecord, TraceFile } from '../../trace-file.ts';
import { bindArg, parseArgs, positiveIntFlag, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { checkAlternate, fourPairs, PORT_RESOLVE_ATTEMPTS_MAX, resolvePorts } from '../rfc5780-addresses.ts';

const usage = `usage: peerlab rendezvous --listen <host:port> [--alternate <host:port>]
                          [--relay-bytes-max <n>] [--relay-duration-ms <n>] [--trace <file>]

Runs the rendezvous/relay server; STUN Binding requests are answered on the same port.
  --listen             address to bind, e.g. 0.0.0.0:7000 (the public IP on a VPS)
  --alternate          a second IP of this host with another port, e.g. 203.0.113.6:7001: the
                       server then binds all four IP x port pairs and answers RFC 5780
                       CHANGE-REQUESTs, so clients can classify their NAT (mapping, filtering,
                       port allocation). Needs --listen on a specific IP; port 0 = any free port
  --relay-bytes-max    bytes one peer pair may relay per ${DEFAULT_RENDEZVOUS.circuit_window_ms / 1000} s window, over all its circuits (default ${DEFAULT_RENDEZVOUS.circuit_bytes_max})
  --relay-duration-ms  how long one relayed session may last (default ${DEFAULT_RENDEZVOUS.circuit_duration_ms})
  --trace              write a JSONL trace (world "real")
Prints "rendezvous listening on <addr>[, <addr>...]" once bound (the primary first).`;

interface Started {
  readonly driver: Driver<never, RendezvousServerEvent>;
  readonly primary: Addr;
  readonly alternate?: Addr;
}

export const command: CliCommand = {
  name: 'rendezvous',
  summary: 'run the rendezvous/relay server (STUN on the same port, RFC 5780 with --alternate)',
  usage,
  async run(args) {
    const parsed = parseArgs(args, {
      listen: 'string',
      alternate: 'string',
      'relay-bytes-max': 'string',
      'relay-duration-ms': 'string',
      trace: 'string',
    });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
    const listenText = stringFlag(parsed, 'listen');
    if (!listenText) throw new UsageError('--listen <host:port> is required');
    const listen = bindArg(listenText, '--listen');
    const alternateText = stringFlag(parsed, 'alternate');
    const alternate = alternateText === undefined ? undefined : bindArg(alternateText, '--alternate');
    if (alternate) checkAlternate(listen, alternate);
    const circuit_bytes_max = positiveIntFlag(stringFlag(parsed, 'relay-bytes-max'), 'relay-bytes-max');
    const circuit_duration_ms = positiveIntFlag(stringFlag(parsed, 'relay-duration-ms'), 'relay-duration-ms');
    const tracePath = stringFlag(parsed, 'trace');
    const ips = alternate ? [listen.ip, alternate.ip] : [listen.ip];
    const trace = tracePath
      ? new TraceFile(tracePath, realHeaderRecord({ scenario: 'rendezvous', started: new Date(), nodes: [{ name: 'rendezvous', type: 'server', ips }] }))
      : undefined;
    const server = (primary: Addr, alt: Addr | undefined): RendezvousServer =>
      new RendezvousServer(
        {
          primary,
          ...(alt ? { alternate: alt } : {}),
          ...(circuit_bytes_max ? { circuit_bytes_max } : {}),
          ...(circuit_duration_ms ? { circuit_duration_ms } : {}),
        },
        new NodeRng(),
        nodeCrypto,
      );
    let started: Started;
    try {
      started = await start(listen, alternate, server, trace);
    } catch (error) {
      trace?.close();
      if (error instanceof DriverError) {
        process.stderr.write(`peerlab rendezvous: ${error.message}\n`);
        return EXIT_FAILED;
      }
      throw error;
    }
    const { driver } = started;
    driver.onDriverEvent((event) => {
      if (event.type === 'socket-error') process.stderr.write(`rendezvous: socket error ${event.kind} (${event.code}) ${event.message}\n`);
    });
    process.stdout.write(`rendezvous listening on ${driver.localAddresses.map(formatAddr).join(', ')}\n`);
    if (started.alternate) {
      process.stdout.write(`rfc5780: primary ${formatAddr(started.primary)}, alternate ${formatAddr(started.alternate)} (clients: peerlab stun ${formatAddr(started.primary)})\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await driver.close();
    trace?.close();
    process.stderr.write('rendezvous: stopped\n');
    return EXIT_OK;
  },
};

/**
 * Binds the server: one address, or the four RFC 5780 pairs. Port 0 is resolved first (the
 * server machine must know its real ports to fill RESPONSE-ORIGIN and OTHER-ADDRESS), and a
 * port that another process grabbed between resolving and binding is retried.
 */
async function start(
  listen: Addr,
  alternate: Addr | undefined,
  server: (primary: Addr, alt: Addr | undefined) => RendezvousServer,
  trace: TraceFile | undefined,
): Promise<Started> {
  const options = { node: 'rendezvous', trace, trace_datagrams: false } as const;
  if (!alternate) {
    let primary = listen;
    if (primary.port === 0) {
      const probe = await Driver.start(server(primary, undefined), { bind: [primary] });
      primary = addr(primary.ip, probe.localAddresses[0]!.port);
      await probe.close();
    }
    return { driver: await Driver.start(server(primary, undefined), { bind: [primary], ...options }), primary };
  }
  const anyPort = listen.port === 0 || alternate.port === 0;
  for (let attempt = 1; ; attempt++) {
    const ports = await resolvePorts(listen, alternate);
    const machine = server(ports.primary, ports.alternate);
    const pairs = machine.addresses();
    try {
      const driver = await Driver.start(machine, { bind: pairs, ...options });
      // Every pair must be a socket of its own: a reply "from" an unbound pair would leave
      // from another socket while RESPONSE-ORIGIN claims otherwise.
      const bound = driver.localAddresses;
      const expected = fourPairs(ports.primary, ports.alternate);
      if (!expected.every((pair) => bound.some((b) => addrEquals(b, pair)))) {
        await driver.close();
        throw new DriverError('other', 'EINVAL', undefined, `bound ${bound.map(formatAddr).join(', ')}, not the four RFC 5780 pairs ${expected.map(formatAddr).join(', ')}`);
      }
      return { driver, ...ports };
    } catch (error) {
      const lostRace = error instanceof DriverError && error.kind === 'address-in-use' && anyPort;
      if (!lostRace || attempt >= PORT_RESOLVE_ATTEMPTS_MAX) throw error;
    }
  }
}
