// The peerlab CLI entry point: dispatches `peerlab <command> [args]` to the command file of
// that name, and implements `peerlab help` over whatever commands exist.
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
    if (error instanceof UsageError) {
      output.err(`peerlab ${name}: ${error.message}`);
      output.err(command.usage);
      return EXIT_USAGE;
    }
    output.err(`peerlab ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_FAILED;
  }
}
