// JUnit XML from scenario results: escaping (markup characters and control bytes XML cannot
// carry), counts per suite and in total, a <failure> per failed expectation and an <error>
// per scenario that threw, each with its reproduce line; a real parser accepts the document.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { junitXml, xmlEscape } from '../../scenarios/junit.ts';
import type { ScenarioResult } from '../../scenarios/runner.ts';

function result(scenario: string, seed: number, extra: Partial<ScenarioResult> = {}): ScenarioResult {
  return { scenario, seed, passed: true, outcome: {}, failures: [], sim_ms: 1_000, wall_ms: 12, reproduce: `peerlab run ${scenario} --seed ${seed}`, ...extra };
}

describe('junitXml', () => {
  test('escapes markup and control characters', () => {
    expect(xmlEscape(`a<b>&"c'\u0001\u001f\tok`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;\ufffd\ufffd\tok');
  });

  test('counts, failures, errors and reproduce lines in a document a parser accepts', () => {
    const xml = junitXml([
      result('nat/a', 1),
      result('nat/a', 2, { passed: false, failures: [{ expectation: 'rtt <= 40', why: 'rtt is 41 <ms>' }], trace: { path: 'traces/nat.a-2.jsonl', sha256: 'x', lines: 1, bytes: 1 } }),
      result('boom', 1, { passed: false, error: 'Error: bad \u0000 thing\n    at x', reproduce: 'peerlab run boom --seed 1 --scenarios my/s.ts' }),
    ]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(xml);
    expect(doc.testsuites).toMatchObject({ tests: '3', failures: '1', errors: '1', time: '0.036' });
    const [nat, boom] = doc.testsuites.testsuite;
    expect(nat).toMatchObject({ name: 'nat/a', tests: '2', failures: '1', errors: '0' });
    expect(nat.testcase[0]).toEqual({ classname: 'peerlab.nat/a', name: 'nat/a seed 1', time: '0.012' });
    expect(nat.testcase[1].failure.message).toBe('rtt <= 40: rtt is 41 <ms>');
    expect(nat.testcase[1]['system-out']).toBe('reproduce: peerlab run nat/a --seed 2\ntrace: traces/nat.a-2.jsonl');
    expect(boom.testcase[0].error.message).toBe('Error: bad \ufffd thing');
    expect(boom.testcase[0]['system-out']).toBe('reproduce: peerlab run boom --seed 1 --scenarios my/s.ts');
  });
});
