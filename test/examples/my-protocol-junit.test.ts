// `peerlab run --scenarios examples/my-protocol/scenarios/*.ts --seeds 1..20 --junit FILE`,
// run from this repo (the glob passed unexpanded, as a quoted shell word would be), must pass
// and write JUnit that a real XML parser (fast-xml-parser) accepts: one testsuite per
// scenario, one passing testcase per seed, counts that add up.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect, test } from 'vitest';
import { explain, runToEnd } from './run-to-end.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/peerlab.js');

test('peerlab run --scenarios examples/my-protocol/scenarios/*.ts --seeds 1..20 --junit writes valid JUnit', async () => {
  const out = mkdtempSync(join(tmpdir(), 'peerlab-junit-'));
  try {
    const xmlPath = join(out, 'out.xml');
    const done = await runToEnd(process.execPath, [BIN, 'run', '--scenarios', 'examples/my-protocol/scenarios/*.ts', '--seeds', '1..20', '--junit', xmlPath, '--trace', join(out, 'traces')], ROOT, 120_000);
    expect(done.code, explain('peerlab run --junit', done)).toBe(0);
    const xml = readFileSync(xmlPath, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(xml) as {
      testsuites: { tests: string; failures: string; errors: string; testsuite: Array<{ name: string; tests: string; testcase: Array<{ name: string; classname: string; time: string }> }> };
    };
    expect(doc.testsuites).toMatchObject({ tests: '40', failures: '0', errors: '0' });
    expect(doc.testsuites.testsuite.map((s) => s.name)).toEqual(['heartbeat/failover', 'heartbeat/lossy']);
    for (const suite of doc.testsuites.testsuite) {
      expect(suite.testcase.map((c) => c.name)).toEqual(Array.from({ length: 20 }, (_, i) => `${suite.name} seed ${i + 1}`));
      for (const c of suite.testcase) expect(Number(c.time)).toBeGreaterThanOrEqual(0);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
