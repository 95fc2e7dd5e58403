// Runs a command to its end for the example tests: bounded by a timeout (killed by the child
// process API, which signals only the child it started), never throwing, so the test asserts
// on the exit code with the output beside it.
import { execFile } from 'node:child_process';

export interface Done {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runToEnd(file: string, args: readonly string[], cwd: string, timeout_ms: number): Promise<Done> {
  return new Promise((resolve) => {
    const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
    execFile(file, args, { cwd, timeout: timeout_ms, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024, env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr + (error && typeof error.code !== 'number' ? `\n${error.message}` : '') });
    });
  });
}

/** The assertion message: what ran, its exit code, and the tail of its output. */
export function explain(what: string, done: Done): string {
  return `${what} exited ${done.code}\n--- stdout\n${done.stdout.slice(-4000)}\n--- stderr\n${done.stderr.slice(-4000)}`;
}
