// The lab's network namespaces and links. Every name carries a per-run prefix that encodes
// our pid, so concurrent runs never collide and a later run can sweep what a dead run left.
// Links are veth pairs created directly between two lab namespaces: nothing is ever created
// in, or linked to, the machine's own (root) namespace.
import { readdirSync, readFileSync } from 'node:fs';
import { run, runIn } from './exec.ts';

/** All lab namespaces start with this; the pid and run number follow. */
export const LAB_NAME_BASE = 'plab';
/** Namespaces, links and bridges one lab may create. */
const namespaces_max = 16;
/** Linux interface names are at most 15 bytes. */
const ifname_bytes_max = 15;

export class LabLimitError extends Error {
  constructor(what: string) {
    super(`lab limit: ${what}`);
    this.name = 'LabLimitError';
  }
}

let runCounter = 0;

export class LabNetwork {
  /** e.g. "plab1f3a0": base + pid (base 36) + run number; about 9 bytes. */
  readonly prefix: string;
  private readonly created: string[] = [];
  private linkCounter = 0;

  constructor() {
    this.prefix = `${LAB_NAME_BASE}${process.pid.toString(36)}${(runCounter++ % 36).toString(36)}`;
  }

  get namespaces(): readonly string[] {
    return this.created;
  }

  /** Creates `<prefix>-<role>` with loopback up and IPv6 off (we test IPv4 NATs). */
  async addNamespace(role: string, options: { forwarding?: boolean } = {}): Promise<string> {
    if (this.created.length >= namespaces_max) throw new LabLimitError(`more than ${namespaces_max} namespaces`);
    const name = `${this.prefix}-${role}`;
    await run(['ip', 'netns', 'add', name]);
    this.created.push(name);
    await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    await runIn(name, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    if (options.forwarding) await runIn(name, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    return name;
  }

  /** A short, unique interface name (prefixed) for the far end of a link. */
  ifname(tag: string): string {
    const name = `${this.prefix}${tag}${(this.linkCounter++).toString(36)}`;
    if (name.length > ifname_bytes_max) throw new LabLimitError(`interface name ${name} too long`);
    return name;
  }

  /** A veth pair from `a` (named `ifA`) to `b` (named `ifB`), both ends up. */
  async link(a: string, ifA: string, b: string, ifB: string): Promise<void> {
    await run(['ip', '-n', a, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', b]);
    await run(['ip', '-n', a, 'link', 'set', ifA, 'up']);
    await run(['ip', '-n', b, 'link', 'set', ifB, 'up']);
  }

  async bridge(namespace: string, name: string): Promise<void> {
    await run(['ip', '-n', namespace, 'link', 'add', name, 'type', 'bridge']);
    await run(['ip', '-n', namespace, 'link', 'set', name, 'up']);
  }

  async enslave(namespace: string, ifname: string, bridge: string): Promise<void> {
    await run(['ip', '-n', namespace, 'link', 'set', ifname, 'master', bridge]);
  }

  async address(namespace: string, ifname: string, cidr: string): Promise<void> {
    await run(['ip', '-n', namespace, 'addr', 'add', cidr, 'dev', ifname]);
  }

  async defaultRoute(namespace: string, via: string): Promise<void> {
    await run(['ip', '-n', namespace, 'route', 'add', 'default', 'via', via]);
  }

  async nft(namespace: string, ruleset: string): Promise<void> {
    await runIn(namespace, ['nft', '-f', '-'], ruleset);
  }

  /** Deletes every namespace this run made (their veths go with them). Never throws. */
  async teardown(): Promise<string[]> {
    const failures: string[] = [];
    for (const name of this.created.splice(0).reverse()) {
      try {
        await killNamespacePids(name);
        await run(['ip', 'netns', 'del', name]);
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
      }
    }
    return failures;
  }
}

/** Lab namespaces currently present (ours and other runs'). */
export function listLabNamespaces(): string[] {
  try {
    return readdirSync('/run/netns').filter((name) => name.startsWith(LAB_NAME_BASE));
  } catch {
    return [];
  }
}

function pidOf(name: string): number | undefined {
  // prefix = base + pid36 + run36 (one char for the first 36 runs): the pid is all but the last.
  const match = /^plab([0-9a-z]+)-/.exec(name);
  if (!match) return undefined;
  return parseInt(match[1]!.slice(0, -1), 36);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes namespaces left by lab runs whose process is gone; returns what it removed. */
export async function sweepLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of listLabNamespaces()) {
    const pid = pidOf(name);
    if (pid === undefined || pid === process.pid || alive(pid)) continue;
    try {
      await killNamespacePids(name);
      await run(['ip', 'netns', 'del', name]);
      removed.push(name);
    } catch {
      /* someone else removed it first */
    }
  }
  return removed;
}

/** SIGKILLs whatever still runs inside a lab namespace (a process we lost track of). */
async function killNamespacePids(name: string): Promise<void> {
  let pids: number[] = [];
  try {
    pids = (await run(['ip', 'netns', 'pids', name])).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return;
  }
  const targets = pids.filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid);
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  // Wait until they are really gone (or only zombies waiting for their parent to reap them).
  const deadline = Date.now() + kill_wait_ms;
  while (Date.now() < deadline && targets.some(running)) await new Promise((r) => setTimeout(r, 20));
}

/** How long teardown waits for SIGKILLed processes to disappear. */
const kill_wait_ms = 2000;

function running(pid: number): boolean {
  try {
    // A zombie has exited already; it only waits to be reaped.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
