// Running the lab's system tools (ip, nft, sysctl, turnserver) and the long-lived processes
// inside namespaces. Every failure carries the command line and stderr, and every spawned
// process is registered so teardown can kill it by pid.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

export class LabCommandError extends Error {
  constructor(readonly argv: readonly string[], readonly exitCode: number | null, readonly stderr: string) {
    super(`lab command failed (${exitCode}): ${argv.join(' ')}\n${stderr.trim()}`);
    this.name = 'LabCommandError';
  }
}

/** Upper bound for one setup command; ip/nft finish in milliseconds. */
const command_timeout_ms = 20_000;
/** Output kept from a managed process, for the report when a case fails. */
const output_keep_bytes = 64 * 1024;

export function run(argv: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { timeout: command_timeout_ms, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new LabCommandError(argv, typeof error.code === 'number' ? error.code : null, `${stderr}${error.message}`));
        else resolve(stdout);
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs inside a namespace. */
export function runIn(namespace: string, argv: readonly string[], input?: string): Promise<string> {
  return run(namespace ? ['ip', 'netns', 'exec', namespace, ...argv] : argv, input);
}

export class ManagedProcess {
  stdout = '';
  stderr = '';
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor(readonly name: string, readonly argv: readonly string[], readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout = keepTail(this.stdout + chunk.toString('utf8'))));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = keepTail(this.stderr + chunk.toString('utf8'))));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        resolve();
      });
      child.once('error', (error) => {
        this.stderr += String(error);
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitCode === null && this.signal === null && this.child.exitCode === null;
  }

  /** Resolves when `pattern` shows up in stdout or stderr, rejects on exit or timeout. */
  waitForOutput(pattern: RegExp, timeout_ms: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = (this.stdout + '\n' + this.stderr).match(pattern);
        if (match) {
          cleanup();
          resolve(match);
          return true;
        }
        return false;
      };
      const onData = (): void => void check();
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no ${pattern} within ${timeout_ms} ms\n${this.tail()}`));
      }, timeout_ms);
      const onExit = (): void => {
        if (check()) return;
        cleanup();
        reject(new Error(`${this.name} exited (${this.exitCode ?? this.signal}) before ${pattern}\n${this.tail()}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', onData);
        this.child.stderr?.off('data', onData);
        this.child.off('exit', onExit);
      };
      this.child.stdout?.on('data', onData);
      this.child.stderr?.on('data', onData);
      this.child.once('exit', onExit);
      if (!this.running) onExit();
      else check();
    });
  }

  tail(lines = 20): string {
    return (this.stdout + this.stderr).trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM, then SIGKILL after `grace_ms`; resolves once the process is gone. */
  async stop(grace_ms = 1500): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    this.child.kill('SIGTERM');
    const gone = await Promise.race([this.exited.then(() => true), sleep(grace_ms).then(() => false)]);
    if (!gone && this.running) {
      this.child.kill('SIGKILL');
      await Promise.race([this.exited, sleep(grace_ms)]);
    }
  }
}

function keepTail(text: string): string {
  return text.length > output_keep_bytes ? text.slice(-output_keep_bytes) : text;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts a long-lived process inside a namespace (ip netns exec replaces itself with it, so
 * the pid we hold is the process's own). An empty namespace means this one (loopback tests).
 */
export function spawnIn(namespace: string, name: string, argv: readonly string[], env?: NodeJS.ProcessEnv): ManagedProcess {
  const full = namespace ? ['ip', 'netns', 'exec', namespace, ...argv] : [...argv];
  const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  return new ManagedProcess(name, full, child);
}

/** argv prefix that runs one of our TypeScript entry points under Node (through tsx). */
export function nodeTs(entry: string): string[] {
  return [process.execPath, '--import', 'tsx', entry];
}
