// The published package works from outside: packs peerlab (`npm pack`; with --ignore-scripts
// when dist/ is already fresh, else npm's prepare builds it), installs the tarball into a
// temporary copy of examples/my-protocol, and there runs the example's vitest suite, its type
// check (everything it imports must be exported and typed) and the installed `peerlab` CLI on
// its scenarios. Offline-friendly where it can be: `npm install --prefer-offline` takes
// tarballs from npm's cache (the repo's own `npm ci` put the same versions there) and uses
// cached metadata without revalidating it, so the registry is asked only for what the cache
// lacks (typically the metadata of a range, never when this machine has resolved it before).
// The JUnit check of the same scenarios run from this repo is in my-protocol-junit.test.ts.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { explain, runToEnd as run } from './run-to-end.ts';
import { distState } from '../../bin/dist-state.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples/my-protocol');

describe('examples/my-protocol against the packed tarball', () => {
  let work = '';
  let app = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'peerlab-example-'));
    const fresh = distState(new URL('../../', import.meta.url)) === 'dist';
    const pack = await run('npm', ['pack', '--pack-destination', work, ...(fresh ? ['--ignore-scripts'] : [])], ROOT, 240_000);
    expect(pack.code, explain('npm pack', pack)).toBe(0);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball, 'npm pack wrote no tarball').toBeDefined();
    app = join(work, 'my-protocol');
    cpSync(EXAMPLE, app, { recursive: true, filter: (path) => !/[\\/](node_modules|traces|test-results)([\\/]|$)/.test(path.slice(EXAMPLE.length)) });
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['peerlab']).toBe('file:../..'); // the example depends on this repo by path
    pkg.dependencies['peerlab'] = `file:${join(work, tarball!)}`;
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app, 240_000);
    expect(install.code, explain('npm install', install)).toBe(0);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the installed package ships compiled JavaScript and declarations, not the sources', () => {
    const installed = join(app, 'node_modules/peerlab');
    const files = readdirSync(join(installed, 'dist/api'));
    for (const entry of ['core', 'sim', 'protocols', 'node', 'scenario', 'test', 'arb', 'index']) {
      expect(files).toContain(`${entry}.js`);
      expect(files).toContain(`${entry}.d.ts`);
    }
    expect(readdirSync(installed)).not.toContain('protocol');
    // Compiled imports name .js files: nothing is left for a TypeScript loader to do.
    expect(readFileSync(join(installed, 'dist/api/sim.js'), 'utf8')).toMatch(/from ["']\.\.\/runtime-sim\/index\.js["']/);
  });

  test('its vitest suite passes and it type-checks against the exports', async () => {
    const [tests, types] = await Promise.all([
      run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run'], app, 180_000),
      run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], app, 180_000),
    ]);
    expect(tests.code, explain('vitest run (example)', tests)).toBe(0);
    expect(tests.stdout).toMatch(/Tests\s+\d+ passed/);
    expect(tests.stdout).not.toMatch(/\d+ failed/);
    expect(types.code, explain('tsc --noEmit (example)', types)).toBe(0);
  }, 200_000);

  test("the installed `peerlab` runs the example's scenarios from dist/", async () => {
    const done = await run(process.execPath, ['node_modules/peerlab/bin/peerlab.js', 'run', '--scenarios', 'scenarios/*.ts', '--seeds', '1..2', '--no-trace'], app, 120_000);
    expect(done.code, explain('peerlab run (installed)', done)).toBe(0);
    expect(done.stdout).toMatch(/heartbeat\/failover\s+1\.\.2\s+pass/);
    expect(done.stdout).toMatch(/4\/4 runs passed/);
  }, 120_000);
});
