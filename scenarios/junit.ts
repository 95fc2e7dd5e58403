// JUnit XML for `peerlab run --junit FILE`: the report format GitHub Actions (via test-report
// actions), GitLab and Jenkins read. One <testsuite> per scenario, one <testcase> per seed; a
// failed expectation or a broken determinism check is a <failure>, a scenario that threw is an
// <error>; every failed case carries its reproduce line and trace path in <system-out>.
import type { ScenarioResult } from './runner.ts';

/** Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR). */
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Text safe inside an XML attribute or element. */
export function xmlEscape(text: string): string {
  return text
    .replace(XML_INVALID, '\ufffd')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attrs(values: Readonly<Record<string, string | number>>): string {
  return Object.entries(values)
    .map(([key, value]) => ` ${key}="${xmlEscape(String(value))}"`)
    .join('');
}

function testcase(result: ScenarioResult): string[] {
  const head = `    <testcase${attrs({ classname: `peerlab.${result.scenario}`, name: `${result.scenario} seed ${result.seed}`, time: seconds(result.wall_ms) })}`;
  if (result.passed) return [`${head}/>`];
  const lines = [`${head}>`];
  if (result.error !== undefined) {
    const first = result.error.split('\n')[0] ?? '';
    lines.push(`      <error${attrs({ message: first, type: 'threw' })}>${xmlEscape(result.error)}</error>`);
  }
  if (result.failures.length > 0) {
    const message = result.failures.map((failure) => `${failure.expectation}: ${failure.why}`).join('; ');
    lines.push(`      <failure${attrs({ message, type: 'expectation' })}>${xmlEscape(result.failures.map((f) => `${f.expectation}: ${f.why}`).join('\n'))}</failure>`);
  }
  const out = [`reproduce: ${result.reproduce}`, ...(result.trace?.path !== undefined ? [`trace: ${result.trace.path}`] : [])];
  lines.push(`      <system-out>${xmlEscape(out.join('\n'))}</system-out>`, '    </testcase>');
  return lines;
}

export interface JunitOptions {
  /** The <testsuites> name (default "peerlab"). */
  readonly name?: string;
}

/** The whole JUnit document for one `peerlab run`, results grouped by scenario in run order. */
export function junitXml(results: readonly ScenarioResult[], options: JunitOptions = {}): string {
  const byScenario = new Map<string, ScenarioResult[]>();
  for (const result of results) {
    const list = byScenario.get(result.scenario) ?? [];
    list.push(result);
    byScenario.set(result.scenario, list);
  }
  const count = (list: readonly ScenarioResult[]) => ({
    tests: list.length,
    failures: list.filter((r) => !r.passed && r.error === undefined).length,
    errors: list.filter((r) => r.error !== undefined).length,
    time: seconds(list.reduce((sum, r) => sum + r.wall_ms, 0)),
  });
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs({ name: options.name ?? 'peerlab', ...count(results) })}>`];
  for (const [scenario, list] of byScenario) {
    lines.push(`  <testsuite${attrs({ name: scenario, ...count(list), skipped: 0 })}>`);
    for (const result of list) lines.push(...testcase(result));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
