// Two bare RudpEndpoints on two simulator hosts, wired to the stream scripts: one sends
// `data`, the other hashes what arrives. The transport-level scenarios, the rudp bench and
// the simulator property test all start their transfers through this one set-up.
import type { Addr } from '../../protocol/core/addr.ts';
import type { Crypto } from '../../protocol/core/crypto.ts';
import type { RudpConfig } from '../../protocol/rudp/config.ts';
import type { ConnectOptions } from '../../protocol/rudp/connection.ts';
import type { RudpCommand } from '../../protocol/rudp/endpoint.ts';
import { RudpEndpoint } from '../../protocol/rudp/endpoint.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import type { MachineHandle, Simulator } from '../../runtime-sim/index.ts';
import { newProgress, onTransportEvent, type StreamIo, type TransferProgress } from './stream-script.ts';

export interface EndpointPairOptions {
  /** Host names, already added to `sim`. */
  readonly clientHost: string;
  readonly serverHost: string;
  /** The server's address (its host's IP) and port. */
  readonly server: Addr;
  readonly clientPort: number;
  readonly crypto: Crypto;
  readonly config?: Partial<RudpConfig>;
  readonly data: Uint8Array;
  readonly connect?: ConnectOptions;
  /** Labels of the endpoints' forked random streams (part of each stream's seed). */
  readonly rngLabels?: { readonly client: string; readonly server: string };
  /** Sees every server event before the stream script does. */
  readonly onServerEvent?: (event: RudpEvent) => void;
}

export interface EndpointPair {
  readonly client: RudpEndpoint;
  readonly progress: TransferProgress;
  /** The client's connection id (-1 until the client connects at t = 0). */
  clientConn(): number;
}

function endpointIo(endpoint: RudpEndpoint, handle: MachineHandle<RudpCommand, RudpEvent>, conn: () => number): StreamIo {
  const empty = new Uint8Array(0);
  return {
    write: (now, data) => endpoint.write(now, conn(), data),
    read: () => endpoint.read(conn()),
    end: () => handle.command({ type: 'close', conn: conn() }),
    flush: () => handle.command({ type: 'write', conn: conn(), data: empty }),
  };
}

/** Builds both endpoints, runs them, and schedules the client's connect at t = 0. */
export function startEndpointTransfer(sim: Simulator, options: EndpointPairOptions): EndpointPair {
  const labels = options.rngLabels ?? { client: 'c', server: 's' };
  const { crypto, config, data } = options;
  // Fork order (server stream, server key, client key, client stream) fixes every draw.
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
    clientConn = client.connect(sim.now, options.server, options.connect);
    hc.command({ type: 'write', conn: clientConn, data: new Uint8Array(0) });
  });
  return { client, progress, clientConn: () => clientConn };
}
