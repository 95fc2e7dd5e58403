// A small argument parser: `--flag`, `--key value`, `--key=value` and positionals, checked
// against a declared option table so typos are usage errors instead of silent no-ops.
import { parseAddr, type Addr } from '../../protocol/core/addr.ts';
import { ID_BYTES_MAX } from '../../protocol/punch/rendezvous-wire.ts';
import { bindAddr } from '../socket-errors.ts';
import { UsageError } from './command.ts';

export type OptionKind = 'boolean' | 'string';

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: ReadonlyMap<string, string | true>;
}

export function parseArgs(args: readonly string[], options: Readonly<Record<string, OptionKind>>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = options[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { positionals, flags };
}

export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function booleanFlag(parsed: ParsedArgs, name: string): boolean {
  return parsed.flags.get(name) === true;
}

/** An optional `--name` that must be a positive integer (a byte or time budget). */
export function positiveIntFlag(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`--${name} wants a positive integer`);
  return Number(text);
}

/** A UDP address to send to, given on the command line; `label` names it in the usage error. */
export function addrArg(text: string, label: string): Addr {
  let parsed: Addr;
  try {
    parsed = parseAddr(text);
  } catch {
    throw new UsageError(`${label}: expected ip:port or [ip6]:port, got ${JSON.stringify(text)}`);
  }
  if (parsed.port === 0) throw new UsageError(`${label}: port 0 cannot be sent to, got ${JSON.stringify(text)}`);
  return parsed;
}

/**
 * A local address to bind (`--listen`, `--bind`): "ip:port", "[ip6]:port" or a bare port
 * (on 0.0.0.0); port 0 means "any". Anything else is a usage error naming the option.
 */
export function bindArg(text: string, label: string): Addr {
  try {
    return bindAddr(text);
  } catch {
    throw new UsageError(`${label}: expected ip:port, [ip6]:port or a port in 0..65535, got ${JSON.stringify(text)}`);
  }
}

/**
 * A peer id (`--id`, `--peer`): 1..ID_BYTES_MAX bytes of UTF-8, the limit the rendezvous
 * wire format enforces (protocol/punch/rendezvous-wire.ts). Checked here so an over-long id
 * is a usage error before any datagram, not a registration the server silently drops.
 */
export function idArg(text: string, label: string): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes === 0) throw new UsageError(`${label} must not be empty`);
  if (bytes > ID_BYTES_MAX) throw new UsageError(`${label} is ${bytes} bytes; the rendezvous allows at most ${ID_BYTES_MAX}`);
  return text;
}

/** Largest seed accepted (seeds are u32 so every runtime can store them). */
export const SEED_MAX = 0xffff_ffff;
/** Most seeds one `--seeds A..B` may ask for. */
export const SEED_RANGE_MAX = 1_000_000;

export function parseSeed(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`seed must be a non-negative integer, got ${JSON.stringify(text)}`);
  const seed = Number(text);
  if (seed > SEED_MAX) throw new UsageError(`seed ${text} is larger than ${SEED_MAX}`);
  return seed;
}

/** Parses `A..B` (inclusive) into the list of seeds. */
export function parseSeedRange(text: string): number[] {
  const match = /^(\d+)\.\.(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--seeds wants A..B, got ${JSON.stringify(text)}`);
  const from = parseSeed(match[1]!);
  const to = parseSeed(match[2]!);
  if (to < from) throw new UsageError(`--seeds ${text}: the range is empty`);
  if (to - from + 1 > SEED_RANGE_MAX) throw new UsageError(`--seeds ${text}: more than ${SEED_RANGE_MAX} seeds`);
  const seeds: number[] = [];
  for (let seed = from; seed <= to; seed++) seeds.push(seed);
  return seeds;
}

/**
 * `--shard i/n` (1 <= i <= n): run only the i-th of n interleaved slices of the work, so n CI
 * jobs of a matrix split it evenly (`peerlab run`, `peerlab swarm`). Absent: 1/1, everything.
 */
export function parseShard(text: string | undefined): { index: number; count: number } {
  if (text === undefined) return { index: 1, count: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(count >= 1 && index >= 1 && index <= count)) throw new UsageError(`--shard wants i/n with 1 <= i <= n, got ${JSON.stringify(text)}`);
  return { index, count };
}
