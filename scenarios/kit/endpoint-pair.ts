// Two bare RudpEndpoints on two simulator hosts, wired to the stream scripts of
// scenarios/transfer/stream-script.ts: the client connects at t = 0 and sends `data`, the
// server hashes what arrives. The transport-level transfer scenarios, the rudp bench and the
// rudp simulator property test all start their transfers through this one set-up.
import type { Addr } from '../../protocol/core/addr.ts';
import type { Crypto } from '../../protocol/core/crypto.ts';
import type { RudpConfig } from '../../protocol/rudp/config.ts';
import type { ConnectOptions } from '../../protocol/rudp/connection.ts';
import { RudpEndpoint, type RudpCommand } from '../../protocol/rudp/endpoint.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import type { MachineHandle, Simulator } from '../../runtime-sim/index.ts';
import { newProgress, onTransportEvent, type StreamIo, type TransferProgress } from '../transfer/stream-script.ts';

export interface EndpointPairOptions {
  /** Host names, already added to `sim`. */
  readonly clientHost: string;
  readonly serverHost: string;
  /** The server's address (its host's IP) and port. */
  readonly server: Addr;
  readonly clientPort: number;
  readonly crypto: Crypto;
  readonly config?: Partial<RudpConfig>;
  /** What the client sends. */
  readonly data: Uint8Array;
  readonly connect?: ConnectOptions;
  /**
   * Labels of the endpoints' forked random streams (part of each stream's seed; default
   * 'c' and 's'). The key streams are always 'kc' and 'ks'.
   */
  readonly rngLabels?: { readonly client: string; readonly server: string };
  /** Sees every server event before the stream script does. */
  readonly onServerEvent?: (event: RudpEvent) => void;
}

export interface EndpointPair {
  readonly client: RudpEndpoint;
  readonly server: RudpEndpoint;
  readonly progress: TransferProgress;
  /** The client's connection id (-1 until the client connects at t = 0). */
  clientConn(): number;
}

function endpointIo(endpoint: RudpEndpoint, handle: MachineHandle<RudpCommand, RudpEvent>, conn: () => number): StreamIo {
  // Through the driver (act): what a write or a read queues is sent at once, no no-op command.
  return {
    write: (_now, data) => handle.act((_m, now) => endpoint.write(now, conn(), data)),
    read: () => handle.act(() => endpoint.read(conn())),
    end: () => handle.command({ type: 'close', conn: conn() }),
  };
}

/** Builds both endpoints, runs them on their hosts, and schedules the client's connect at t = 0. */
export function startEndpointPair(sim: Simulator, options: EndpointPairOptions): EndpointPair {
  const labels = options.rngLabels ?? { client: 'c', server: 's' };
  const { crypto, config, data } = options;
  // Fork order (server stream, server key, client stream, client key) fixes every draw.
  const server = new RudpEndpoint({ crypto, rng: sim.rng.fork(labels.server), staticSecret: sim.rng.fork('ks').nextBytes(32), config });
  const client = new RudpEndpoint({ crypto, rng: sim.rng.fork(labels.client), staticSecret: sim.rng.fork('kc').nextBytes(32), config, accept: false });
  const hs = sim.run(options.serverHost, server, { port: options.server.port });
  const hc = sim.run(options.clientHost, client, { port: options.clientPort });
  const progress = newProgress();
  let clientConn = -1;
  let serverConn = -1;
  const ioClient = endpointIo(client, hc, () => clientConn);
  const ioServer = endpointIo(server, hs, () => serverConn);
  hc.onEvent((event) => onTransportEvent(sim, 'sender', event, ioClient, data, progress));
  hs.onEvent((event) => {
    if (event.type === 'connected') serverConn = event.conn;
    options.onServerEvent?.(event);
    onTransportEvent(sim, 'receiver', event, ioServer, data, progress);
  });
  sim.at(0, () => {
    clientConn = hc.act((_m, now) => client.connect(now, options.server, options.connect));
  });
  return { client, server, progress, clientConn: () => clientConn };
}
