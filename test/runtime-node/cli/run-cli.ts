// Test helpers for the CLI: `main()` in this process with captured output (fast: no tsx
// start-up), and `bin/peerlab.js` as a real child process that is killed by pid if it
// outlives its budget, for what only a process shows (exit code, stderr, no stack trace).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../../runtime-node/cli/main.ts';

export const BIN = fileURLToPath(new URL('../../../bin/peerlab.js', import.meta.url));

export interface CliOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `peerlab <args>` through main() with stdout/stderr captured line by line. */
export async function mainCaptured(args: string[]): Promise<CliOutcome & { readonly errLines: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(...t.split('\n')) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), errLines: err };
}

/** Runs bin/peerlab.js to completion; SIGKILLs it after `timeout_ms` (code is then null). */
export function runCli(args: string[], timeout_ms: number): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { timeout: timeout_ms, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code: child.signalCode ? null : code, stdout, stderr });
    });
  });
}

/** A stack frame line as Node prints it. */
export const STACK_FRAME = /^\s+at .+/m;
