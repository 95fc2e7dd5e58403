// Runs `peerlab` sub-commands as child processes for loopback tests, and makes sure every
// process a test started is killed (by pid) when the test ends, pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/peerlab.js', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

export class CliProcesses {
  private readonly runs: CliRun[] = [];

  start(args: string[]): CliRun {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: CliRun = { child, stdout: '', stderr: '', exit: Promise.resolve(null) };
    child.stdout!.on('data', (chunk: Buffer) => (run.stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (run.stderr += chunk.toString('utf8')));
    run.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.runs.push(run);
    return run;
  }

  /** Resolves once `pattern` appears on the process's stdout or stderr. */
  async waitFor(run: CliRun, pattern: RegExp, timeout_ms: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeout_ms;
    for (;;) {
      const match = (run.stdout + run.stderr).match(pattern);
      if (match) return match;
      if (run.child.exitCode !== null) throw new Error(`process exited (${run.child.exitCode}) before ${pattern}:\n${run.stdout}${run.stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeout_ms} ms:\n${run.stdout}${run.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async killAll(): Promise<void> {
    await Promise.all(
      this.runs.splice(0).map(async (run) => {
        if (run.child.exitCode === null && run.child.signalCode === null) {
          run.child.kill('SIGKILL');
          await run.exit;
        }
      }),
    );
  }
}

/** The last JSON object a --json command printed. */
export function lastJson(text: string): Record<string, unknown> {
  const lines = text.trim().split('\n').filter((l) => l.startsWith('{'));
  return JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
}
