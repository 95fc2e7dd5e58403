// The scenario registry: scenarios by name and suites by name, built from the one list in
// scenarios/index.ts. It rejects duplicate names so a typo cannot silently shadow a scenario.
import type { SuiteReport } from './report.ts';
import type { ScenarioResult } from './runner.ts';
import type { Scenario } from './scenario.ts';

export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** An entry is one scenario or a generated family of them. */
export type ScenarioEntry = Scenario | readonly Scenario[];

export class ScenarioRegistry {
  private readonly byName = new Map<string, Scenario>();
  private readonly bySuite = new Map<string, Scenario[]>();

  constructor(
    entries: readonly ScenarioEntry[],
    /** One line per suite for `peerlab list`. */
    readonly suiteDescriptions: Readonly<Record<string, string>> = {},
    /** Cross-scenario summaries printed under the results table. */
    readonly reports: readonly SuiteReport[] = [],
    /** Suites whose every scenario counts as slow (see Scenario.slow). */
    readonly slowSuites: readonly string[] = [],
  ) {
    for (const scenario of entries.flat() as Scenario[]) this.add(scenario);
  }

  private add(scenario: Scenario): void {
    if (this.byName.has(scenario.name)) throw new RegistryError(`scenario ${scenario.name} is registered twice`);
    this.byName.set(scenario.name, scenario);
    for (const suite of scenario.suites) {
      const list = this.bySuite.get(suite) ?? [];
      list.push(scenario);
      this.bySuite.set(suite, list);
    }
  }

  /** A new registry with extra scenarios (tests add a deliberately failing one this way). */
  with(extra: readonly ScenarioEntry[]): ScenarioRegistry {
    return new ScenarioRegistry([...this.scenarios(), ...extra], this.suiteDescriptions, this.reports, this.slowSuites);
  }

  /** Whether a scenario is slow: it says so, or it belongs to a slow suite. */
  isSlow(scenario: Scenario): boolean {
    return scenario.slow === true || scenario.suites.some((suite) => this.slowSuites.includes(suite));
  }

  scenarios(): Scenario[] {
    return [...this.byName.values()];
  }

  scenario(name: string): Scenario | undefined {
    return this.byName.get(name);
  }

  /** The report texts for whichever suites these results touch. */
  renderReports(results: readonly ScenarioResult[]): Array<{ suite: string; text: string }> {
    const out: Array<{ suite: string; text: string }> = [];
    for (const report of this.reports) {
      const members = new Set(this.suite(report.suite).map((scenario) => scenario.name));
      const mine = results.filter((result) => members.has(result.scenario));
      if (mine.length === 0) continue;
      const text = report.render(mine);
      if (text !== undefined) out.push({ suite: report.suite, text });
    }
    return out;
  }

  suiteNames(): string[] {
    return [...this.bySuite.keys()].sort();
  }

  suite(name: string): Scenario[] {
    return [...(this.bySuite.get(name) ?? [])];
  }

  /**
   * A scenario name, a suite name, a family prefix (`nat` selects every `nat/...`), or a
   * glob with `*` (`nat/ports-*`). Exact scenario names win over suites, suites over prefixes.
   */
  resolve(target: string): Scenario[] {
    const exact = this.byName.get(target);
    if (exact) return [exact];
    const suite = this.bySuite.get(target);
    if (suite) return [...suite];
    if (target.includes('*')) {
      const pattern = new RegExp(`^${target.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      const matched = this.scenarios().filter((scenario) => pattern.test(scenario.name));
      if (matched.length > 0) return matched;
    }
    const prefix = `${target}/`;
    const family = this.scenarios().filter((scenario) => scenario.name.startsWith(prefix));
    if (family.length > 0) return family;
    throw new RegistryError(`no scenario or suite named "${target}" (try: peerlab list)`);
  }
}
