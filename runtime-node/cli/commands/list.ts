// `peerlab list`: every suite and scenario with its description.
import { registry as defaultRegistry } from '../../../scenarios/index.ts';
import type { ScenarioRegistry } from '../../../scenarios/registry.ts';
import { booleanFlag, parseArgs } from '../args.ts';
import { EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { renderTable } from '../table.ts';

const usage = `usage: peerlab list [--json]

Lists the suites and the scenarios (name, suites, description).
Run one with: peerlab run <scenario|suite>`;

export function listText(registry: ScenarioRegistry): string {
  const suites = registry.suiteNames().map((name) => [name, registry.suite(name).length, registry.suiteDescriptions[name] ?? '']);
  const scenarios = registry.scenarios().map((scenario) => [scenario.name, scenario.suites.join(','), scenario.description]);
  return [
    renderTable([{ title: 'suite' }, { title: 'scenarios', align: 'right' }, { title: 'description' }], suites),
    '',
    renderTable([{ title: 'scenario' }, { title: 'suites' }, { title: 'description' }], scenarios),
  ].join('\n');
}

export const command: CliCommand = {
  name: 'list',
  summary: 'list scenarios and suites',
  usage,
  async run(args) {
    const parsed = parseArgs(args, { json: 'boolean' });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    if (booleanFlag(parsed, 'json')) {
      const registry = defaultRegistry;
      const json = {
        suites: registry.suiteNames().map((name) => ({
          name,
          description: registry.suiteDescriptions[name] ?? '',
          scenarios: registry.suite(name).map((scenario) => scenario.name),
        })),
        scenarios: registry.scenarios().map(({ name, description, suites }) => ({ name, description, suites })),
      };
      process.stdout.write(`${JSON.stringify(json)}\n`);
    } else {
      process.stdout.write(`${listText(defaultRegistry)}\n`);
    }
    return EXIT_OK;
  },
};
