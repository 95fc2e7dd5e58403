// The shape of one CLI command. Each file in commands/ exports `command: CliCommand`, and the
// file name is the command name, so adding a command touches no shared file.

export interface CliCommand {
  readonly name: string;
  /** One line for `peerlab help`. */
  readonly summary: string;
  /** Full usage text for `peerlab help <name>` and usage errors. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** A mistake in how the command was called: one line naming `peerlab help <command>`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The world is not as the command needs it (a file exists, a directory is missing, a port is
 * taken): one line, exit code 1, no stack trace.
 */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
