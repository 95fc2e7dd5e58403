// The peerlab CLI entry point: dispatches `peerlab <command> [args]` to the command file of
// that name, and implements `peerlab help` over whatever commands exist.
import { AddrParseError } from '../../protocol/core/addr.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from './command.ts';
import { commandNames, loadCommand } from './registry.ts';
import { peerlabVersion } from './version.ts';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

async function helpText(): Promise<string> {
  const lines = [`peerlab ${peerlabVersion()}: a simulation-first testbed for peer-to-peer protocols`, '', 'commands:'];
  const loaded: Array<Pick<CliCommand, 'name' | 'summary'>> = [];
  for (const name of commandNames()) {
    // A command that fails to load is listed with the reason instead of hiding it.
    const command = await loadCommand(name).catch((error: unknown) => ({
      name,
      summary: `(failed to load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    }));
    if (command) loaded.push(command);
  }
  const width = Math.max(4, ...loaded.map((command) => command.name.length));
  lines.push(`  ${'help'.padEnd(width)}  show this help, or a command's usage: peerlab help <command>`);
  for (const command of loaded) lines.push(`  ${command.name.padEnd(width)}  ${command.summary}`);
  lines.push('', 'npm start runs `peerlab run default`; npm test runs every test.');
  return lines.join('\n');
}

export async function main(argv: readonly string[], output: CliOutput = processOutput): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === undefined ? undefined : args[0];
    if (topic) {
      const command = await loadCommand(topic);
      if (!command) {
        output.err(`peerlab: no command "${topic}"`);
        return EXIT_USAGE;
      }
      output.out(command.usage);
      return EXIT_OK;
    }
    output.out(await helpText());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === 'version') {
    output.out(peerlabVersion());
    return EXIT_OK;
  }
  const command = await loadCommand(name);
  if (!command) {
    output.err(`peerlab: no command "${name}" (commands: help, ${commandNames().join(', ')})`);
    return EXIT_USAGE;
  }
  try {
    if (args.includes('--help') || args.includes('-h')) {
      output.out(command.usage);
      return EXIT_OK;
    }
    return await command.run(args);
  } catch (error) {
    const verdict = classifyError(error);
    if (verdict.kind === 'usage') {
      output.err(`peerlab ${name}: ${verdict.line} (see: peerlab help ${name})`);
      return EXIT_USAGE;
    }
    output.err(`peerlab ${name}: ${verdict.line}`);
    // A bug (not a mistake of the caller, not the environment) keeps its stack for the report.
    if (verdict.kind === 'bug' || process.env.PEERLAB_DEBUG === '1') {
      const stack = error instanceof Error ? error.stack?.split('\n').slice(1).join('\n') : undefined;
      if (stack) output.err(stack);
    }
    return EXIT_FAILED;
  }
}

/** Errors whose message is the whole story: the environment, not our code, is at fault. */
const ENVIRONMENT_ERRORS = new Set(['EnvironmentError', 'IdentityFileError', 'DriverError', 'LabPrerequisiteError', 'ConnectFailure']);

type ErrorVerdict = { readonly kind: 'usage' | 'environment' | 'bug'; readonly line: string };

/**
 * How an error that escaped a command is reported: usage mistakes and environment failures
 * as one line (Node's system errors, ENOENT and friends, count as environment), anything else
 * as a bug with its stack. An AddrParseError can only come from text the user typed (machines
 * parse bytes, not text), so it is a usage error.
 */
export function classifyError(error: unknown): ErrorVerdict {
  const firstLine = (text: string): string => text.split('\n')[0]!;
  if (error instanceof UsageError) return { kind: 'usage', line: firstLine(error.message) };
  if (error instanceof AddrParseError) return { kind: 'usage', line: firstLine(error.message) };
  if (!(error instanceof Error)) return { kind: 'bug', line: firstLine(String(error)) };
  const code = (error as NodeJS.ErrnoException).code;
  if (ENVIRONMENT_ERRORS.has(error.name) || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) {
    return { kind: 'environment', line: firstLine(error.message) };
  }
  return { kind: 'bug', line: `${error.name}: ${firstLine(error.message)}` };
}
