// The teardown-safe frame every lab run executes in: it sweeps namespaces left by dead runs,
// installs SIGINT/SIGTERM handlers, and in `finally` stops every process it started (by pid)
// and deletes every namespace it made, even when the case throws or the user hits ^C.
import { run, type ManagedProcess } from './exec.ts';
import { LabNetwork, sweepLeftovers } from './namespaces.ts';

export class LabPrerequisiteError extends Error {
  constructor(readonly missing: string[]) {
    super(`kernel-NAT lab needs ${missing.join(', ')}`);
    this.name = 'LabPrerequisiteError';
  }
}

/** What is missing for the lab on this machine (empty = ready). */
export async function labPrerequisites(): Promise<string[]> {
  const missing: string[] = [];
  if (process.platform !== 'linux') return ['Linux'];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('root');
  for (const [tool, pkg] of [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
    ['turnserver', 'coturn'],
  ] as const) {
    try {
      await run(['sh', '-c', `command -v ${tool}`]);
    } catch {
      missing.push(`${tool} (apt-get install ${pkg})`);
    }
  }
  return missing;
}

export class LabSession {
  readonly net = new LabNetwork();
  private readonly processes: ManagedProcess[] = [];
  private readonly cleanups: Array<() => Promise<void>> = [];

  /** Registers a process so teardown stops it. */
  track<T extends ManagedProcess>(process: T): T {
    this.processes.push(process);
    return process;
  }

  /** Registers an extra cleanup step (temp dirs, coturn), run in reverse order. */
  defer(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  async teardown(): Promise<string[]> {
    const failures: string[] = [];
    await Promise.all(this.processes.splice(0).map((p) => p.stop().catch((e: Error) => failures.push(e.message))));
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    failures.push(...(await this.net.teardown()));
    return failures;
  }
}

const live = new Set<LabSession>();

function onSignal(signal: NodeJS.Signals): void {
  process.stderr.write(`\npeerlab lab: ${signal}, tearing down ${live.size} lab(s)…\n`);
  void Promise.all([...live].map((s) => s.teardown())).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

/** Handlers are present only while a lab is live, so other code keeps the default behaviour. */
function setSignalHandlers(on: boolean): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    if (on) process.on(signal, onSignal);
    else process.off(signal, onSignal);
  }
}

/** Runs `body` in a fresh lab session and always tears it down. */
export async function withLab<T>(body: (session: LabSession) => Promise<T>): Promise<T> {
  const missing = await labPrerequisites();
  if (missing.length > 0) throw new LabPrerequisiteError(missing);
  await sweepLeftovers();
  const session = new LabSession();
  if (live.size === 0) setSignalHandlers(true);
  live.add(session);
  try {
    return await body(session);
  } finally {
    const failures = await session.teardown();
    live.delete(session);
    if (live.size === 0) setSignalHandlers(false);
    if (failures.length > 0) process.stderr.write(`peerlab lab: teardown problems:\n  ${failures.join('\n  ')}\n`);
  }
}
