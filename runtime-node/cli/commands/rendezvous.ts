// `peerlab rendezvous --listen host:port`: the rendezvous + relay server, with STUN answered
// on the same port, on real sockets. Runs until SIGINT/SIGTERM, then closes cleanly.
import { addr, formatAddr } from '../../../protocol/core/addr.ts';
import { DEFAULT_RENDEZVOUS, RendezvousServer, type RendezvousServerEvent } from '../../../protocol/punch/rendezvous-server.ts';
import { bindAddr, Driver, DriverError } from '../../driver.ts';
import { NodeRng } from '../../node-rng.ts';
import { realHeaderRecord, TraceFile } from '../../trace-file.ts';
import { parseArgs, positiveIntFlag, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';

const usage = `usage: peerlab rendezvous --listen <host:port> [--alternate <host:port>]
                          [--relay-bytes-max <n>] [--relay-duration-ms <n>] [--trace <file>]

Runs the rendezvous/relay server; STUN Binding requests are answered on the same port.
  --listen             address to bind, e.g. 0.0.0.0:7000 (the public IP on a VPS)
  --alternate          a second address (other IP) to answer RFC 5780 CHANGE-REQUESTs
  --relay-bytes-max    bytes one relayed session may carry (default ${DEFAULT_RENDEZVOUS.circuit_bytes_max})
  --relay-duration-ms  how long one relayed session may last (default ${DEFAULT_RENDEZVOUS.circuit_duration_ms})
  --trace              write a JSONL trace (world "real")
Prints "rendezvous listening on <addr>" once bound.`;

export const command: CliCommand = {
  name: 'rendezvous',
  summary: 'run the rendezvous/relay server (STUN on the same port)',
  usage,
  async run(args) {
    const parsed = parseArgs(args, {
      listen: 'string',
      alternate: 'string',
      'relay-bytes-max': 'string',
      'relay-duration-ms': 'string',
      trace: 'string',
    });
    const listenText = stringFlag(parsed, 'listen');
    if (!listenText) throw new UsageError('--listen <host:port> is required');
    let listen = bindAddr(listenText);
    const alternateText = stringFlag(parsed, 'alternate');
    const alternate = alternateText ? bindAddr(alternateText) : undefined;
    const circuit_bytes_max = positiveIntFlag(stringFlag(parsed, 'relay-bytes-max'), 'relay-bytes-max');
    const circuit_duration_ms = positiveIntFlag(stringFlag(parsed, 'relay-duration-ms'), 'relay-duration-ms');
    const tracePath = stringFlag(parsed, 'trace');
    const trace = tracePath
      ? new TraceFile(tracePath, realHeaderRecord({ scenario: 'rendezvous', started: new Date(), nodes: [{ name: 'rendezvous', type: 'server', ips: [listen.ip] }] }))
      : undefined;
    // Port 0 means "any": bind first so the server machine knows its real port.
    let driver: Driver<never, RendezvousServerEvent>;
    try {
      const server = (primary: typeof listen): RendezvousServer =>
        new RendezvousServer(
          {
            primary,
            alternate,
            ...(circuit_bytes_max ? { circuit_bytes_max } : {}),
            ...(circuit_duration_ms ? { circuit_duration_ms } : {}),
          },
          new NodeRng(),
        );
      if (listen.port === 0) {
        const probe = await Driver.start(server(listen), { bind: [listen] });
        listen = addr(listen.ip, probe.localAddresses[0]!.port);
        await probe.close();
      }
      driver = await Driver.start(server(listen), {
        bind: alternate ? [listen, alternate] : [listen],
        node: 'rendezvous',
        trace,
        trace_datagrams: false,
      });
    } catch (error) {
      trace?.close();
      if (error instanceof DriverError) {
        process.stderr.write(`peerlab rendezvous: ${error.message}\n`);
        return EXIT_FAILED;
      }
      throw error;
    }
    driver.onDriverEvent((event) => {
      if (event.type === 'socket-error') process.stderr.write(`rendezvous: socket error ${event.kind} (${event.code}) ${event.message}\n`);
    });
    process.stdout.write(`rendezvous listening on ${driver.localAddresses.map(formatAddr).join(', ')}\n`);
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
