// Finds the CLI's commands: every `commands/<name>.ts` exporting `command: CliCommand`. The
// file name is the command name, so other engineers add commands without touching main.ts.
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { CliCommand } from './command.ts';
import { isModuleFile, MODULE_EXT } from '../source-layout.ts';

const COMMANDS_DIR = new URL('./commands/', import.meta.url);

/** A command name is a lower-case word with dashes, as typed on the command line. */
const COMMAND_NAME = /^[a-z][a-z0-9-]*$/;

/** Names of every command file, sorted. */
export function commandNames(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter(isModuleFile)
    .map((file) => file.slice(0, -MODULE_EXT.length))
    .filter((name) => COMMAND_NAME.test(name))
    .sort();
}

export class CommandLoadError extends Error {
  constructor(name: string, why: string) {
    super(`command ${name}: ${why}`);
    this.name = 'CommandLoadError';
  }
}

/** Loads one command module; undefined when no such file exists. */
export async function loadCommand(name: string): Promise<CliCommand | undefined> {
  if (!COMMAND_NAME.test(name) || !commandNames().includes(name)) return undefined;
  const module = (await import(pathToFileURL(new URL(`${name}${MODULE_EXT}`, COMMANDS_DIR).pathname).href)) as {
    command?: CliCommand;
  };
  if (!module.command || typeof module.command.run !== 'function') {
    throw new CommandLoadError(name, 'the module does not export `command: CliCommand`');
  }
  return module.command;
}
