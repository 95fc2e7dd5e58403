// `peerlab connect`: punch (or relay) to a named peer through a rendezvous server, open a
// Noise session over that path, and optionally send or receive a file with a progress bar
// and a sha256 check. Prints path, RTT, goodput and loss; every failure is one clear line.
import { ConnectFailure, runConnect, type ConnectResult } from '../../connect-run.ts';
import { decodeKey, encodeKey, generateIdentity, readIdentity, IdentityFileError } from '../../identity-file.ts';
import { addrArg, bindArg, booleanFlag, idArg, parseArgs, positiveIntFlag, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { ProgressBar } from '../progress.ts';

const usage = `usage: peerlab connect --rendezvous <host:port> --id <me> --peer <other>
                       [--send <file> | --recv <file>] [--key <file>] [--expect-peer <pubkey>]
                       [--bind <host:port>] [--trace <file> [--trace-datagrams]] [--timeout-ms <n>] [--idle-timeout-ms <n>]
                       [--await-direct-ms <n>] [--json]
       peerlab connect --direct <other-host:port> --bind <host:port> [--send <file> | --recv <file>] [...]

Finds a path to <other> (hole punching, or the rendezvous's relay), opens a secure session
over it (Noise, pinned to --expect-peer when given) and sends or receives one file, checking
its sha256 end to end. Both sides run the same command with --id and --peer swapped.
--recv writes to a temporary file beside <file> and renames it only once the sha256 is
verified, so an existing <file> is replaced only by a complete, verified copy.
  --key           identity from 'peerlab keygen' (default: a fresh key for this run)
  --expect-peer   the other side's public key (base64 or hex); anything else is refused
  --bind          local address (default: the address that routes to the rendezvous, any port)
  --trace         JSONL trace of this run (world "real"), for 'peerlab viz'
  --trace-datagrams  also trace every datagram sent and received (so 'peerlab viz a.jsonl b.jsonl'
                  can merge both sides' traces and estimate their clock offset)
  --timeout-ms    give up when no session is open after this long (default 60000)
  --idle-timeout-ms  a silent peer ends the session after this long (default 30000)
  --await-direct-ms  (sender) when the session opens on the relay while the punch still runs,
                  hold the transfer up to this long for the punch to reach a direct path or give
                  up, so the file moves on the path the pair ends on (default 0: start at once)
  --json          print the result (or the failure) as one JSON object
  --direct        srudp-style: no rendezvous. Both sides run it with each other's address and a
                  fixed --bind port, in any order within --timeout-ms (default 30000): probes
                  open both NATs (simultaneous open), then the same secure session and transfer.
                  Works across endpoint-independent-mapping NATs (full/restricted/port-restricted
                  cone) that keep the bound port; a symmetric NAT on either side defeats it.`;

/** Relay first: why a run that ended on the relay did not move to a direct pair. */
function relayNote(r: ConnectResult): string {
  if (r.path !== 'relay') return '';
  if (r.punch === 'pending') return ' (the punch was still running at the end; see --await-direct-ms)';
  if (r.punch === 'direct') return ` (a direct pair via ${r.punch_technique ?? 'punching'} was found after the session ended)`;
  return '';
}

function formatResult(r: ConnectResult): string {
  const lines = [
    `path:      ${r.path} (${r.technique}) to ${r.remote}${relayNote(r)}`,
    `time:      path after ${Math.round(r.time_to_path_ms)} ms, session after ${Math.round(r.time_to_session_ms)} ms`,
    `rtt:       ${r.rtt_ms.toFixed(1)} ms`,
  ];
  if (r.bytes > 0) {
    lines.push(
      `transfer:  ${r.bytes} bytes in ${(r.duration_ms / 1000).toFixed(2)} s, goodput ${r.goodput_mbps.toFixed(2)} Mbit/s, loss ${(r.loss * 100).toFixed(2)}%`,
      `sha256:    ${r.sha256} (verified by the receiver${r.confirmed ? ', acknowledged by both sides' : '; the other side did not confirm the end'})`,
    );
  }
  return lines.join('\n');
}

export const command: CliCommand = {
  name: 'connect',
  summary: 'punch or relay to a peer, open a secure session, send/receive a file',
  usage,
  async run(args) {
    const parsed = parseArgs(args, {
      rendezvous: 'string',
      id: 'string',
      peer: 'string',
      send: 'string',
      recv: 'string',
      key: 'string',
      'expect-peer': 'string',
      bind: 'string',
      trace: 'string',
      'trace-datagrams': 'boolean',
      'timeout-ms': 'string',
      'idle-timeout-ms': 'string',
      'await-direct-ms': 'string',
      json: 'boolean',
      direct: 'string',
    });
    const directText = stringFlag(parsed, 'direct');
    if (directText !== undefined && (stringFlag(parsed, 'rendezvous') || stringFlag(parsed, 'id') || stringFlag(parsed, 'peer'))) {
      throw new UsageError('--direct needs no rendezvous: give --direct and --bind, not --rendezvous/--id/--peer');
    }
    if (directText !== undefined && !stringFlag(parsed, 'bind')) throw new UsageError('--direct needs --bind <host:port> (a fixed port the other side names)');
    const direct = directText === undefined ? undefined : addrArg(directText, '--direct');
    const rendezvousText = directText ?? stringFlag(parsed, 'rendezvous');
    const id = directText !== undefined ? `direct-${stringFlag(parsed, 'bind')}` : stringFlag(parsed, 'id');
    const peer = directText ?? stringFlag(parsed, 'peer');
    if (!rendezvousText || !id || !peer) throw new UsageError('--rendezvous, --id and --peer are required');
    if (!direct) {
      idArg(id, '--id');
      idArg(peer, '--peer');
    }
    if (id === peer) throw new UsageError('--id and --peer must differ');
    const send = stringFlag(parsed, 'send');
    const recv = stringFlag(parsed, 'recv');
    if (send && recv) throw new UsageError('give --send or --recv, not both');
    const rendezvous = addrArg(rendezvousText, '--rendezvous');
    const expectText = stringFlag(parsed, 'expect-peer');
    const expectPeer = expectText === undefined ? undefined : decodeKey(expectText);
    if (expectText !== undefined && !expectPeer) throw new UsageError('--expect-peer wants a 32-byte key in base64 or hex');
    const json = booleanFlag(parsed, 'json');
    const keyPath = stringFlag(parsed, 'key');
    let identity;
    try {
      identity = keyPath ? readIdentity(keyPath) : generateIdentity();
    } catch (error) {
      if (error instanceof IdentityFileError) {
        process.stderr.write(`peerlab connect: ${error.message}\n`);
        return EXIT_FAILED;
      }
      throw error;
    }
    const bindText = stringFlag(parsed, 'bind');
    const bind = bindText === undefined ? undefined : bindArg(bindText, '--bind');
    const log = (line: string): void => void process.stderr.write(`${id}: ${line}\n`);
    if (!json) log(`my public key ${encodeKey(identity.publicKey)}${keyPath ? '' : ' (ephemeral; use --key to keep one)'}`);
    const bar = send || recv ? new ProgressBar(100, send ? `sending ${send}` : `receiving ${recv}`) : undefined;
    let ticked = 0;
    // Ctrl-C / kill: tell the peer and remove a partial --recv file instead of dying mid-write.
    const interrupt = new AbortController();
    const onSignal = (): void => interrupt.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await runConnect({
        rendezvous,
        id,
        peer,
        identity,
        expectPeer,
        send,
        recv,
        bind,
        tracePath: stringFlag(parsed, 'trace'),
        traceDatagrams: booleanFlag(parsed, 'trace-datagrams'),
        timeout_ms: positiveIntFlag(stringFlag(parsed, 'timeout-ms'), 'timeout-ms') ?? (direct ? 30_000 : 60_000),
        ...(direct ? { direct } : {}),
        idle_timeout_ms: positiveIntFlag(stringFlag(parsed, 'idle-timeout-ms'), 'idle-timeout-ms'),
        await_direct_ms: positiveIntFlag(stringFlag(parsed, 'await-direct-ms'), 'await-direct-ms'),
        log: json ? undefined : log,
        signal: interrupt.signal,
        onProgress: (percent) => {
          while (bar && ticked < percent) {
            bar.tick();
            ticked++;
          }
        },
      });
      bar?.finish();
      process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${formatResult(result)}\n`);
      return EXIT_OK;
    } catch (error) {
      bar?.finish();
      if (error instanceof ConnectFailure) {
        if (json) process.stdout.write(`${JSON.stringify({ ok: false, id, peer, error: error.kind, transfer_error: error.transfer_error, message: error.message, tried: error.tried })}\n`);
        process.stderr.write(`peerlab connect: ${error.message}\n`);
        if (error.tried.length > 0) process.stderr.write(`  tried:\n    ${error.tried.join('\n    ')}\n`);
        else if (error.kind === 'timeout') process.stderr.write(`  tried: nothing answered from the rendezvous at ${rendezvousText}\n`);
        return EXIT_FAILED;
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
