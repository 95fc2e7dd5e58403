// `peerlab pcap <trace.jsonl> <out.pcapng> [--hops]`: exports a trace's datagrams as
// IPv4/IPv6 + UDP frames at their trace timestamps, so Wireshark and tshark open a
// simulated run. See runtime-node/pcap/export.ts for what goes in each frame.
import { readFileSync, writeFileSync } from 'node:fs';
import { EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { booleanFlag, parseArgs } from '../args.ts';
import { exportPcapng } from '../../pcap/export.ts';

const usage = `usage: peerlab pcap <trace.jsonl> <out.pcapng> [--hops]

Writes one frame per datagram sent (addresses as the sender used them, at the send's
trace time; sim traces start at the Unix epoch, real ones at their start time). The
payload is the datagram's bytes when the trace carries them ("data" as hex), otherwise
zero bytes of the traced length. Each frame's comment names the packet id, protocol
and outcome (delivered where, or dropped and why).

  --hops   also write a frame after each NAT translation, with the rewritten addresses`;

export const command: CliCommand = {
  name: 'pcap',
  summary: 'export a trace as a pcapng file for Wireshark/tshark',
  usage,
  async run(args: string[]): Promise<number> {
    const parsed = parseArgs(args, { hops: 'boolean' });
    const [input, output] = parsed.positionals;
    if (input === undefined || output === undefined || parsed.positionals.length !== 2) {
      throw new UsageError('needs a trace file and an output file');
    }
    const text = readFileSync(input, 'utf8');
    const result = exportPcapng(text.split('\n'), { hops: booleanFlag(parsed, 'hops') });
    writeFileSync(output, result.bytes);
    const notes: string[] = [];
    for (const [why, n] of Object.entries(result.skipped)) notes.push(`${n} skipped (${why})`);
    if (result.truncated > 0) notes.push(`${result.truncated} payloads truncated to one UDP packet`);
    if (result.badLines > 0) notes.push(`${result.badLines} malformed lines ignored`);
    process.stdout.write(`wrote ${result.frames} frames to ${output}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}\n`);
    return EXIT_OK;
  },
};
