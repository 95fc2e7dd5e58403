// `peerlab stun <host:port> [--alt <host:port>]`: asks a STUN server for this host's reflexive
// address and, where the server allows, classifies the NAT on the way (RFC 5780 when the server
// reports an OTHER-ADDRESS; with --alt, a second server shows whether the mapping depends on the
// destination). Runs protocol/punch's StunClient on the real-socket driver.
import { formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { StunClient, type StunClientEvent } from '../../../protocol/punch/stun-client.ts';
import type { NatReport } from '../../../protocol/punch/nat-report.ts';
import { Driver } from '../../driver.ts';
import { NodeRng } from '../../node-rng.ts';
import { addrArg, bindArg, booleanFlag, parseArgs, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';

const usage = `usage: peerlab stun <host:port> [--alt <host:port>] [--bind <host:port>] [--timeout MS] [--json]

Sends STUN Binding requests (RFC 8489, retransmitted) to the server and prints the mapped
(server-reflexive) address. If the server reports an OTHER-ADDRESS (RFC 5780, e.g. coturn
with two IPs and --rfc5780), also runs the behaviour tests and prints the NAT's mapping,
filtering and port allocation. --alt names a second STUN server on another IP: the two
mapped addresses show whether the mapping depends on the destination (filtering unknown).
--bind picks the local address (default 0.0.0.0:0). Exits 1 when the server never answered.`;

const OPTIONS = { alt: 'string', bind: 'string', timeout: 'string', json: 'boolean' } as const;

/** Upper bound on the whole run: RFC 8489's 39.5 s for one transaction plus the filtering tests. */
const TIMEOUT_MS_DEFAULT = 45_000;
const TIMEOUT_MS_MAX = 600_000;

export interface StunResult {
  readonly server: string;
  readonly local: string;
  readonly mapped: Array<{ server: string; mapped: string; rtt_ms: number }>;
  readonly nat?: NatReport & { summary: string };
  readonly mapping_varies?: boolean;
  readonly ok: boolean;
}

/** Runs the client once on real sockets and collects what it learned. */
export async function stunQuery(server: Addr, options: { alt?: Addr; bind?: Addr; timeout_ms?: number } = {}): Promise<StunResult> {
  const bind = options.bind ?? { family: server.family, ip: server.family === 4 ? '0.0.0.0' : '::', port: 0 };
  // The client needs its own bound address to recognise "no NAT": bind first, then start.
  let client: StunClient | undefined;
  const lazy = {
    handleDatagram: (now: number, remote: Addr, data: Uint8Array) => client?.handleDatagram(now, remote, data),
    handleTimeout: (now: number) => client?.handleTimeout(now),
    handleCommand: () => {},
    pollTransmit: () => client?.pollTransmit(),
    pollEvent: () => client?.pollEvent(),
    pollTimeout: () => client?.pollTimeout(),
  };
  const driver = await Driver.start<never, StunClientEvent>(lazy, { bind: [bind], node: 'stun' });
  const local = driver.localAddresses[0]!;
  const result: { mapped: StunResult['mapped']; nat?: StunResult['nat']; ok: boolean } = { mapped: [], ok: false };
  try {
    client = new StunClient({ server, local, ...(options.alt ? { alternate: options.alt } : {}) }, new NodeRng());
    driver.onEvent((e) => {
      if (e.type === 'stun-mapped') result.mapped.push({ server: e.server, mapped: e.mapped, rtt_ms: Math.round(e.rtt_ms * 10) / 10 });
      if (e.type === 'nat') result.nat = { ...e.report, summary: e.summary };
    });
    driver.act(() => undefined); // the client exists now: let it start
    const done = await driver.waitFor((e) => e.type === 'done', options.timeout_ms ?? TIMEOUT_MS_DEFAULT).catch(() => undefined);
    result.ok = done !== undefined && done.type === 'done' && done.ok;
  } finally {
    await driver.close();
  }
  const varies = client?.discovery.mappingVaries;
  return { server: formatAddr(server), local: formatAddr(local), ...result, ...(varies !== undefined ? { mapping_varies: varies } : {}) };
}

export function formatStun(r: StunResult): string {
  const lines = [`server   ${r.server}`, `local    ${r.local}`];
  for (const m of r.mapped) lines.push(`mapped   ${m.mapped}   (via ${m.server}, rtt ${m.rtt_ms} ms)`);
  if (r.mapped.length === 0) lines.push('mapped   none: the server never answered');
  const nat = r.nat;
  if (nat && nat.open) {
    lines.push('nat      none: the mapped address is the local one');
    if (nat.filtering !== 'unknown') lines.push(`         mapping ${nat.mapping}`, `         filtering ${nat.filtering}`);
  }
  else if (nat && nat.filtering !== 'unknown') {
    lines.push(`nat      ${nat.summary}`, `         mapping ${nat.mapping}`, `         filtering ${nat.filtering}`, `         ports ${nat.allocation}${nat.delta ? ` (step ${nat.delta})` : ''}`);
  } else if (r.mapping_varies !== undefined) {
    lines.push(`nat      mapping ${r.mapping_varies ? 'varies by destination (endpoint-dependent: a "hard" NAT)' : 'endpoint-independent (an "easy" NAT)'}; filtering unknown`);
  } else if (r.mapped.length > 0) {
    lines.push('nat      not classified: the server reports no OTHER-ADDRESS (RFC 5780); try --alt <second server>');
  }
  return lines.join('\n');
}

export const command: CliCommand = {
  name: 'stun',
  summary: 'ask a STUN server for this host\'s mapped address and NAT type: peerlab stun 203.0.113.1:3478',
  usage,
  async run(args) {
    const parsed = parseArgs(args, OPTIONS);
    if (parsed.positionals.length !== 1) throw new UsageError('name one STUN server as host:port');
    const server = addrArg(parsed.positionals[0]!, 'server');
    const altText = stringFlag(parsed, 'alt');
    const bindText = stringFlag(parsed, 'bind');
    const timeoutText = stringFlag(parsed, 'timeout');
    let timeout_ms: number | undefined;
    if (timeoutText !== undefined) {
      timeout_ms = Number(timeoutText);
      if (!Number.isInteger(timeout_ms) || timeout_ms < 1 || timeout_ms > TIMEOUT_MS_MAX) throw new UsageError(`--timeout must be an integer in 1..${TIMEOUT_MS_MAX}`);
    }
    const result = await stunQuery(server, {
      ...(altText !== undefined ? { alt: addrArg(altText, '--alt') } : {}),
      ...(bindText !== undefined ? { bind: bindArg(bindText, '--bind') } : {}),
      ...(timeout_ms !== undefined ? { timeout_ms } : {}),
    });
    process.stdout.write(`${booleanFlag(parsed, 'json') ? JSON.stringify(result) : formatStun(result)}\n`);
    return result.mapped.length > 0 ? EXIT_OK : EXIT_FAILED;
  },
};
